/**
 * What the gateway reports about its own work, for metrics and tracing to subscribe to.
 *
 * The Sentry request pipeline (src/sentry/) and the refresher call these; they never know
 * whether anything listens. `noopSignals` is the default, so an app without metrics or
 * tracing pays one no-op call per event. Every value passed here is bounded: a path
 * *template* from openapi.json (never a filled path), a region *host*, a status code, an
 * error code from errors.ts. Never a token, a user, an organization slug or free text.
 */
import type { RequestTelemetry } from './request-context.js'

/** One HTTP exchange with Sentry (one attempt: a retried call reports each attempt). */
export interface UpstreamCallInfo {
  method: string
  /** The OpenAPI path template, e.g. '/api/0/organizations/{organization_id_or_slug}/issues/'. */
  pathTemplate: string
  /** The host the exchange goes to (SENTRY_URL's host or a region host such as us.sentry.io). */
  region: string
  /** 1 for the first try. */
  attempt: number
  /**
   * The HTTP request the exchange is made for (its deadline's), when there is one: its counter
   * is incremented and tracing hangs the span under the request's; never a label or attribute.
   */
  request?: RequestTelemetry
}

/** How one upstream exchange ended: an HTTP status, or a transport failure (status null). */
export interface UpstreamCallEnd {
  status: number | null
  /** errors.ts code when the exchange ends the call in an error (e.g. UPSTREAM_TIMEOUT). */
  errorCode?: string
}

export interface UpstreamCallSpan {
  /** Headers to add to the upstream request (e.g. W3C `traceparent`); empty when not tracing. */
  readonly headers: Readonly<Record<string, string>>
  end (result: UpstreamCallEnd): void
}

export type RefreshOutcome = 'ok' | 'revoked' | 'upstream_error' | 'lost_race'

export interface RefreshSpan {
  end (outcome: RefreshOutcome): void
}

export interface Signals {
  /** Called right before an exchange is sent; `end` right after its status (or failure) is known. */
  upstreamCall (info: UpstreamCallInfo): UpstreamCallSpan
  /** A call is about to be retried (after a 502/503/504 or a connection error). */
  upstreamRetry (info: Pick<UpstreamCallInfo, 'method' | 'pathTemplate'>): void
  /** Sentry answered 429. */
  upstreamRateLimited (info: Pick<UpstreamCallInfo, 'method' | 'pathTemplate'>): void
  /** The pipeline waited this long for a rate-limit window or the concurrency gate. */
  rateLimitWait (ms: number): void
  /** A refresh POST to Sentry's token endpoint starts (this process holds the lease). */
  refresh (): RefreshSpan
  /** A caller waited this long for another caller's (or process's) refresh lease. */
  leaseWait (ms: number): void
}

const noopUpstreamSpan: UpstreamCallSpan = Object.freeze({ headers: Object.freeze({}), end () {} })
const noopRefreshSpan: RefreshSpan = Object.freeze({ end () {} })

export const noopSignals: Signals = Object.freeze({
  upstreamCall: () => noopUpstreamSpan,
  upstreamRetry () {},
  upstreamRateLimited () {},
  rateLimitWait () {},
  refresh: () => noopRefreshSpan,
  leaseWait () {}
})
