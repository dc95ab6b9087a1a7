import { upstreamTimeout } from '../errors.js'

/**
 * The one deadline of a unit of work (a GraphQL request, a connect callback, or one direct
 * call). Every wait of the Sentry pipeline honours it: the concurrency gate, rate-limit windows,
 * 429 waits, retry backoff, the refresh-lease wait and each exchange's own timeout. Real time
 * (Date.now), never an injected test clock: it bounds actual waits.
 */
export class Deadline {
  private constructor (readonly at: number) {}

  /** A deadline `ms` from now. */
  static after (ms: number): Deadline {
    return new Deadline(Date.now() + Math.max(0, ms))
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
