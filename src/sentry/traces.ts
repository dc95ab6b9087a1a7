import type { SentryCaller } from './caller.js'
import { type TimeRangeInput, queryErrors, timeRange, traceIdArg, withQueryRateLimit } from './query-input.js'

/**
 * Traces (docs/performance-data.md §4). Sentry answers the trace as a tree of roots of unknown depth;
 * the GraphQL layer flattens it. Never page the trace: the endpoint's paginator ignores the offset
 * and `next` repeats the first page (getsentry/sentry src/sentry/api/endpoints/organization_trace.py).
 */

/** Roots Sentry returns at most (its `per_page` maximum); more means the trace was cut. */
export const TRACE_ROOTS_MAX = 100
/** A trace around an error can be older than the default 24 h: look back 14 days unless told. */
export const TRACE_DEFAULT_PERIOD = '14d'

/** A span of the tree (SerializedSpan) or an issue at the top level (an error with no span). */
export type TraceNode = Record<string, unknown>

export interface TraceArgs extends TimeRangeInput {
  traceId: string
}

/**
 * The trace's roots with their `children`, `errors` and `occurrences`; [] for an unknown id.
 * @see getOrganizationTrace (GET /api/0/organizations/{organization_id_or_slug}/trace/{trace_id}/)
 */
export async function getTrace (call: SentryCaller, org: string, args: TraceArgs): Promise<TraceNode[]> {
  const traceId = traceIdArg(args.traceId)
  const data = await withQueryRateLimit('trace', async () => await call.json<unknown>({
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/trace/{trace_id}/',
    params: { organization_id_or_slug: org, trace_id: traceId },
    query: { ...timeRange(args, TRACE_DEFAULT_PERIOD), per_page: TRACE_ROOTS_MAX },
    what: 'The organization',
    errors: queryErrors({ feature: 'Trace', featureGated404: true })
  }))
  return Array.isArray(data) ? data.filter((n): n is TraceNode => typeof n === 'object' && n !== null) : []
}

/**
 * Counts of a trace: spans (by op), errors, performance issues, logs. Sentry answers camelCase
 * today; older versions (and sentry-mcp's fixture) use snake_case: the GraphQL layer reads both.
 * @see getOrganizationTraceMeta (GET /api/0/organizations/{organization_id_or_slug}/trace-meta/{trace_id}/)
 */
export async function getTraceMeta (call: SentryCaller, org: string, args: TraceArgs): Promise<Record<string, unknown>> {
  const traceId = traceIdArg(args.traceId)
  return await withQueryRateLimit('trace', async () => await call.json<Record<string, unknown>>({
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/trace-meta/{trace_id}/',
    params: { organization_id_or_slug: org, trace_id: traceId },
    query: { ...timeRange(args, TRACE_DEFAULT_PERIOD) },
    what: 'The organization',
    errors: queryErrors({ feature: 'Trace', featureGated404: true })
  }))
}

export function tracesApi (call: SentryCaller) {
  return {
    get: async (org: string, args: TraceArgs) => await getTrace(call, org, args),
    meta: async (org: string, args: TraceArgs) => await getTraceMeta(call, org, args)
  }
}
