/**
 * The emulator's Explore datasets and the request scoping shared by /events/, /events-timeseries/
 * and /sessions/: time window, projects, environments, and the organization features Sentry checks.
 * Sources: S:src/sentry/api/bases/organization_events.py (features, dataset), S:src/sentry/api/utils.py
 * get_date_range_from_params (time), S:src/sentry/utils/dates.py parse_stats_period.
 */
import { ApiError, badRequest, forbidden } from './http.js'
import { type IssueRec, type OrgRec, type ProjectRec, orgFeatures } from './model.js'
import type { Dataset, FieldMeta, Value } from './event-query.js'
import { sentryDate } from './event-query.js'
import type { World } from './serialize.js'
import { type SpanRec, seededSpanId, seededTraceId } from './spans.js'

/** The spec's `dataset` enum (listOrganizationEvents). */
export const DATASETS = ['errors', 'logs', 'profile_functions', 'spans', 'tracemetrics', 'uptime_results'] as const

/** The events endpoints answer 404 with an empty body without one of these (has_feature). */
export function requireEventsFeature (org: OrgRec): void {
  const f = orgFeatures(org)
  if (!f.includes('discover-basic') && !f.includes('performance-view') && !f.includes('performance-issues-all-events-tab')) {
    throw new ApiError(404, '')
  }
}

// ---------------------------------------------------------------------------------------------
// Time

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }

/** `parse_stats_period`: `^\d+[smhdw]?$`, no unit = seconds; null when it does not parse. */
export function parseStatsPeriod (value: string): number | null {
  const m = /^(\d+)([smhdw]?)$/.exec(value)
  if (m === null) return null
  return Number(m[1]) * (UNITS[m[2] === '' ? 's' : m[2] as string] ?? 1) * 1000
}

export interface Window { startMs: number, endMs: number }

/** statsPeriod wins over start/end (spec); neither gives `defaultPeriod`. */
export function timeWindow (q: URLSearchParams, nowMs: number, defaultPeriod = '14d'): Window {
  const period = q.get('statsPeriod')
  const start = q.get('start')
  const end = q.get('end')
  if (period === null && (start !== null || end !== null)) {
    if (start === null || end === null) throw badRequest('start and end are both required')
    const s = Date.parse(start)
    const e = Date.parse(end)
    if (Number.isNaN(s) || Number.isNaN(e)) throw badRequest('Error parsing start or end date')
    if (e <= s) throw badRequest('start must be before end')
    return { startMs: s, endMs: e }
  }
  const ms = parseStatsPeriod(period ?? defaultPeriod)
  if (ms === null || ms === 0) throw badRequest(`Invalid statsPeriod: "${(period ?? '').slice(0, 20)}"`)
  // Relative ranges over an hour are rounded to the minute (quantize_date_params).
  const endMs = ms > 3_600_000 ? Math.floor(nowMs / 60_000) * 60_000 : nowMs
  return { startMs: endMs - ms, endMs }
}

// ---------------------------------------------------------------------------------------------
// Projects and environments

/** The projects a request reads: `project` ids or slugs (-1 = all); more than one needs global-views. */
export function requestProjects (w: World, org: OrgRec, q: URLSearchParams): ProjectRec[] {
  const all = w.data.projects.filter((p) => p.orgId === org.id)
  const wanted = q.getAll('project').filter((p) => p !== '')
  if (wanted.length === 0 || wanted.includes('-1')) {
    if (wanted.includes('-1') && !orgFeatures(org).includes('global-views')) throw badRequest('You cannot view events from multiple projects.')
    return all
  }
  const projects = wanted.map((value) => {
    const p = all.find((x) => x.id === value || x.slug === value)
    if (p === undefined) throw forbidden()
    return p
  })
  if (new Set(projects.map((p) => p.id)).size > 1 && !orgFeatures(org).includes('global-views')) {
    throw badRequest('You cannot view events from multiple projects.')
  }
  return projects
}

export function requestEnvironments (q: URLSearchParams): Set<string> | null {
  const envs = q.getAll('environment').filter((e) => e !== '')
  return envs.length === 0 ? null : new Set(envs)
}

// ---------------------------------------------------------------------------------------------
// Datasets

const STRING: FieldMeta = { type: 'string', unit: null }
const MS: FieldMeta = { type: 'duration', unit: 'millisecond' }

const SPAN_FIELDS: Record<string, FieldMeta> = {
  id: STRING,
  span_id: STRING,
  'span.op': STRING,
  'span.description': STRING,
  'span.duration': MS,
  'span.self_time': MS,
  'span.status': STRING,
  'span.name': STRING,
  transaction: STRING,
  'transaction.span_id': STRING,
  'transaction.event_id': STRING,
  parent_span: STRING,
  is_transaction: { type: 'boolean', unit: null },
  trace: STRING,
  project: STRING,
  'project.name': STRING,
  'project.slug': STRING,
  'project.id': { type: 'integer', unit: null },
  environment: STRING,
  release: STRING,
  timestamp: { type: 'date', unit: null },
  'precise.start_ts': { type: 'number', unit: null },
  'precise.finish_ts': { type: 'number', unit: null },
  'http.response_status_code': STRING,
  'sdk.name': STRING,
  user: STRING,
  'user.id': STRING
}

