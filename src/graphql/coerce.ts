/**
 * Defensive readers for Sentry's JSON. Sentry's shapes vary by issue category, event type,
 * SDK and version (see the payload fixtures), so typed GraphQL fields read through these:
 * a value of an unexpected type becomes null instead of failing the whole query.
 */

import { upstreamError } from '../errors.js'

export type JsonRecord = Record<string, unknown>

export function str (v: unknown): string | null {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  return null
}

/**
 * A non-null ID read from Sentry: the first candidate that is a non-empty string or number. An
 * object without one is malformed: UPSTREAM_ERROR on that field, never an empty ID (issue 10,
 * defect 9).
 */
export function requiredId (what: string, ...candidates: unknown[]): string {
  for (const candidate of candidates) {
    const value = str(candidate)
    if (value !== null && value !== '') return value
  }
  throw upstreamError(`Sentry returned ${what} without an id.`)
}

const INT_MAX = 2147483647
const INT_MIN = -2147483648

/** A GraphQL Int (32-bit); larger or non-integral values become null. */
export function int (v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,10}$/.test(v) ? Number(v) : Number.NaN
  return Number.isInteger(n) && n <= INT_MAX && n >= INT_MIN ? n : null
}

export function float (v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v)
    return Number.isFinite(n) ? n : null
  }
  return null
}

export function bool (v: unknown): boolean | null {
  return typeof v === 'boolean' ? v : null
}

export function record (v: unknown): JsonRecord | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as JsonRecord : null
}

export function list (v: unknown): unknown[] {
  return Array.isArray(v) ? v : []
}

/** A list of strings, dropping non-string items; null when `v` is not an array. */
export function strList (v: unknown): string[] | null {
  if (!Array.isArray(v)) return null
  const out: string[] = []
  for (const item of v) {
    const s = str(item)
    if (s !== null) out.push(s)
  }
  return out
}

/** JSON-typed output: undefined becomes null. */
export function json (v: unknown): unknown {
  return v === undefined ? null : v
}

/**
 * A DateTime: an ISO string is kept as Sentry sent it (its precision varies); a number is read
 * as Unix seconds (breadcrumbs and spans use them) or milliseconds; anything else is null.
 */
export function date (v: unknown): string | null {
  if (typeof v === 'string') return Number.isFinite(Date.parse(v)) ? v : null
  if (typeof v === 'number' && Number.isFinite(v)) {
    const d = new Date(v < 1e11 ? v * 1000 : v)
    return Number.isFinite(d.getTime()) ? d.toISOString() : null
  }
  return null
}

/** Readers by field name, as `dataFields` and sentry-calls.ts' lazy fields take them. */
export type Readers = Record<string, (raw: unknown) => unknown>

/**
 * Resolvers for fields that are a reader applied to the same key of the parent's Sentry object
 * (`parent.data[field]`), one per reader and keyed like `readers`.
 */
export function dataFields<TReaders extends Readers> (readers: TReaders): { [K in keyof TReaders]: (parent: { data: JsonRecord }) => ReturnType<TReaders[K]> } {
  // Object.fromEntries cannot say that the keys are those of `readers`; the mapped type does.
  return Object.fromEntries(Object.entries(readers).map(([field, read]) => [field, (parent: { data: JsonRecord }) => read(parent.data[field])])) as
    { [K in keyof TReaders]: (parent: { data: JsonRecord }) => ReturnType<TReaders[K]> }
}
