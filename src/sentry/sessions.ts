import { badUserInput } from '../errors.js'
import type { SentryCaller } from './caller.js'
import { pageSize } from './caller.js'
import { type TimeRangeInput, queryErrors, stringList, timeRange, withQueryRateLimit } from './query-input.js'

/**
 * Release health from sessions (docs/performance-data.md §5): totals and series per group, rates as
 * fractions (null without sessions). `per_page` pages the groups.
 */

export const SESSION_FIELDS = [
  'sum(session)', 'count_unique(user)', 'crash_rate(session)', 'crash_rate(user)', 'crash_free_rate(session)', 'crash_free_rate(user)'
] as const
export type SessionFieldName = (typeof SESSION_FIELDS)[number]
export const SESSION_GROUP_BY = ['project', 'release', 'environment', 'session.status'] as const
export type SessionGroupByName = (typeof SESSION_GROUP_BY)[number]

const HOUR_S = 3600
const DAY_S = 86_400
const UNIT_S: Record<string, number> = { m: 60, h: HOUR_S, d: DAY_S }

export interface SessionsArgs extends TimeRangeInput {
  fields: readonly SessionFieldName[]
  groupBy?: readonly SessionGroupByName[] | null
  query?: string | null
  orderBy?: string | null
  interval?: string | null
  projects?: readonly string[] | null
  environments?: readonly string[] | null
  includeSeries?: boolean
  includeTotals?: boolean
  cursor?: string | null
  perPage?: number
}

export interface SessionsBody {
  start: string
  end: string
  intervals: string[]
  groups: Array<{ by: Record<string, unknown>, totals: Record<string, number | null>, series: Record<string, Array<number | null>> }>
  query?: string
}

export interface SessionsPage { body: SessionsBody, nextCursor: string | null, prevCursor: string | null }

/** Sentry's rules (spec getOrganizationSessions): at least 1h, at most 1d, and it divides a day. */
export function sessionInterval (value: string | null | undefined): string {
  const v = value ?? '1h'
  const m = /^([1-9]\d{0,5})([mhd]?)$/.exec(v)
  const seconds = m === null ? Number.NaN : Number(m[1]) * (m[2] === '' ? 1 : UNIT_S[m[2] as string] ?? 1)
  if (Number.isNaN(seconds) || seconds < HOUR_S || seconds > DAY_S || seconds % HOUR_S !== 0 || DAY_S % seconds !== 0) {
    throw badUserInput('interval must be whole hours from 1h to 1d that divide a day (1h, 2h, 3h, 4h, 6h, 8h, 12h, 1d).', { argument: 'interval' })
  }
  return v
}

/**
 * @see getOrganizationSessions (GET /api/0/organizations/{organization_id_or_slug}/sessions/)
 */
export async function listSessions (call: SentryCaller, org: string, args: SessionsArgs): Promise<SessionsPage> {
  const fields = stringList(args.fields, 'fields', 1, SESSION_FIELDS.length)
  if (args.orderBy != null && !fields.includes(args.orderBy.replace(/^-/, ''))) {
    throw badUserInput('orderBy must be one of the requested fields.', { argument: 'orderBy' })
  }
  const query = args.query ?? undefined
  if (query !== undefined && query.length > 4000) throw badUserInput('query is longer than 4000 characters.', { argument: 'query' })
  return await withQueryRateLimit('release health', async () => await call.pageOf<SessionsBody>({
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/sessions/',
    params: { organization_id_or_slug: org },
    query: {
      field: fields,
      groupBy: args.groupBy == null || args.groupBy.length === 0 ? undefined : [...args.groupBy],
      orderBy: args.orderBy ?? undefined,
      interval: sessionInterval(args.interval),
      ...timeRange(args, '24h'),
      query: query === '' ? undefined : query,
      project: args.projects == null ? undefined : stringList(args.projects, 'projects', 0, 100),
      environment: args.environments == null ? undefined : stringList(args.environments, 'environments', 0, 100),
      includeSeries: args.includeSeries === false ? 0 : undefined,
      includeTotals: args.includeTotals === false ? 0 : undefined,
      per_page: pageSize(args.perPage, 'first'),
      cursor: typeof args.cursor === 'string' && args.cursor !== '' ? args.cursor : undefined
    },
    what: 'The organization',
    errors: queryErrors({ feature: 'release health' })
  }))
}

export function sessionsApi (call: SentryCaller) {
  return { list: async (org: string, args: SessionsArgs) => await listSessions(call, org, args) }
}
