/**
 * Release health and issue trends (schema/health.graphql): the resolvers of Organization.sessions
 * and Release.health over Sentry's sessions endpoint (src/sentry/sessions.ts), Issue.frequency from
 * the `stats` Sentry already sends with an issue (docs/performance-data.md §6) — listed in the
 * resolver maps of resolvers/organization.ts, release.ts and issue.ts — and SessionGroup's.
 */
import type { SessionFieldName, SessionGroupByName } from '../../sentry/sessions.js'
import { date, float, list, record, str } from '../coerce.js'
import type {
  IssueResolvers, IssueStatsPeriod, OrganizationResolvers, ReleaseResolvers, Resolvers, SessionField, SessionGroupBy, TimeSeriesPoint
} from '../generated.js'
import { pageRequest, toConnection } from '../pagination.js'
import type { SessionGroupModel } from '../performance-models.js'
import { fetchIssue, listSessions } from '../sentry-calls.js'
import { scopeFilters } from './explore.js'

export const SESSION_FIELDS: Record<SessionField, SessionFieldName> = {
  SUM_SESSION: 'sum(session)',
  COUNT_UNIQUE_USER: 'count_unique(user)',
  CRASH_FREE_RATE_SESSION: 'crash_free_rate(session)',
  CRASH_FREE_RATE_USER: 'crash_free_rate(user)',
  CRASH_RATE_SESSION: 'crash_rate(session)',
  CRASH_RATE_USER: 'crash_rate(user)'
}

const GROUP_BY: Record<SessionGroupBy, SessionGroupByName> = {
  PROJECT: 'project',
  RELEASE: 'release',
  ENVIRONMENT: 'environment',
  SESSION_STATUS: 'session.status'
}

const STATS_KEY: Record<IssueStatsPeriod, '24h' | '30d'> = { LAST_24H: '24h', LAST_30D: '30d' }

/** Issue stats `[[epoch seconds, count], …]` as points. */
export function statsPoints (raw: unknown): TimeSeriesPoint[] | null {
  if (!Array.isArray(raw)) return null
  const points: TimeSeriesPoint[] = []
  for (const item of raw) {
    if (!Array.isArray(item)) continue
    const timestamp = date(item[0])
    if (timestamp !== null) points.push({ timestamp, value: float(item[1]), incomplete: false })
  }
  return points
}

function sessionGroup (raw: unknown): SessionGroupModel {
  const g = record(raw) ?? {}
  return { by: record(g.by) ?? {}, totals: record(g.totals) ?? {}, series: record(g.series) ?? {} }
}

export const sessions: NonNullable<OrganizationResolvers['sessions']> = async (org, args, ctx) => {
  const req = pageRequest(args)
  const fields = args.fields.map((f) => SESSION_FIELDS[f])
  const orderBy = args.orderBy == null ? undefined : `${args.orderDesc === false ? '' : '-'}${SESSION_FIELDS[args.orderBy]}`
  const page = await listSessions(ctx, org.scope, {
    fields,
    groupBy: args.groupBy?.map((g) => GROUP_BY[g]),
    query: args.query,
    orderBy,
    interval: args.interval,
    ...scopeFilters(args),
    cursor: req.cursor,
    perPage: req.perPage
  })
  const body = record(page.body) ?? {}
  const groups = toConnection({ items: list(body.groups), nextCursor: page.nextCursor, prevCursor: page.prevCursor }, req, sessionGroup)
  return {
    start: date(body.start) ?? new Date(0).toISOString(),
    end: date(body.end) ?? new Date(0).toISOString(),
    intervals: list(body.intervals).map(date).filter((d): d is string => d !== null),
    groups: groups.nodes,
    pageInfo: groups.pageInfo
  }
}

export const releaseHealth: NonNullable<ReleaseResolvers['health']> = async (r, args, ctx) => {
  const version = String(r.data.version)
  const page = await listSessions(ctx, r.scope, {
    fields: ['sum(session)', 'count_unique(user)', 'crash_free_rate(session)', 'crash_free_rate(user)'],
    query: `release:"${version.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`,
    statsPeriod: args.statsPeriod ?? '24h',
    interval: '1d',
    environments: args.environments,
    includeSeries: false
  })
  const totals = record(record(list(record(page.body)?.groups)[0])?.totals) ?? {}
  return {
    crashFreeSessions: float(totals['crash_free_rate(session)']),
    crashFreeUsers: float(totals['crash_free_rate(user)']),
    sessions: float(totals['sum(session)']) ?? 0,
    users: float(totals['count_unique(user)']) ?? 0
  }
}

export const issueFrequency: NonNullable<IssueResolvers['frequency']> = async (issue, { period }, ctx) => {
  const key = STATS_KEY[period ?? 'LAST_24H']
  const own = statsPoints(record(issue.data.stats)?.[key])
  if (own !== null) return own
  const full = await fetchIssue(ctx, issue.scope, issue.data.id)
  return statsPoints(record(full.stats)?.[key]) ?? []
}

export const sessionGroupResolvers = {
  SessionGroup: {
    by: (g) => g.by,
    project: (g) => str(g.by.project),
    release: (g) => str(g.by.release),
    environment: (g) => str(g.by.environment),
    sessionStatus: (g) => str(g.by['session.status']),
    total: (g, { field }) => float(g.totals[SESSION_FIELDS[field]]),
    series: (g, { field }) => list(g.series[SESSION_FIELDS[field]]).map(float)
  }
} satisfies Resolvers
