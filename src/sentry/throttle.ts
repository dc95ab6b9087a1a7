import { setTimeout as sleep } from 'node:timers/promises'
import { performance } from 'node:perf_hooks'
import { rateLimited, upstreamTimeout } from '../errors.js'
import { type Signals, noopSignals } from '../telemetry/signals.js'
import type { Layer } from './pipeline.js'
import { type ConcurrencyGate, type RateWindows, readRateLimitHeaders, readRetryAfterMs } from './rate-limit.js'

/**
 * Keeps one connection under Sentry's rate limits (docs/sentry.md §4): waits for a spent
 * window instead of provoking a 429, runs at most ConcurrentLimit requests at once, and after a
 * 429 waits for the window Sentry names (Retry-After, else X-Sentry-Rate-Limit-Reset). Every wait
 * is bounded by SENTRY_RATE_LIMIT_WAIT_MS per call and by the deadline: a window beyond either is
 * RATE_LIMITED (with retryAfter), a gate still full at the deadline is UPSTREAM_TIMEOUT.
 */

/** Rounds of waiting for a rate-limit window before giving up, whatever the budget. */
const MAX_RATE_LIMIT_WAITS = 5
/** Sentry's Reset has one-second resolution and clocks drift: wait a little past it. */
const RESET_MARGIN_MS = 100

export interface ThrottleOptions {
  gate: ConcurrencyGate
  windows: RateWindows
  /** SENTRY_RATE_LIMIT_WAIT_MS: the most one call waits for windows in total. */
  waitBudgetMs: number
  now?: () => number
  signals?: Signals
}

export function throttleLayer (options: ThrottleOptions): Layer {
  const { gate, windows, waitBudgetMs } = options
  const now = options.now ?? Date.now
  const signals = options.signals ?? noopSignals

  return (next) => async (request) => {
    const endpoint = `${request.method} ${request.template}`
    let waits = 0
    let waitedMs = 0
    const waitForWindow = async (waitMs: number): Promise<void> => {
      const wait = Math.max(0, waitMs) + RESET_MARGIN_MS
      if (waits >= MAX_RATE_LIMIT_WAITS || waitedMs + wait > waitBudgetMs || !request.deadline.fits(wait)) {
        throw rateLimited(Math.max(1, Math.ceil(wait / 1000)))
      }
      waits++
      waitedMs += wait
      signals.rateLimitWait(wait)
      await sleep(wait)
    }

    for (;;) {
      const windowWait = windows.reserve(endpoint)
      if (windowWait > 0) {
        await waitForWindow(windowWait)
        continue
      }
      const full = gate.inFlight >= gate.limit
      const started = full ? performance.now() : 0
      const release = await gate.tryAcquire(request.deadline.remaining())
      if (full) signals.rateLimitWait(Math.round(performance.now() - started))
      if (release === null) throw upstreamTimeout()
      let res
      try {
        res = await next(request)
      } finally {
        release()
      }
      const limits = readRateLimitHeaders(res.headers)
      gate.learn(endpoint, limits.concurrentLimit)
      windows.observe(endpoint, limits, res.status === 429)
      if (res.status !== 429) return res
      signals.upstreamRateLimited({ method: request.method, pathTemplate: request.template })
      // The 429 body is a bare string and carries no Retry-After; Reset says when to come back.
      const retryAfter = readRetryAfterMs(res.headers, now())
      await waitForWindow(retryAfter ?? (limits.resetAtMs === null ? 1000 : limits.resetAtMs - now()))
    }
  }
}
