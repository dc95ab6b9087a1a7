import { setTimeout as sleep } from 'node:timers/promises'
import { type Signals, noopSignals } from '../telemetry/signals.js'
import type { Layer, UpstreamRequest } from './pipeline.js'
import { TransportError } from './transport.js'

/**
 * Retries what is safe to retry: a GET answered 502/503/504 or cut by a connection reset, and
 * any request that never reached Sentry (connect failures). Nothing else is replayed (a PUT may
 * have been applied). Backoff is full-jitter exponential, and a retry is made only when its
 * delay fits the deadline. Connect failures on a region host are left to the region layer,
 * which falls back to SENTRY_URL at once.
 */

/** Attempts per call (first try included). */
export const MAX_ATTEMPTS = 3
const RETRY_STATUSES = new Set([502, 503, 504])
const BACKOFF_BASE_MS = 100
const BACKOFF_CAP_MS = 1000

export interface RetryOptions {
  random?: () => number
  signals?: Signals
  maxAttempts?: number
}

function retryable (err: TransportError, request: UpstreamRequest): boolean {
  if (err.notSent) return request.canFallBack !== true
  return request.method === 'GET' && err.kind === 'reset'
}

export function retryLayer (options: RetryOptions = {}): Layer {
  const random = options.random ?? Math.random
  const signals = options.signals ?? noopSignals
  const maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS
  const backoffMs = (attempt: number): number => Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt))

  return (next) => async (request) => {
    for (let attempt = 1; ; attempt++) {
      const mayRetry = (delay: number): boolean => attempt < maxAttempts && request.deadline.fits(delay)
      let again = false
      try {
        const res = await next({ ...request, attempt })
        if (request.method !== 'GET' || !RETRY_STATUSES.has(res.status)) return res
        const delay = backoffMs(attempt)
        if (!mayRetry(delay)) return res
        again = true
        signals.upstreamRetry({ method: request.method, pathTemplate: request.template })
        await sleep(delay)
      } catch (err) {
        if (again || !(err instanceof TransportError)) throw err
        const delay = backoffMs(attempt)
        if (!retryable(err, request) || !mayRetry(delay)) throw err
        signals.upstreamRetry({ method: request.method, pathTemplate: request.template })
        await sleep(delay)
      }
    }
  }
}
