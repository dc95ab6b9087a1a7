import { upstreamTimeout } from '../errors.js'
import type { RequestTelemetry } from '../telemetry/request-context.js'

/**
 * The one deadline of a unit of work (a GraphQL request, a connect callback, or one direct
 * call). Every wait of the Sentry pipeline honours it: the concurrency gate, rate-limit windows,
 * 429 waits, retry backoff, the refresh-lease wait and each exchange's own timeout. Real time
 * (Date.now), never an injected test clock: it bounds actual waits.
 *
 * It also names the HTTP request the work is done for (`telemetry`, when there is one): the
 * transport counts each exchange on it (the access log's `upstreamCalls`), and work shared with
 * other requests (a refresh, a region lookup) is counted on the request that started it. Passed
 * along with the deadline instead of an AsyncLocalStorage, whose promise hooks cost ~9 % of a
 * small request's CPU on Node 20 (README "Benchmarks").
 */
export class Deadline {
  private constructor (readonly at: number, readonly telemetry: RequestTelemetry | undefined) {}

  /** A deadline `ms` from now, for the work of `telemetry`'s request when given. */
  static after (ms: number, telemetry?: RequestTelemetry | null): Deadline {
    return new Deadline(Date.now() + Math.max(0, ms), telemetry ?? undefined)
  }

  /** Milliseconds left (0 once passed). */
  remaining (): number {
    return Math.max(0, this.at - Date.now())
  }

  get expired (): boolean {
    return this.remaining() <= 0
  }

  /** Throws UPSTREAM_TIMEOUT once the deadline has passed. */
  check (): void {
    if (this.expired) throw upstreamTimeout()
  }

  /** Whether a wait of `ms` ends before the deadline. */
  fits (ms: number): boolean {
    return ms < this.remaining()
  }

  /**
   * Waits for `promise`, or rejects with UPSTREAM_TIMEOUT at the deadline (the promise itself
   * keeps running: a refresh another caller also waits on must be allowed to land).
   */
  async race<T> (promise: Promise<T>): Promise<T> {
    const left = this.remaining()
    if (left <= 0) {
      promise.catch(() => {})
      throw upstreamTimeout()
    }
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(upstreamTimeout()) }, left)
    })
    try {
      return await Promise.race([promise, timeout])
    } finally {
      clearTimeout(timer)
      promise.catch(() => {})
    }
  }
}
