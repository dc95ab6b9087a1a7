/**
 * Explore: GET /organizations/{org}/events/ (tables) and GET /organizations/{org}/events-timeseries/
 * (chart-ready series) over the emulator's datasets (datasets.ts), with Sentry's checks and messages.
 * Sources: S:src/sentry/api/endpoints/organization_events.py, organization_events_timeseries.py,
 * S:src/sentry/api/endpoints/timeseries.py (StatsResponse), S:src/sentry/search/eap/constants.py
 * (granularities), S:src/sentry/utils/dates.py get_interval_from_range.
 */
import {
  type Column, type Dataset, type Filter, type Value, checkFields, checkSorts, compileFilter, groupRows, parseQuery,
  resolveColumn, sortRecords
} from '../event-query.js'
import {
  DATASETS, type Window, emptyDataset, errorRows, errorsDataset, parseStatsPeriod, requestEnvironments, requestProjects,
  requireEventsFeature, spansDataset, timeWindow
} from '../datasets.js'
import { ApiError, badRequest } from '../http.js'
import type { OrgRec } from '../model.js'
import { paginate, parsePerPage } from '../pagination.js'
import { ENDPOINT_SCOPES } from '../scopes.js'
import { spanProjects, spansInWindow } from '../spans.js'
import { type ApiContext, type ApiRoute, requireOrg } from './router.js'

/** `rate_limits` of both endpoints: 30 requests a second and 15 concurrent, per caller. */
export const EXPLORE_RATE_LIMIT = { limit: 30, windowSeconds: 1, concurrentLimit: 15 }

interface Source { ds: Dataset<unknown>, rows: unknown[], dataset: string }

function datasetParam (q: URLSearchParams): string {
  const dataset = q.get('dataset')
  // Without `dataset` Sentry falls back to the deprecated discover dataset (get_dataset).
  if (dataset === null || dataset === '') return 'discover'
  if (!(DATASETS as readonly string[]).includes(dataset)) throw badRequest(`dataset must be one of: ${DATASETS.join(', ')}`)
  return dataset
}

/** True when `filter` can only match segments (an `is_transaction:true` term at its top level). */
function segmentsOnly (filter: Filter | null | undefined): boolean {
  if (filter === null || filter === undefined) return false
  if (filter.kind === 'and') return filter.items.some(segmentsOnly)
  return filter.kind === 'term' && filter.key === 'is_transaction' && filter.op === '=' && !filter.negated &&
    filter.values.length > 0 && filter.values.every((v) => v === 'true' || v === '1')
}

/** The rows of the request's dataset, window, projects, environments and query. */
function source (ctx: ApiContext, org: OrgRec, dataset: string, win: Window): Source | null {
  const { state, query: q } = ctx
  const projects = requestProjects(state, org, q)
  if (projects.length === 0) return null
  const envs = requestEnvironments(q)
  const filter = parseQuery(q.get('query') ?? '')
  if (dataset === 'spans') {
    const ids = new Set(projects.map((p) => p.id))
    const pred = compileFilter(spansDataset, filter)
    const slots = spanProjects(state, org).filter((s) => ids.has(s.project.id))
    const rows = spansInWindow(state, org, slots, win.startMs, win.endMs, segmentsOnly(filter))
      .filter((s) => (envs === null || envs.has(s.environment)) && pred(s))
    return { ds: spansDataset as Dataset<unknown>, rows, dataset }
  }
  if (dataset === 'errors' || dataset === 'discover') {
    const pred = compileFilter(errorsDataset, filter)
    const rows = errorRows(state, org, projects).filter((r) => {
      const ts = errorsDataset.timestampMs(r)
      const env = errorsDataset.value(r, 'environment')
      return ts >= win.startMs && ts < win.endMs && (envs === null || envs.has(String(env))) && pred(r)
    })
    return { ds: errorsDataset as Dataset<unknown>, rows, dataset }
  }
  compileFilter(emptyDataset, filter)
  return { ds: emptyDataset as Dataset<unknown>, rows: [], dataset }
}

function meta (columns: ReadonlyArray<Column<unknown>>, dataset: string): Record<string, unknown> {
  return {
    fields: Object.fromEntries(columns.map((c) => [c.name, c.meta.type])),
    units: Object.fromEntries(columns.map((c) => [c.name, c.meta.unit])),
    isMetricsData: false,
    isMetricsExtractedData: false,
    tips: {},
    datasetReason: 'unchanged',
    dataset,
    dataScanned: 'full'
  }
}

