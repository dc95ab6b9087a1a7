/**
 * The emulator's generated spans (src/emulator/spans.ts builds them) and the bounded cache that keeps
 * them per (project, minute). A module of its own so the world (serialize.ts) can hold the cache
 * without importing the generator that reads the world.
 */
import type { IssueRec, ProjectRec } from './model.js'

export type SpanStatus = 'ok' | 'internal_error' | 'deadline_exceeded' | 'not_found' | 'cancelled' | 'unknown'

/** One span; `isTransaction` marks a segment (the root span of a service's work in the trace). */
export interface SpanRec {
  spanId: string
  parentSpanId: string | null
  traceId: string
  /** The segment's event id (32 hex), `transaction.event_id`. */
  transactionId: string
  segmentSpanId: string
  isTransaction: boolean
  op: string
  description: string
  transaction: string
  status: SpanStatus
  startMs: number
  durationMs: number
  selfTimeMs: number
  project: ProjectRec
  environment: string
  release: string | null
  httpStatus: string | null
  sdkName: string
  user: string
  /** Seeded issues whose errors happened in this span. */
  issues: IssueRec[]
}

/** The generated spans of one (project, minute): the segments alone, and every span once asked for. */
export interface MinuteEntry { segments: SpanRec[], all: SpanRec[] | null }

/**
 * Generated minutes of one emulator (a field of its state, emptied when the world is reset). Bounded:
 * past `max` entries the least recently used is dropped (a Map keeps insertion order; a hit re-inserts).
 * The default holds four weeks of minutes for the seed's five span-emitting projects.
 */
export class SpanCache {
  readonly #entries = new Map<string, MinuteEntry>()
  constructor (readonly max = 200_000) {}
  get size (): number { return this.#entries.size }
  clear (): void { this.#entries.clear() }
  get (key: string): MinuteEntry | undefined {
    const e = this.#entries.get(key)
    if (e !== undefined) {
      this.#entries.delete(key)
      this.#entries.set(key, e)
    }
    return e
  }

  set (key: string, e: MinuteEntry): void {
    this.#entries.delete(key)
    if (this.#entries.size >= this.max) this.#entries.delete(this.#entries.keys().next().value as string)
    this.#entries.set(key, e)
  }
}