function spanValue (s: SpanRec, field: string): Value | undefined {
  switch (field) {
    case 'id': case 'span_id': return s.spanId
    case 'span.op': return s.op
    case 'span.description': case 'span.name': return s.description
    case 'span.duration': return s.durationMs
    case 'span.self_time': return s.selfTimeMs
    case 'span.status': return s.status
    case 'transaction': return s.transaction
    case 'transaction.span_id': return s.segmentSpanId
    case 'transaction.event_id': return s.transactionId
    case 'parent_span': return s.parentSpanId
    case 'is_transaction': return s.isTransaction
    case 'trace': return s.traceId
    case 'project': case 'project.name': case 'project.slug': return s.project.slug
    case 'project.id': return Number(s.project.id)
    case 'environment': return s.environment
    case 'release': return s.release
    case 'timestamp': return sentryDate(s.startMs)
    case 'precise.start_ts': return s.startMs / 1000
    case 'precise.finish_ts': return (s.startMs + s.durationMs) / 1000
    case 'http.response_status_code': return s.httpStatus
    case 'sdk.name': return s.sdkName
    case 'user': return s.user
    case 'user.id': return s.user.slice(3)
    default: return undefined
  }
}

/** Unknown attributes are tags: strings, null on every row (EAP resolves them, it does not refuse them). */
export const spansDataset: Dataset<SpanRec> = {
  name: 'spans',
  value: spanValue,
  fieldMeta: (f) => SPAN_FIELDS[f] ?? STRING,
  timestampMs: (s) => s.startMs,
  failed: (s) => s.status !== 'ok' && s.status !== 'cancelled' && s.status !== 'unknown',
  text: (s) => `${s.description} ${s.transaction}`,
  defaultNumericField: 'span.duration'
}

/** One stored error event of a seeded issue. */
export interface ErrorRow { issue: IssueRec, project: ProjectRec, index: number }

const ERROR_FIELDS: Record<string, FieldMeta> = {
  id: STRING,
  title: STRING,
  message: STRING,
  project: STRING,
  'project.name': STRING,
  'project.id': { type: 'integer', unit: null },
  issue: STRING,
  'issue.id': { type: 'integer', unit: null },
  level: STRING,
  culprit: STRING,
  environment: STRING,
  release: STRING,
  timestamp: { type: 'date', unit: null },
  trace: STRING,
  'trace.span': STRING,
  'error.type': STRING,
  'error.handled': { type: 'boolean', unit: null },
  user: STRING
}

function errorValue (r: ErrorRow, field: string): Value | undefined {
  const ref = r.issue.events[r.index]
  if (ref === undefined) return null
  switch (field) {
    case 'id': return ref.eventId
    case 'title': case 'message': return r.issue.title
    case 'project': case 'project.name': return r.project.slug
    case 'project.id': return Number(r.project.id)
    case 'issue': return r.issue.shortId
    case 'issue.id': return Number(r.issue.id)
    case 'level': return r.issue.level
    case 'culprit': return r.issue.culprit
    case 'environment': return ref.environment
    case 'release': return ref.release
    case 'timestamp': return sentryDate(ref.dateMs)
    case 'trace': return seededTraceId(ref.eventId)
    case 'trace.span': return seededSpanId(ref.eventId)
    case 'error.type': return typeof r.issue.metadata.type === 'string' ? r.issue.metadata.type : null
    case 'error.handled': return !r.issue.isUnhandled
    case 'user': return r.index % 2 === 0 ? `id:${1000 + r.index}` : null
    default: return undefined
  }
}

export const errorsDataset: Dataset<ErrorRow> = {
  name: 'errors',
  value: errorValue,
  fieldMeta: (f) => ERROR_FIELDS[f] ?? STRING,
  timestampMs: (r) => r.issue.events[r.index]?.dateMs ?? 0,
  failed: () => true,
  text: (r) => `${r.issue.title} ${r.issue.culprit ?? ''}`,
  defaultNumericField: 'project.id'
}

/** Error rows of the seeded error-like issues (errors and default-level messages). */
export function errorRows (w: World, org: OrgRec, projects: readonly ProjectRec[]): ErrorRow[] {
  const byId = new Map(projects.map((p) => [p.id, p]))
  const rows: ErrorRow[] = []
  for (const issue of w.data.issues) {
    if (issue.orgId !== org.id || issue.issueCategory !== 'error') continue
    const project = byId.get(issue.projectId)
    if (project === undefined) continue
    issue.events.forEach((_ref, index) => rows.push({ issue, project, index }))
  }
  return rows
}

const LOG_FIELDS: Record<string, FieldMeta> = {
  id: STRING,
  message: STRING,
  severity: STRING,
  severity_number: { type: 'integer', unit: null },
  timestamp: { type: 'date', unit: null },
  trace: STRING,
  project: STRING,
  environment: STRING,
  release: STRING
}

/** The emulator keeps no logs (nor profile functions, trace metrics, uptime results): the datasets answer empty. */
export const emptyDataset: Dataset<never> = {
  name: 'logs',
  value: () => null,
  fieldMeta: (f) => LOG_FIELDS[f] ?? STRING,
  timestampMs: () => 0,
  failed: () => false,
  text: () => '',
  defaultNumericField: 'severity_number'
}
