/**
 * Traces (schema/trace.graphql) as plain resolvers. Sentry sends a tree of roots of unknown depth
 * (docs/performance-data.md §4); GraphQL cannot select recursion like that, so the spans are flattened
 * depth-first with `depth` and `parentSpanId`. Both span shapes are read: today's (`event_id` is the
 * span id) and the older one in sentry-mcp's fixtures (`span_id`, `event_id` = transaction id).
 * Here: Trace's resolvers, and those of Organization.trace and Event.traceDetails (listed in
 * resolvers/organization.ts and event.ts).
 */
import type { MercuriusContext } from 'mercurius'
import { TRACE_ROOTS_MAX } from '../../sentry/traces.js'
import { traceIdArg } from '../../sentry/query-input.js'
import { bool, date, float, int, json, list, record, str } from '../coerce.js'
import type { EventResolvers, OrganizationResolvers, Resolvers, TraceIssueRef, TraceMeta, TraceSpan } from '../generated.js'
import { fetchFullEvent, fetchTrace, fetchTraceMeta } from '../sentry-calls.js'
import type { Scope } from '../models.js'
import type { TraceModel } from '../performance-models.js'
import { badUserInput } from '../../errors.js'

export const MAX_TRACE_SPANS = 10_000

interface Flat { spans: TraceSpan[], issues: TraceIssueRef[], rootSpanIds: string[] }

const flats = new WeakMap<TraceModel, Flat>()

function isSpan (node: Record<string, unknown>): boolean {
  const type = node.event_type
  if (type === 'span') return true
  if (type === 'error' || type === 'occurrence' || type === 'uptime_check') return false
  return Array.isArray(node.children) || typeof node.span_id === 'string'
}

function issueRef (raw: Record<string, unknown>, spanId: string | null): TraceIssueRef {
  const ts = float(raw.start_timestamp) ?? float(raw.timestamp)
  return {
    kind: str(raw.event_type) ?? str(raw.type) ?? 'error',
    eventId: str(raw.event_id) ?? str(raw.id) ?? '',
    spanId,
    issueId: str(raw.issue_id),
    shortId: str(raw.short_id),
    level: str(raw.level),
    title: str(raw.description) ?? str(raw.title),
    culprit: str(raw.culprit),
    issueType: int(raw.issue_type),
    projectSlug: str(raw.project_slug),
    timestamp: ts === null ? null : date(ts)
  }
}

/** Depth-first, children in the order Sentry sent them (by start time); each parent before its children. */
export function flattenTrace (roots: ReadonlyArray<Record<string, unknown>>): Flat {
  const spans: TraceSpan[] = []
  const issues: TraceIssueRef[] = []
  const rootSpanIds: string[] = []
  const visit = (node: Record<string, unknown>, depth: number, parentSpanId: string | null): void => {
    const spanId = str(node.span_id) ?? str(node.event_id) ?? ''
    const startS = float(node.start_timestamp) ?? 0
    const endS = float(node.end_timestamp) ?? float(node.timestamp) ?? startS
    const children = list(node.children).map((c) => record(c)).filter((c): c is Record<string, unknown> => c !== null)
    const own = [...list(node.errors), ...list(node.occurrences)]
      .map((e) => record(e)).filter((e): e is Record<string, unknown> => e !== null)
      .map((e) => issueRef(e, spanId))
    issues.push(...own)
    spans.push({
      spanId,
      parentSpanId: str(node.parent_span_id) ?? parentSpanId,
      depth,
      childCount: children.filter(isSpan).length,
      op: str(node.op),
      name: str(node.name),
      description: str(node.description),
      transaction: str(node.transaction),
      transactionId: str(node.transaction_id),
      isTransaction: bool(node.is_transaction) ?? bool(node.is_segment) ?? false,
      projectSlug: str(node.project_slug),
      projectId: str(node.project_id),
      start: date(startS) ?? new Date(0).toISOString(),
      end: date(endS) ?? new Date(0).toISOString(),
      durationMs: float(node.duration) ?? Math.round((endS - startS) * 1e6) / 1e3,
      sdkName: str(node.sdk_name),
      profileId: str(node.profile_id) === '' ? null : str(node.profile_id),
      measurements: json(node.measurements),
      issues: own
    })
    for (const child of children) {
      if (isSpan(child)) visit(child, depth + 1, spanId)
      else issues.push(issueRef(child, spanId))
    }
  }
  for (const root of roots) {
    if (isSpan(root)) {
      rootSpanIds.push(str(root.span_id) ?? str(root.event_id) ?? '')
      visit(root, 0, null)
    } else {
      // An error with no span in the trace sits at the top level (getsentry/sentry src/sentry/snuba/trace.py).
      issues.push(issueRef(root, null))
    }
  }
  return { spans, issues, rootSpanIds }
}

