/**
 * OpenTelemetry tracing (https://opentelemetry.io/docs/languages/js/). This module imports the
 * SDK, so it is only ever loaded with `await import()` when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * …_TRACES_ENDPOINT) is set: with tracing off the SDK is not even loaded.
 *
 * No global state: the provider is not registered globally (two apps in one process each export
 * their own spans), and the active span travels in the request's RequestTelemetry
 * (request-context.ts) rather than in OTel's global context manager.
 *
 * Attributes follow the HTTP and GraphQL semantic conventions
 * (https://opentelemetry.io/docs/specs/semconv/http/http-spans/,
 * https://opentelemetry.io/docs/specs/semconv/graphql/graphql-spans/) with bounded values only:
 * route and path *templates*, status codes, region hosts, operation names. Never a URL with a
 * query, a header, a token, a GraphQL document or variables.
 */
import {
  type Attributes, type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, defaultTextMapGetter,
  defaultTextMapSetter, trace
} from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { TelemetryConfig } from '../config.js'
import type { RequestContext } from './request-context.js'
import type { RefreshOutcome, Signals, UpstreamCallEnd, UpstreamCallInfo } from './signals.js'

export interface TracingOptions {
  config: Pick<TelemetryConfig, 'otlpTracesUrl' | 'otlpHeaders' | 'serviceName'>
  requestContext: RequestContext
  version?: string
}

export interface Tracing {
  /** A SERVER span for an incoming request, child of the caller's W3C `traceparent` if any. */
  startRequest (method: string, route: string | undefined, headers: Record<string, string | string[] | undefined>): Span
  endRequest (span: Span, statusCode: number, requestId: string): void
  /** A span for one GraphQL operation, child of `parent`. */
  startOperation (parent: Span | undefined, type: string, name: string | undefined): Span
  endOperation (span: Span, outcome: string): void
  /** Upstream call and refresh spans, children of the running request's active span. */
  readonly signals: Signals
  /** Exports what is buffered and stops. */
  shutdown (): Promise<void>
}

const propagator = new W3CTraceContextPropagator()

export function createTracing (options: TracingOptions): Tracing {
  const { config, requestContext } = options
  if (config.otlpTracesUrl === undefined) throw new Error('createTracing needs an OTLP traces URL')
  const exporter = new OTLPTraceExporter({ url: config.otlpTracesUrl, headers: config.otlpHeaders })
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': config.serviceName,
      ...(options.version === undefined ? {} : { 'service.version': options.version })
    }),
    spanProcessors: [new BatchSpanProcessor(exporter)]
  })
  const tracer = provider.getTracer('sentry-graphql-gateway', options.version)

  /** The span new spans hang under: the request's (the one an upstream call names, or the current one). */
  const activeContext = (request = requestContext.getStore()): Context => {
    const span = request?.span as Span | undefined
    return span === undefined ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, span)
  }

  const signals: Signals = {
    upstreamCall (info: UpstreamCallInfo) {
      const attributes: Attributes = {
        'http.request.method': info.method,
        'url.template': info.pathTemplate,
        'server.address': info.region
      }
      if (info.attempt > 1) attributes['http.request.resend_count'] = info.attempt - 1
      const span = tracer.startSpan(`${info.method} ${info.pathTemplate}`, { kind: SpanKind.CLIENT, attributes }, activeContext(info.request))
      const headers: Record<string, string> = {}
      propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter)
      return {
        headers,
        end (result: UpstreamCallEnd) {
          if (result.status !== null) span.setAttribute('http.response.status_code', result.status)
          if (result.status === null || result.status >= 400 || result.errorCode !== undefined) {
            span.setAttribute('error.type', result.errorCode ?? (result.status === null ? 'transport' : String(result.status)))
            span.setStatus({ code: SpanStatusCode.ERROR })
          }
          span.end()
        }
      }
    },
    upstreamRetry (info) {
      trace.getSpan(activeContext())?.addEvent('sentry.retry', { 'http.request.method': info.method, 'url.template': info.pathTemplate })
    },
    upstreamRateLimited (info) {
      trace.getSpan(activeContext())?.addEvent('sentry.rate_limited', { 'http.request.method': info.method, 'url.template': info.pathTemplate })
    },
    rateLimitWait (ms) {
      trace.getSpan(activeContext())?.addEvent('sentry.rate_limit_wait', { 'gateway.wait_ms': ms })
    },
    refresh () {
      const span = tracer.startSpan('sentry.oauth.refresh', { kind: SpanKind.CLIENT }, activeContext())
      return {
        end (outcome: RefreshOutcome) {
          span.setAttribute('gateway.refresh.outcome', outcome)
          if (outcome === 'revoked' || outcome === 'upstream_error') span.setStatus({ code: SpanStatusCode.ERROR })
          span.end()
        }
      }
    },
    leaseWait (ms) {
      trace.getSpan(activeContext())?.addEvent('sentry.refresh_lease_wait', { 'gateway.wait_ms': ms })
    }
  }

  return {
    signals,
    startRequest (method, route, headers) {
      const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter)
      const attributes: Attributes = { 'http.request.method': method }
      if (route !== undefined) attributes['http.route'] = route
      return tracer.startSpan(route === undefined ? method : `${method} ${route}`, { kind: SpanKind.SERVER, attributes }, parent)
    },
    endRequest (span, statusCode, requestId) {
      span.setAttribute('http.response.status_code', statusCode)
      span.setAttribute('gateway.request_id', requestId)
      if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
      span.end()
    },
    startOperation (parent, type, name) {
      const attributes: Attributes = { 'graphql.operation.type': type }
      if (name !== undefined) attributes['graphql.operation.name'] = name
      const ctx = parent === undefined ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, parent)
      return tracer.startSpan(name === undefined ? type : `${type} ${name}`, { kind: SpanKind.INTERNAL, attributes }, ctx)
    },
    endOperation (span, outcome) {
      span.setAttribute('gateway.graphql.outcome', outcome)
      if (outcome !== 'OK') span.setStatus({ code: SpanStatusCode.ERROR })
      span.end()
    },
    async shutdown () {
      await provider.shutdown()
    }
  }
}
