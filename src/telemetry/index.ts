import type { Config } from '../config.js'
import type { Store } from '../db/store.js'
import type { GatewayMetrics } from './metrics.js'
import { type RequestContext, createRequestContext } from './request-context.js'
import { type Signals, type UpstreamCallSpan, noopSignals } from './signals.js'
import type { Tracing } from './tracing.js'

/**
 * The app's telemetry: Prometheus metrics when METRICS_TOKEN or METRICS_PORT is set, OpenTelemetry
 * tracing when an OTLP endpoint is set, and always the per-request upstream-call count that the
 * access log reports. `signals` is what the Sentry pipeline calls (signals.ts). `requestContext`
 * (an AsyncLocalStorage) is entered per request only when tracing is on: spans find their parent
 * through it; the upstream-call count comes with each call (UpstreamCallInfo.request).
 */
export interface Telemetry {
  readonly signals: Signals
  readonly requestContext: RequestContext
  readonly metrics: GatewayMetrics | undefined
  readonly tracing: Tracing | undefined
  close (): Promise<void>
}

export interface TelemetryOptions {
  store: Pick<Store, 'connectionStats'>
  knownOperations?: Iterable<string>
  now?: () => number
  version?: string
}

export async function createTelemetry (config: Config, options: TelemetryOptions): Promise<Telemetry> {
  const t = config.telemetry
  const requestContext = createRequestContext()
  // prom-client and the OpenTelemetry SDK are loaded only when they are on: off costs nothing, not
  // even the import (prom-client alone is ~50-80 ms of a start).
  const metrics = t.metricsToken !== undefined || t.metricsPort !== undefined
    ? (await import('./metrics.js')).createMetrics({ store: options.store, knownOperations: options.knownOperations, maxOperationNames: t.metricsMaxOperationNames, now: options.now })
    : undefined
  const tracing = t.otlpTracesUrl === undefined
    ? undefined
    : (await import('./tracing.js')).createTracing({ config: t, requestContext, version: options.version })
  return {
    signals: combineSignals(metrics?.signals, tracing?.signals),
    requestContext,
    metrics,
    tracing,
    async close () {
      await tracing?.shutdown()
    }
  }
}

const noopUpstreamSpan = noopSignals.upstreamCall({ method: 'GET', pathTemplate: '/', region: '', attempt: 1 })

/**
 * Counts upstream calls on the request each is made for, and fans each signal out to metrics and
 * tracing when on.
 */
export function combineSignals (metrics: Signals | undefined, tracing: Signals | undefined): Signals {
  const parts = [metrics, tracing].filter((s): s is Signals => s !== undefined)
  if (parts.length === 0) {
    return {
      ...noopSignals,
      upstreamCall (info) {
        if (info.request !== undefined) info.request.upstreamCalls++
        return noopUpstreamSpan
      }
    }
  }
  return {
    upstreamCall (info) {
      if (info.request !== undefined) info.request.upstreamCalls++
      const spans: UpstreamCallSpan[] = parts.map(p => p.upstreamCall(info))
      let headers: Readonly<Record<string, string>> = {}
      for (const s of spans) if (Object.keys(s.headers).length > 0) headers = { ...headers, ...s.headers }
      return { headers, end (result) { for (const s of spans) s.end(result) } }
    },
    upstreamRetry (info) { for (const p of parts) p.upstreamRetry(info) },
    upstreamRateLimited (info) { for (const p of parts) p.upstreamRateLimited(info) },
    rateLimitWait (ms) { for (const p of parts) p.rateLimitWait(ms) },
    refresh () {
      const spans = parts.map(p => p.refresh())
      return { end (outcome) { for (const s of spans) s.end(outcome) } }
    },
    leaseWait (ms) { for (const p of parts) p.leaseWait(ms) }
  }
}

export type { Signals }