function flat (t: TraceModel): Flat {
  let f = flats.get(t)
  if (f === undefined) {
    f = flattenTrace(t.roots)
    flats.set(t, f)
  }
  return f
}

/** trace-meta in either shape: camelCase (today) or snake_case (older Sentry, sentry-mcp's fixture). */
export function traceMeta (raw: Record<string, unknown>): TraceMeta {
  const byOp = record(raw.spansCountMap) ?? record(raw.span_count_map) ?? {}
  const children = Array.isArray(raw.transactionChildCountMap) ? raw.transactionChildCountMap : list(raw.transaction_child_count_map)
  return {
    spansCount: float(raw.spansCount) ?? float(raw.span_count) ?? 0,
    errorsCount: int(raw.errorsCount) ?? int(raw.errors) ?? 0,
    performanceIssuesCount: int(raw.performanceIssuesCount) ?? int(raw.performance_issues) ?? 0,
    logsCount: float(raw.logsCount) ?? float(raw.logs) ?? 0,
    metricsCount: float(raw.metricsCount) ?? float(raw.metrics),
    uptimeCount: int(raw.uptimeCount),
    spansByOp: Object.entries(byOp)
      .map(([op, n]) => ({ op, count: float(n) ?? 0 }))
      .sort((a, b) => b.count - a.count || a.op.localeCompare(b.op)),
    transactionChildCounts: children.map((c) => record(c) ?? {}).map((c) => ({
      transactionEventId: str(c['transaction.event_id']),
      count: float(c['count()']) ?? 0
    }))
  }
}

/** The trace, or null when Sentry has nothing for the id. */
export async function loadTrace (ctx: MercuriusContext, scope: Scope, traceId: string, range: TraceModel['range']): Promise<TraceModel | null> {
  const id = traceIdArg(traceId)
  const roots = await fetchTrace(ctx, scope, id, range)
  return roots.length === 0 ? null : { scope, traceId: id, range, roots }
}

export const organizationTrace: NonNullable<OrganizationResolvers['trace']> = async (org, args, ctx) =>
  await loadTrace(ctx, org.scope, args.traceId, { statsPeriod: args.statsPeriod, start: args.start, end: args.end })

/** The trace of the event's trace context, looked for around the event's time. */
export const eventTraceDetails: NonNullable<EventResolvers['traceDetails']> = async (e, _args, ctx) => {
  const data = e.full || 'contexts' in e.data ? e.data : await fetchFullEvent(ctx, e)
  const trace = record(record(data.contexts)?.trace)
  const traceId = str(trace?.trace_id)
  if (traceId === null || !/^[0-9a-f]{32}$/i.test(traceId.replace(/-/g, ''))) return null
  // Look around the event's time: traces outside Sentry's default range are not found.
  const at = Date.parse(str(data.dateCreated) ?? '')
  const range = Number.isNaN(at) ? {} : { start: new Date(at - 86_400_000).toISOString(), end: new Date(at + 86_400_000).toISOString() }
  return await loadTrace(ctx, e.scope, traceId, range)
}

export const traceResolvers = {
  Trace: {
    traceId: (t) => t.traceId,
    spans: (t, { limit }) => {
      const n = limit ?? 1000
      if (!Number.isInteger(n) || n < 1 || n > MAX_TRACE_SPANS) {
        throw badUserInput(`limit must be between 1 and ${MAX_TRACE_SPANS}.`, { argument: 'limit', min: 1, max: MAX_TRACE_SPANS })
      }
      return flat(t).spans.slice(0, n)
    },
    spanCount: (t) => flat(t).spans.length,
    rootSpanIds: (t) => flat(t).rootSpanIds,
    issues: (t) => flat(t).issues,
    truncated: (t) => t.roots.length >= TRACE_ROOTS_MAX,
    raw: (t) => t.roots,
    meta: async (t, _args, ctx) => traceMeta(await fetchTraceMeta(ctx, t))
  }
} satisfies Resolvers
