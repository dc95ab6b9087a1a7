/**
 * GET /organizations/{org}/trace/{trace_id}/ (a tree of SerializedSpan roots) and
 * GET /organizations/{org}/trace-meta/{trace_id}/ (counts), for the trace ids spans.ts generates
 * and the ones the seeded events carry.
 * Sources: S:src/sentry/api/endpoints/organization_trace.py and organization_trace_meta.py,
 * S:src/sentry/snuba/trace.py (tree building: unknown parents become roots).
 */
import traceMetaGolden from '../fixtures/sentry-mcp/trace-meta.json' with { type: 'json' }
import traceMixedGolden from '../fixtures/sentry-mcp/trace-mixed.json' with { type: 'json' }
import type { Json } from '../serialize.js'
import { requireEventsFeature } from '../datasets.js'
import { badRequest } from '../http.js'
import { paginate, parsePerPage } from '../pagination.js'
import { ENDPOINT_SCOPES } from '../scopes.js'
import { type SpanRec, traceSpans } from '../spans.js'
import { clone, hexId } from '../util.js'
import { type ApiRoute, requireOrg } from './router.js'

/**
 * sentry-mcp's recorded trace (fixtures/sentry-mcp/README.md): answered as is for this id, so
 * clients meet the older span shape and standalone top-level issues too.
 */
export const GOLDEN_TRACE_ID = 'b4d1aae7216b47ff8117cf4e09ce9d0b'

/** The issue-platform group type id of error issues (S:src/sentry/issues/grouptype.py ErrorGroupType). */
const ERROR_GROUP_TYPE = 1

function issueEntry (span: SpanRec, issue: SpanRec['issues'][number]): Json {
  const ts = (span.startMs + span.durationMs / 2) / 1000
  return {
    event_id: hexId('trace-error', span.traceId, span.spanId, issue.id),
    event_type: 'error',
    issue_id: Number(issue.id),
    short_id: issue.shortId,
    level: issue.level,
    culprit: issue.culprit,
    issue_type: ERROR_GROUP_TYPE,
    description: issue.title,
    project_id: Number(span.project.id),
    project_slug: span.project.slug,
    transaction: span.transaction,
    start_timestamp: ts,
    end_timestamp: ts
  }
}

function serializeSpan (s: SpanRec): Json {
  return {
    event_id: s.spanId,
    event_type: 'span',
    transaction_id: s.transactionId,
    parent_span_id: s.parentSpanId,
    project_id: Number(s.project.id),
    project_slug: s.project.slug,
    transaction: s.transaction,
    description: s.description,
    op: s.op,
    name: s.op,
    is_transaction: s.isTransaction,
    start_timestamp: s.startMs / 1000,
    end_timestamp: (s.startMs + s.durationMs) / 1000,
    duration: s.durationMs,
    sdk_name: s.sdkName,
    profile_id: '',
    profiler_id: '',
    measurements: {},
    browser_web_vital: {},
    mobile_app_vital: {},
    additional_attributes: {},
    children: [],
    errors: s.issues.map((i) => issueEntry(s, i)),
    occurrences: []
  }
}

/** The tree: children under their parent by start time; a span whose parent is unknown is a root. */
export function buildTree (spans: readonly SpanRec[]): Json[] {
  const nodes = new Map<string, Json>()
  const sorted = [...spans].sort((a, b) => a.startMs - b.startMs)
  for (const s of sorted) nodes.set(s.spanId, serializeSpan(s))
  const roots: Json[] = []
  for (const s of sorted) {
    const node = nodes.get(s.spanId) as Json
    const parent = s.parentSpanId === null ? undefined : nodes.get(s.parentSpanId)
    if (parent === undefined) roots.push(node)
    else (parent.children as Json[]).push(node)
  }
  return roots
}

export const traceRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/trace/{trace_id}/',
    scopes: ENDPOINT_SCOPES.orgRead,
    handler (ctx) {
      const org = requireOrg(ctx)
      requireEventsFeature(org)
      const errorId = ctx.query.get('errorId')
      if (errorId !== null && !/^[0-9a-f]{32}$/.test(errorId)) throw badRequest('errorId must be a valid uuid')
      const perPage = parsePerPage(ctx.query)
      if (ctx.params.trace_id === GOLDEN_TRACE_ID) return clone(traceMixedGolden)
      const roots = buildTree(traceSpans(ctx.state, org, ctx.params.trace_id ?? '') ?? [])
      // The paginator's data_fn ignores the offset: every page is the first `per_page` roots, and
      // following `next` repeats them (S: organization_trace.py "offset and limit don't mean anything").
      paginate(ctx.request, ctx.reply, roots, perPage)
      return roots.slice(0, perPage)
    }
  },
  {
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/trace-meta/{trace_id}/',
    scopes: ENDPOINT_SCOPES.orgRead,
    handler (ctx) {
      const org = requireOrg(ctx)
      requireEventsFeature(org)
      if (ctx.params.trace_id === GOLDEN_TRACE_ID) return clone(traceMetaGolden)
      const spans = traceSpans(ctx.state, org, ctx.params.trace_id ?? '') ?? []
      const byOp: Record<string, number> = {}
      const children = new Map<string, number>()
      for (const s of spans) {
        byOp[s.op] = (byOp[s.op] ?? 0) + 1
        if (!s.isTransaction) children.set(s.transactionId, (children.get(s.transactionId) ?? 0) + 1)
      }
      return {
        errorsCount: spans.reduce((n, s) => n + s.issues.length, 0),
        performanceIssuesCount: 0,
        logsCount: 0,
        metricsCount: 0,
        spansCount: spans.length,
        spansCountMap: byOp,
        transactionChildCountMap: [...children].map(([id, count]) => ({ 'transaction.event_id': id, 'count()': count })),
        uptimeCount: 0
      }
    }
  }
]
