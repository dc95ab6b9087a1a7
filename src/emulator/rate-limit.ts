/**
 * Sentry's API rate limiter (docs/sentry.md §4 "Rate limiting"; S:src/sentry/middleware/ratelimit.py):
 * a fixed window per caller × endpoint, a concurrent-request counter, five X-Sentry-Rate-Limit-*
 * headers on every response, and a 429 whose body is a bare JSON string with Django's default
 * text/html content type and no Retry-After.
 */

export interface RateLimitInput {
  limit?: number
  windowSeconds?: number
  /** Setting it here also turns on enforcement (ENFORCE_CONCURRENT_RATE_LIMITS). */
  concurrentLimit?: number
  /**
   * 429 body style. 'string' (default) is what docs/sentry.md §4 documents: `"You are attempting…"`.
   * 'detail' is `{"detail": "You are attempting…"}`, what newer ratelimit.py versions send, so
   * clients can be tested against both.
   */
  body429?: 'string' | 'detail'
}

export interface RateLimitConfig {
  limit: number
  windowSeconds: number
  concurrentLimit: number
  enforceConcurrent: boolean
  body429: 'string' | 'detail'
}

/** `S:src/sentry/ratelimits/config.py` defaults: 470 requests per 1 s, 100 concurrent (not enforced). */
export const DEFAULT_RATE_LIMIT: Readonly<RateLimitConfig> = { limit: 470, windowSeconds: 1, concurrentLimit: 100, enforceConcurrent: false, body429: 'string' }

/** An endpoint's own limits (e.g. Explore's 30/s, 15 concurrent), enforced concurrency included. */
export interface RouteRateLimit { limit: number, windowSeconds: number, concurrentLimit: number }

export interface RateLimitDecision {
  limited: boolean
  headers: Record<string, string>
  /** The 429 body, already serialized. */
  body: string
}

export class RateLimiter {
  config: RateLimitConfig = { ...DEFAULT_RATE_LIMIT }
  /** True after configure() with settings: route-specific limits no longer apply. */
  private customised = false
  private readonly windows = new Map<string, { start: number, count: number }>()
  private readonly inflight = new Map<string, number>()

  configure (input: RateLimitInput = {}): void {
    const positive = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0
    for (const [name, value] of Object.entries(input)) {
      if (name === 'body429') {
        if (value !== 'string' && value !== 'detail') throw new TypeError('body429 must be "string" or "detail"')
      } else if (!positive(value)) {
        throw new TypeError(`${name} must be a positive integer`)
      }
    }
    this.customised = Object.keys(input).length > 0
    this.config = Object.keys(input).length === 0
      ? { ...DEFAULT_RATE_LIMIT }
      : {
          limit: input.limit ?? DEFAULT_RATE_LIMIT.limit,
          windowSeconds: input.windowSeconds ?? DEFAULT_RATE_LIMIT.windowSeconds,
          concurrentLimit: input.concurrentLimit ?? DEFAULT_RATE_LIMIT.concurrentLimit,
          enforceConcurrent: input.concurrentLimit !== undefined,
          body429: input.body429 ?? 'string'
        }
    this.windows.clear()
  }

  /** Counts one request of `key` (caller × route) that has just arrived; call `leave` when it ends. */
  enter (key: string, nowMs: number, routeLimit?: RouteRateLimit): RateLimitDecision {
    // A route's own limits apply while the limiter runs Sentry's defaults; a test's setRateLimit overrides them.
    const own = routeLimit !== undefined && !this.customised
    const { limit, windowSeconds, concurrentLimit, enforceConcurrent } = own
      ? { ...routeLimit, enforceConcurrent: true }
      : this.config
    const windowMs = windowSeconds * 1000
    const start = Math.floor(nowMs / windowMs) * windowMs
    let window = this.windows.get(key)
    if (window === undefined || window.start !== start) {
      window = { start, count: 0 }
      this.windows.set(key, window)
    }
    window.count++
    const inflight = (this.inflight.get(key) ?? 0) + 1
    this.inflight.set(key, inflight)

    const overWindow = window.count > limit
    const overConcurrent = enforceConcurrent && inflight > concurrentLimit
    const headers = {
      'X-Sentry-Rate-Limit-Limit': String(limit),
      'X-Sentry-Rate-Limit-Remaining': String(Math.max(0, limit - window.count)),
      // "the time when the next rate limit window begins … UTC seconds from epoch", an integer.
      'X-Sentry-Rate-Limit-Reset': String(Math.floor((start + windowMs) / 1000)),
      'X-Sentry-Rate-Limit-ConcurrentLimit': String(concurrentLimit),
      'X-Sentry-Rate-Limit-ConcurrentRemaining': String(Math.max(0, concurrentLimit - inflight))
    }
    const text = overWindow
      ? `You are attempting to use this endpoint too frequently. Limit is ${limit} requests in ${windowSeconds} seconds`
      : `You are attempting to go above the allowed concurrency for this endpoint. Concurrency limit is ${concurrentLimit}`
    const body = JSON.stringify(this.config.body429 === 'detail' ? { detail: text } : text)
    return { limited: overWindow || overConcurrent, headers, body }
  }

  leave (key: string): void {
    const n = (this.inflight.get(key) ?? 1) - 1
    if (n <= 0) this.inflight.delete(key)
    else this.inflight.set(key, n)
  }

  /** Forget counted windows (not the configuration). */
  resetWindows (): void {
    this.windows.clear()
  }
}
