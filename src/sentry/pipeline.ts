import type { Deadline } from './deadline.js'
import type { HttpMethod } from './scopes.js'

/**
 * The Sentry call as a pipeline of small layers, in the shape of undici's `compose()`
 * interceptors: a `Send` takes one request and answers one response; a `Layer` wraps a `Send`.
 * Composed in src/sentry/gateway.ts, outermost first:
 *
 *   region   (region.ts)    base URL for the organization; SENTRY_URL when its region is unreachable
 *   auth     (auth.ts)      Bearer token; a 401 "Token expired"/"Invalid token" → refresh, retry once
 *   throttle (throttle.ts)  rate-limit windows, the per-connection concurrency gate, 429 waits
 *   retry    (retry.ts)     GET on 502/503/504 and connection errors, with backoff
 *   transport (transport.ts) one HTTP exchange: timeout, body cap, transport errors, signals
 *
 * Each layer is testable alone with a fake `next`. Turning the final response into data or a
 * GatewayError is the caller's job (caller.ts, responses.ts).
 */

export interface UpstreamRequest {
  method: HttpMethod
  /** The openapi.json path template, for logs, signals and rate-limit bookkeeping. */
  template: string
  /** The filled path and query string, e.g. '/api/0/organizations/acme/issues/?limit=3'. */
  pathAndQuery: string
  /** SENTRY_URL or a region base URL; set by the region layer. */
  baseUrl: string
  /** The organization the call is about, when it is org-scoped and routed to the org's region. */
  org?: string
  headers: Record<string, string>
  body?: string
  /** The unit of work's deadline: every wait below honours it. */
  deadline: Deadline
  /** 1 for the first try; set by the retry layer. */
  attempt?: number
  /** The region layer can still fall back to SENTRY_URL if this host cannot be reached. */
  canFallBack?: boolean
}

export interface UpstreamResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

export type Send = (request: UpstreamRequest) => Promise<UpstreamResponse>
export type Layer = (next: Send) => Send

/** `compose(a, b, c)(send)` is a(b(c(send))): the first layer sees the request first. */
export function compose (...layers: Layer[]): (inner: Send) => Send {
  return (inner) => layers.reduceRight<Send>((next, layer) => layer(next), inner)
}

export function firstHeader (headers: UpstreamResponse['headers'], name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}
