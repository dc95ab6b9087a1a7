/**
 * Client-side rate-limit bookkeeping for one connection (docs/sentry.md §4, getsentry/sentry
 * src/sentry/middleware/ratelimit.py). Sentry limits each caller × endpoint with a fixed window
 * (Limit/Remaining/Reset) and a concurrency cap (ConcurrentLimit). We read those headers so that
 * we wait for a window instead of provoking 429s, and never run more requests at once than allowed.
 */

/** Concurrency before Sentry has told us its ConcurrentLimit (SaaS logs show 25 on busy groups). */
export const DEFAULT_CONCURRENT_LIMIT = 25

export interface RateLimitHeaders {
  limit: number | null
  remaining: number | null
  /** Epoch milliseconds when the next window begins (Sentry sends epoch seconds). */
  resetAtMs: number | null
  concurrentLimit: number | null
}

type HeaderBag = Record<string, string | string[] | undefined>

function header (headers: HeaderBag, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

function nonNegativeInt (raw: string | undefined): number | null {
  if (raw === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(raw)) return null
  return Math.floor(Number(raw))
}

export function readRateLimitHeaders (headers: HeaderBag): RateLimitHeaders {
  const reset = nonNegativeInt(header(headers, 'x-sentry-rate-limit-reset'))
  return {
    limit: nonNegativeInt(header(headers, 'x-sentry-rate-limit-limit')),
    remaining: nonNegativeInt(header(headers, 'x-sentry-rate-limit-remaining')),
    resetAtMs: reset === null ? null : reset * 1000,
    concurrentLimit: nonNegativeInt(header(headers, 'x-sentry-rate-limit-concurrentlimit'))
  }
}

/** `Retry-After` in milliseconds (delta-seconds or an HTTP date), or null. */
export function readRetryAfterMs (headers: HeaderBag, now: number): number | null {
  const raw = header(headers, 'retry-after')
  if (raw === undefined) return null
  if (/^\s*\d+\s*$/.test(raw)) return Number(raw) * 1000
  const at = Date.parse(raw)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}

/** A queued `acquire`: granted by `drain`, or given up at its deadline. */
interface Waiter {
  grant: () => void
  gaveUp: boolean
}

/** A counting semaphore whose size can change while requests wait. */
export class ConcurrencyGate {
  private active = 0
  private readonly waiting: Waiter[] = []
  private readonly limits = new Map<string, number>()
  /** `limit`, computed when `limits` changes (it is read twice per request). */
  private smallest: number

  constructor (private readonly defaultLimit = DEFAULT_CONCURRENT_LIMIT) {
    this.smallest = defaultLimit
  }

  /** The smallest ConcurrentLimit seen on any endpoint, else the default. */
  get limit (): number {
    return this.smallest
  }

  get inFlight (): number {
    return this.active
  }

  /** Requests waiting for a slot. */
  get queued (): number {
    return this.waiting.length
  }

  /** Records the ConcurrentLimit Sentry reported for an endpoint. */
  learn (endpoint: string, concurrentLimit: number | null): void {
    if (concurrentLimit === null || concurrentLimit <= 0) return
    if (this.limits.get(endpoint) === concurrentLimit) return
    this.limits.set(endpoint, concurrentLimit)
    this.smallest = Math.max(1, Math.min(...this.limits.values()))
    this.drain()
  }

  /**
   * A slot, and the function that gives it back. With `maxWaitMs`, a caller still queued after
   * that long leaves the queue and gets `null` (it never holds a slot then).
   */
  async acquire (maxWaitMs?: number): Promise<() => void> {
    const release = await this.tryAcquire(maxWaitMs ?? Number.POSITIVE_INFINITY)
    if (release === null) throw new Error('unreachable: an unbounded wait always gets a slot')
    return release
  }

  async tryAcquire (maxWaitMs: number): Promise<(() => void) | null> {
    if (this.active >= this.limit) {
      if (maxWaitMs <= 0) return null
      const granted = await new Promise<boolean>(resolve => {
        const waiter: Waiter = { grant: () => { resolve(true) }, gaveUp: false }
        this.waiting.push(waiter)
        if (Number.isFinite(maxWaitMs)) {
          setTimeout(() => {
            const i = this.waiting.indexOf(waiter)
            if (i === -1) return // already granted
            this.waiting.splice(i, 1)
            waiter.gaveUp = true
            resolve(false)
          }, maxWaitMs)
        }
      })
      if (!granted) return null
    } else {
      this.active++
    }
    let released = false
    return () => {
      if (released) return
      released = true
      this.active--
      this.drain()
    }
  }

  private drain (): void {
    while (this.waiting.length > 0 && this.active < this.limit) {
      this.active++
      this.waiting.shift()?.grant()
    }
  }
}

interface Window {
  remaining: number
  resetAtMs: number
}

/**
 * What we know of each endpoint's current window. Before a request: if the window is spent and
 * has not reset yet, the caller must wait for it (or give up); otherwise a slot is counted.
 */
export class RateWindows {
  private readonly windows = new Map<string, Window>()

  constructor (private readonly now: () => number) {}

  /** Milliseconds to wait before `endpoint` may be called again; 0 when it may go now (and counts it). */
  reserve (endpoint: string): number {
    const w = this.windows.get(endpoint)
    if (w === undefined) return 0
    const t = this.now()
    if (t >= w.resetAtMs) {
      this.windows.delete(endpoint)
      return 0
    }
    if (w.remaining <= 0) return w.resetAtMs - t
    w.remaining--
    return 0
  }

  /** Updates the window from a response's headers (a 429 means the window is spent). */
  observe (endpoint: string, h: RateLimitHeaders, limited: boolean): void {
    if (h.resetAtMs === null) return
    const remaining = limited ? 0 : h.remaining
    if (remaining === null) return
    const w = this.windows.get(endpoint)
    if (w !== undefined && w.resetAtMs === h.resetAtMs) {
      w.remaining = Math.min(w.remaining, remaining)
    } else if (w === undefined || h.resetAtMs > w.resetAtMs) {
      this.windows.set(endpoint, { remaining, resetAtMs: h.resetAtMs })
    }
  }
}
