import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * What the telemetry knows about one HTTP request while it runs (`request.telemetry`). The
 * Sentry pipeline's calls carry it on their deadline (src/sentry/deadline.ts), so each exchange is
 * counted on the request it is made for. With tracing on, the request's handler also runs inside
 * `requestContext.run(state, …)` (src/plugins/telemetry.ts): spans started where no request is
 * passed (a refresh, a lease wait) find the request's span there.
 */
export interface RequestTelemetry {
  /** Upstream Sentry exchanges this request made (each attempt counts). */
  upstreamCalls: number
  /** The GraphQL operation name (bounded for logs), when the request was a GraphQL operation. */
  operation: string | undefined
  /** The GraphQL outcome: 'OK' or the first error's extensions.code. */
  outcome: string | undefined
  /** The active trace span (tracing only): the request's; the GraphQL operation's while it runs. */
  span: unknown
  /** The request's own span while an operation span is active (tracing only). */
  requestSpan: unknown
  /** The GraphQL operation's span until it ends (tracing only). */
  operationSpan: unknown
}

export function newRequestTelemetry (): RequestTelemetry {
  return { upstreamCalls: 0, operation: undefined, outcome: undefined, span: undefined, requestSpan: undefined, operationSpan: undefined }
}

export type RequestContext = AsyncLocalStorage<RequestTelemetry>

export function createRequestContext (): RequestContext {
  return new AsyncLocalStorage<RequestTelemetry>()
}