function table (ctx: ApiContext): unknown {
  const org = requireOrg(ctx)
  requireEventsFeature(org)
  const q = ctx.query
  const dataset = datasetParam(q)
  const fields = q.getAll('field').filter((f) => f !== '')
  checkFields(fields)
  const sorts = q.getAll('sort').filter((s) => s !== '')
  checkSorts(sorts, fields)
  // Logs and trace metrics allow bigger pages (S: organization_events.py); everything else 100.
  const perPage = dataset === 'logs' || dataset === 'tracemetrics'
    ? Math.min(9999, Math.max(1, Number(q.get('per_page') ?? 100) || 100))
    : parsePerPage(q)
  const win = timeWindow(q, ctx.state.now())
  const src = source(ctx, org, dataset, win)
  if (src === null) return { data: [], meta: { tips: { query: 'Need at least one valid project to query.' } } }
  const { ds, rows } = src
  const columns = fields.map((f) => resolveColumn(ds, f))
  const windowMs = win.endMs - win.startMs
  let records: Array<Record<string, Value>>
  if (columns.some((c) => c.aggregate !== undefined)) {
    const plain = columns.filter((c) => c.aggregate === undefined).map((c) => c.name)
    const groups = groupRows(ds, rows, plain)
    // Only functions: one row, even over no data.
    if (plain.length === 0 && groups.length === 0) groups.push({ key: [], rows: [] })
    records = groups.map((g) => Object.fromEntries(columns.map((c) => [
      c.name, c.aggregate === undefined ? g.key[plain.indexOf(c.name)] ?? null : c.aggregate(g.rows, windowMs)
    ])))
    sortRecords(records, sorts.length > 0 ? sorts : [`-${columns.find((c) => c.aggregate !== undefined)?.name ?? ''}`])
  } else {
    // Samples, newest first unless sorted otherwise.
    const ordered = [...rows].sort((a, b) => ds.timestampMs(b) - ds.timestampMs(a))
    records = ordered.map((r) => Object.fromEntries(columns.map((c) => [c.name, ds.value(r, c.name) ?? null])))
    if (sorts.length > 0) sortRecords(records, sorts)
  }
  const data = paginate(ctx.request, ctx.reply, records, perPage)
  return { data, meta: meta(columns, dataset === 'discover' ? 'discover' : dataset) }
}

/** RPC datasets snap the interval to these (S: eap/constants.py). */
const GRANULARITIES = [15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400]
const MAX_ROLLUP_POINTS = 10_000
const DAY_S = 86_400

/** `get_interval_from_range`: ≥ 60 d → 1d, ≥ 30 d → 4h, > 1 d → 1h, > 1 h → 5m, else 15m. */
function defaultInterval (rangeS: number): number {
  if (rangeS >= 60 * DAY_S) return DAY_S
  if (rangeS >= 30 * DAY_S) return 4 * 3600
  if (rangeS > DAY_S) return 3600
  if (rangeS > 3600) return 300
  return 900
}

function intervalSeconds (q: URLSearchParams, win: Window, dataset: string): number {
  const raw = q.get('interval')
  let seconds: number
  if (raw === null || raw === '') {
    seconds = defaultInterval((win.endMs - win.startMs) / 1000)
  } else {
    const ms = parseStatsPeriod(raw)
    if (ms === null) throw badRequest(`Invalid interval: ${raw.slice(0, 20)}`)
    seconds = ms / 1000
  }
  if (seconds <= 0) throw badRequest('Interval cannot result in a zero duration.')
  if (dataset !== 'errors' && dataset !== 'discover') {
    seconds = GRANULARITIES.find((g) => g >= seconds) ?? DAY_S
  }
  return seconds
}

function topEventsParam (q: URLSearchParams, groupBy: string[]): number {
  const raw = q.get('topEvents')
  if (raw === null || raw === '') return 0
  const n = Number(raw)
  if (!Number.isInteger(n)) throw badRequest('topEvents must be an integer')
  if (n > 10) throw badRequest('Can only get up to 10 top events')
  if (n <= 0) throw badRequest('topEvents needs to be at least 1')
  if (groupBy.length === 0) throw badRequest('groupBy is a required parameter when doing topEvents')
  return n
}

const INCOMPLETE_MS = 90_000

