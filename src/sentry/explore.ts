import { badUserInput } from '../errors.js'
import type { SentryCaller } from './caller.js'
import { pageSize } from './caller.js'
import { type TimeRangeInput, intervalArg, queryErrors, stringList, timeRange, withQueryRateLimit } from './query-input.js'

/**
 * Explore: tables and chart-ready time series over Sentry's datasets (docs/performance-data.md §1–§3).
 * The gateway always sends `dataset`: without it Sentry falls back to the deprecated discover
 * dataset (getsentry/sentry src/sentry/api/bases/organization_events.py get_dataset).
 */

/** The spec's `dataset` enum (listOrganizationEvents, listOrganizationEventsTimeseries). */
export const EXPLORE_DATASETS = ['spans', 'errors', 'logs', 'tracemetrics', 'profile_functions', 'uptime_results'] as const
export type ExploreDatasetName = (typeof EXPLORE_DATASETS)[number]

/** Sentry's limit on fields per request (organization_events.py, "You can view up to 20 fields"). */
export const MAX_FIELDS = 20
export const MAX_Y_AXES = 10
export const MAX_TOP_EVENTS = 10
export const DEFAULT_STATS_PERIOD = '24h'

export interface ScopeInput extends TimeRangeInput {
  query?: string | null
  projects?: readonly string[] | null
  environments?: readonly string[] | null
}

export interface ExploreTableArgs extends ScopeInput {
  dataset: ExploreDatasetName
  fields: readonly string[]
  sort?: readonly string[] | null
  cursor?: string | null
  perPage?: number
}

/** Sentry's table: rows keyed by field, and `meta` describing them (fields → type, units → unit). */
export interface ExploreTableBody {
  data: Array<Record<string, unknown>>
  meta: {
    fields?: Record<string, string>
    units?: Record<string, string | null>
    tips?: Record<string, unknown>
    dataset?: string
    dataScanned?: string
    [key: string]: unknown
  }
  [key: string]: unknown
}

export interface ExploreTablePage {
  body: ExploreTableBody
  /** The fields sent: the requested ones plus any sort field that was not selected. */
  fields: string[]
  nextCursor: string | null
  prevCursor: string | null
}

export interface TimeseriesArgs extends ScopeInput {
  dataset: ExploreDatasetName
  yAxis: readonly string[]
  groupBy?: readonly string[] | null
  topEvents?: number | null
  sort?: string | null
  excludeOther?: boolean | null
  interval?: string | null
}

export interface TimeseriesBody {
  meta: { dataset: string, start: number, end: number }
  timeSeries: Array<{
    yAxis: string
    groupBy?: Array<{ key: string, value: unknown }> | null
    meta: { valueType: string, valueUnit: string | null, interval: number, order?: number, isOther?: boolean }
    values: Array<{ timestamp: number, value: number | null, incomplete: boolean, incompleteReason?: string, sampleCount?: number, [key: string]: unknown }>
  }>
}

function dataset (value: string): ExploreDatasetName {
  if (!(EXPLORE_DATASETS as readonly string[]).includes(value)) {
    throw badUserInput(`dataset must be one of ${EXPLORE_DATASETS.join(', ')}.`, { argument: 'dataset' })
  }
  return value as ExploreDatasetName
}

function scopeQuery (args: ScopeInput): Record<string, string | string[] | undefined> {
  const query = args.query ?? undefined
  if (query !== undefined && query.length > 4000) throw badUserInput('query is longer than 4000 characters.', { argument: 'query' })
  return {
    ...timeRange(args, DEFAULT_STATS_PERIOD),
    query: query === '' ? undefined : query,
    project: args.projects == null ? undefined : stringList(args.projects, 'projects', 0, 100),
    environment: args.environments == null ? undefined : stringList(args.environments, 'environments', 0, 100)
  }
}

/**
 * A page of an Explore table. Functions group the rows by the other fields; a sort entry on an
 * unselected field is added to the fields, as sentry-mcp does (Sentry refuses it otherwise).
 * @see listOrganizationEvents (GET /api/0/organizations/{organization_id_or_slug}/events/)
 */
