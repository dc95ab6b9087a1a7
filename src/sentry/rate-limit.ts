/**
 * Client-side rate-limit bookkeeping for one connection (facts.md §4, getsentry/sentry
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

/** A counting semaphore whose size can change while requests wait. */
export class ConcurrencyGate {
  private active = 0
  private readonly waiting: Array<() => void> = []
  private readonly limits = new Map<string, number>()

  constructor (private readonly defaultLimit = DEFAULT_CONCURRENT_LIMIT) {}

  /** The smallest ConcurrentLimit seen on any endpoint, else the default. */
  get limit (): number {
    if (this.limits.size === 0) return this.defaultLimit
    return Math.max(1, Math.min(...this.limits.values()))
  }

  get inFlight (): number {
    return this.active
  }

  /** Records the ConcurrentLimit Sentry reported for an endpoint. */
  learn (endpoint: string, concurrentLimit: number | null): void {
    if (concurrentLimit === null || concurrentLimit <= 0) return
    if (this.limits.get(endpoint) === concurrentLimit) return
    this.limits.set(endpoint, concurrentLimit)
    this.drain()
  }

  async acquire (): Promise<() => void> {
    if (this.active >= this.limit) {
      await new Promise<void>(resolve => this.waiting.push(resolve))
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
      this.waiting.shift()?.()
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