function timeseries (ctx: ApiContext): unknown {
  const org = requireOrg(ctx)
  requireEventsFeature(org)
  const q = ctx.query
  const dataset = datasetParam(q)
  const yAxes = q.getAll('yAxis').filter((y) => y !== '')
  if (yAxes.length === 0) yAxes.push('count()')
  const groupBy = q.getAll('groupBy').filter((g) => g !== '')
  if (groupBy.includes('timestamp')) throw badRequest('Cannot group by timestamp')
  const topEvents = topEventsParam(q, groupBy)
  const comparison = q.get('comparisonDelta')
  if (comparison !== null && !/^\d+$/.test(comparison)) throw badRequest('comparisonDelta must be an integer')
  const win = timeWindow(q, ctx.state.now())
  const interval = intervalSeconds(q, win, dataset)
  const step = interval * 1000
  const start = Math.floor(win.startMs / step) * step
  const buckets = Math.ceil((win.endMs - start) / step)
  if (buckets > MAX_ROLLUP_POINTS / Math.max(1, topEvents)) {
    throw badRequest('Your interval and date range would create too many results. Use a larger interval, or a smaller date range.')
  }
  // The grouped errors/discover series fail upstream today (grafana/sentry-datasource saw a 500 on
  // every topEvents query on these datasets and falls back to /events-stats/).
  if (topEvents > 0 && (dataset === 'errors' || dataset === 'discover')) {
    throw new ApiError(500, { detail: 'Internal error. Your query failed to run.' })
  }
  const end = start + buckets * step
  const src = source(ctx, org, dataset, { startMs: start, endMs: end })
  const responseMeta = { dataset: src?.dataset ?? dataset, start, end }
  if (src === null) return { meta: responseMeta, timeSeries: [] }
  const { ds, rows } = src
  const axes = yAxes.map((y) => {
    const c = resolveColumn(ds, y)
    if (c.aggregate === undefined) throw badRequest(`${y} is not a valid yAxis: it must be a function.`)
    return c
  })
  const now = ctx.state.now()

  const seriesOf = (groupRowsOf: unknown[], extra: Record<string, unknown>, groupValues: Array<{ key: string, value: Value }> | null): unknown[] => {
    const perBucket: unknown[][] = Array.from({ length: buckets }, () => [])
    for (const r of groupRowsOf) {
      const b = Math.floor((ds.timestampMs(r) - start) / step)
      if (b >= 0 && b < buckets) perBucket[b]?.push(r)
    }
    return axes.map((axis) => ({
      yAxis: axis.name,
      ...(groupValues === null ? {} : { groupBy: groupValues }),
      meta: { valueType: axis.meta.type, valueUnit: axis.meta.unit, interval: step, ...extra },
      values: perBucket.map((bucketRows, i) => {
        const ts = start + i * step
        const v = (axis.aggregate as NonNullable<Column<unknown>['aggregate']>)(bucketRows, step)
        const incomplete = ts + step > now - INCOMPLETE_MS
        return {
          timestamp: ts,
          value: typeof v === 'number' ? v : 0,
          incomplete,
          ...(incomplete ? { incompleteReason: 'INCOMPLETE_BUCKET' } : {}),
          sampleCount: bucketRows.length
        }
      })
    }))
  }

  if (topEvents === 0) return { meta: responseMeta, timeSeries: seriesOf(rows, {}, null) }

  // Top N groups over the whole window by `sort` (default: the first yAxis, descending).
  const sort = q.get('sort') ?? `-${axes[0]?.name ?? 'count()'}`
  const sortField = sort.startsWith('-') ? sort.slice(1) : sort
  if (!yAxes.includes(sortField) && !groupBy.includes(sortField)) throw badRequest('Cannot sort by a field that is not selected.')
  const sortColumn = resolveColumn(ds, sortField)
  const groups = groupRows(ds, rows, groupBy).map((g) => {
    const record: Record<string, Value> = Object.fromEntries(groupBy.map((f, i) => [f, g.key[i] ?? null]))
    record[sortField] = sortColumn.aggregate === undefined ? record[sortField] ?? null : sortColumn.aggregate(g.rows, end - start)
    return { g, record }
  })
  const records = groups.map((x) => x.record)
  sortRecords(records, [sort])
  const ranked = records.map((r) => groups.find((x) => x.record === r)).filter((x) => x !== undefined)
  const top = ranked.slice(0, topEvents)
  const other = ranked.slice(topEvents).flatMap((x) => x.g.rows)
  const timeSeries = top.flatMap((x, order) => seriesOf(x.g.rows, { order, isOther: false },
    groupBy.map((key, i) => ({ key, value: x.g.key[i] ?? null }))))
  if (other.length > 0 && q.get('excludeOther') !== '1') {
    timeSeries.push(...seriesOf(other, { order: top.length, isOther: true }, []))
  }
  return { meta: responseMeta, timeSeries }
}

export const exploreRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/events/',
    scopes: ENDPOINT_SCOPES.orgRead,
    rateLimit: EXPLORE_RATE_LIMIT,
    handler: table
  },
  {
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/events-timeseries/',
    scopes: ENDPOINT_SCOPES.orgRead,
    rateLimit: EXPLORE_RATE_LIMIT,
    handler: timeseries
  }
]