export async function exploreTable (call: SentryCaller, org: string, args: ExploreTableArgs): Promise<ExploreTablePage> {
  const ds = dataset(args.dataset)
  const fields = stringList(args.fields, 'fields', 1, MAX_FIELDS)
  const sort = args.sort == null ? [] : stringList(args.sort, 'sort', 0, 5)
  for (const s of sort) {
    const f = s.startsWith('-') ? s.slice(1) : s
    if (f === '') throw badUserInput('A sort entry names a field, optionally prefixed with - for descending.', { argument: 'sort' })
    if (!fields.includes(f)) fields.push(f)
  }
  if (fields.length > MAX_FIELDS) {
    throw badUserInput(`fields plus the sort fields not among them come to ${fields.length}; Sentry allows ${MAX_FIELDS}.`, { argument: 'sort', max: MAX_FIELDS })
  }
  const query = {
    dataset: ds,
    field: fields,
    sort: sort.length === 0 ? undefined : sort,
    ...scopeQuery(args),
    per_page: pageSize(args.perPage, 'first'),
    cursor: typeof args.cursor === 'string' && args.cursor !== '' ? args.cursor : undefined,
    // Spans are sampled; NORMAL is what sentry-mcp and grafana/sentry-datasource send.
    sampling: ds === 'spans' ? 'NORMAL' : undefined
  }
  const page = await withQueryRateLimit('Explore', async () => await call.pageOf<ExploreTableBody>({
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/events/',
    params: { organization_id_or_slug: org },
    query,
    what: 'The organization',
    errors: queryErrors({ feature: 'Explore', featureGated404: true })
  }))
  return { ...page, fields }
}

/**
 * Chart-ready series: one per yAxis, or per (group, yAxis) with topEvents, plus an `isOther` series.
 * @see listOrganizationEventsTimeseries (GET /api/0/organizations/{organization_id_or_slug}/events-timeseries/)
 */
export async function exploreTimeseries (call: SentryCaller, org: string, args: TimeseriesArgs): Promise<TimeseriesBody> {
  const ds = dataset(args.dataset)
  const yAxis = stringList(args.yAxis, 'yAxis', 1, MAX_Y_AXES)
  const groupBy = args.groupBy == null ? [] : stringList(args.groupBy, 'groupBy', 0, 5)
  if (groupBy.includes('timestamp')) throw badUserInput('groupBy cannot be timestamp: the series are already bucketed by time.', { argument: 'groupBy' })
  const topEvents = args.topEvents ?? undefined
  if (topEvents !== undefined) {
    if (!Number.isInteger(topEvents) || topEvents < 1 || topEvents > MAX_TOP_EVENTS) {
      throw badUserInput(`topEvents must be between 1 and ${MAX_TOP_EVENTS}.`, { argument: 'topEvents', min: 1, max: MAX_TOP_EVENTS })
    }
    if (groupBy.length === 0) throw badUserInput('topEvents needs groupBy: the fields whose top values get their own series.', { argument: 'topEvents' })
  } else if (groupBy.length > 0) {
    throw badUserInput('groupBy needs topEvents: how many groups get their own series.', { argument: 'groupBy' })
  }
  const sort = args.sort ?? undefined
  if (sort !== undefined) {
    const f = sort.startsWith('-') ? sort.slice(1) : sort
    if (!yAxis.includes(f) && !groupBy.includes(f)) throw badUserInput('sort must name one of the yAxis or groupBy fields.', { argument: 'sort' })
  }
  return await withQueryRateLimit('Explore', async () => await call.json<TimeseriesBody>({
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/events-timeseries/',
    params: { organization_id_or_slug: org },
    query: {
      dataset: ds,
      yAxis,
      groupBy: groupBy.length === 0 ? undefined : groupBy,
      topEvents,
      sort: topEvents === undefined ? undefined : sort ?? `-${yAxis[0] ?? 'count()'}`,
      excludeOther: args.excludeOther === true ? '1' : undefined,
      interval: intervalArg(args.interval),
      ...scopeQuery(args),
      sampling: ds === 'spans' ? 'NORMAL' : undefined
    },
    what: 'The organization',
    errors: queryErrors({
      feature: 'Explore',
      featureGated404: true,
      rename: { fields: 'yAxis' },
      known500: topEvents !== undefined && (ds === 'errors')
        ? 'Sentry fails grouped (topEvents) time series on the errors dataset (a known upstream bug); ask without groupBy/topEvents, or use explore() with count() grouped by the field.'
        : undefined
    })
  }))
}

export function exploreApi (call: SentryCaller) {
  return {
    table: async (org: string, args: ExploreTableArgs) => await exploreTable(call, org, args),
    timeseries: async (org: string, args: TimeseriesArgs) => await exploreTimeseries(call, org, args)
  }
}
