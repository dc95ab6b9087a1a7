/**
 * Explore tables, time series and transaction summaries (schema/explore.graphql): the resolvers
 * of Organization.explore, .timeseries and .transactions (listed in resolvers/organization.ts),
 * each one upstream call (src/graphql/sentry-calls.ts), and ExploreRow's.
 */
import type { ExploreDatasetName, ExploreTableBody, ScopeInput, TimeseriesBody } from '../../sentry/explore.js'
import { bool, date, float, int, json, list, record, str } from '../coerce.js'
import type {
  ExploreColumn, ExploreDataset, ExploreRow, OrganizationResolvers, Resolvers, TimeSeries, TimeSeriesResult, TransactionSort,
  TransactionSummary, ValueType
} from '../generated.js'
import { pageRequest, paginate, toConnection } from '../pagination.js'
import { exploreTable, exploreTimeseries } from '../sentry-calls.js'

export const DATASETS: Record<ExploreDataset, ExploreDatasetName> = {
  SPANS: 'spans',
  ERRORS: 'errors',
  LOGS: 'logs',
  TRACE_METRICS: 'tracemetrics',
  PROFILE_FUNCTIONS: 'profile_functions',
  UPTIME_RESULTS: 'uptime_results'
}

const VALUE_TYPES: Record<string, ValueType> = {
  string: 'STRING',
  integer: 'INTEGER',
  number: 'NUMBER',
  duration: 'DURATION',
  size: 'SIZE',
  rate: 'RATE',
  percentage: 'PERCENTAGE',
  date: 'DATE',
  boolean: 'BOOLEAN'
}

export function valueType (raw: unknown): ValueType {
  return typeof raw === 'string' ? VALUE_TYPES[raw] ?? 'OTHER' : 'OTHER'
}

/** The columns in the order sent, typed from `meta.fields` and `meta.units`. */
export function columnsOf (fields: readonly string[], meta: ExploreTableBody['meta']): ExploreColumn[] {
  const types = record(meta.fields) ?? {}
  const units = record(meta.units) ?? {}
  return fields.map((name) => {
    const rawType = str(types[name]) ?? 'unknown'
    return { name, type: valueType(rawType), rawType, unit: str(units[name]) }
  })
}

/** One series of `/events-timeseries/`. The bucket width comes from the timestamps (ms) when there are two. */
export function timeSeries (raw: TimeseriesBody['timeSeries'][number]): TimeSeries {
  const meta = record(raw.meta) ?? {}
  const values = list(raw.values).map((v) => record(v) ?? {})
  const t0 = float(values[0]?.timestamp)
  const t1 = float(values[1]?.timestamp)
  // Sentry's code sends meta.interval in milliseconds (timeseries.py, rollup * 1000); the spec's example shows seconds.
  const metaInterval = float(meta.interval) ?? 0
  const intervalSeconds = t0 !== null && t1 !== null
    ? Math.round((t1 - t0) / 1000)
    : Math.round(metaInterval >= 60_000 || (metaInterval >= 1000 && metaInterval % 1000 === 0) ? metaInterval / 1000 : metaInterval)
  return {
    yAxis: str(raw.yAxis) ?? '',
    groupBy: list(raw.groupBy).map((g) => {
      const r = record(g) ?? {}
      return { key: str(r.key) ?? '', value: json(r.value) }
    }),
    isOther: meta.isOther === true,
    order: int(meta.order),
    valueType: valueType(meta.valueType),
    rawValueType: str(meta.valueType) ?? 'unknown',
    valueUnit: str(meta.valueUnit),
    intervalSeconds,
    points: values.map((v) => ({
      timestamp: date(v.timestamp) ?? new Date(0).toISOString(),
      value: float(v.value),
      incomplete: v.incomplete === true,
      incompleteReason: str(v.incompleteReason),
      sampleCount: float(v.sampleCount)
    }))
  }
}

export function timeSeriesResult (body: TimeseriesBody, dataset: string): TimeSeriesResult {
  const meta = record(body.meta) ?? {}
  return {
    dataset: str(meta.dataset) ?? dataset,
    start: date(meta.start) ?? new Date(0).toISOString(),
    end: date(meta.end) ?? new Date(0).toISOString(),
    series: list(body.timeSeries).map((s) => timeSeries(s as TimeseriesBody['timeSeries'][number]))
  }
}

const TX_FIELDS = {
  name: 'transaction',
  project: 'project',
  count: 'count()',
  throughput: 'epm()',
  failureRate: 'failure_rate()',
  avg: 'avg(span.duration)',
  p50: 'p50(span.duration)',
  p95: 'p95(span.duration)',
  p99: 'p99(span.duration)'
} as const

const TX_SORT: Record<TransactionSort, string> = {
  P95_DESC: `-${TX_FIELDS.p95}`,
  P50_DESC: `-${TX_FIELDS.p50}`,
  COUNT_DESC: `-${TX_FIELDS.count}`,
  FAILURE_RATE_DESC: `-${TX_FIELDS.failureRate}`,
  THROUGHPUT_DESC: `-${TX_FIELDS.throughput}`
}

function transactionSummary (row: Record<string, unknown>): TransactionSummary {
  return {
    name: str(row[TX_FIELDS.name]) ?? '',
    projectSlug: str(row[TX_FIELDS.project]) ?? '',
    count: float(row[TX_FIELDS.count]) ?? 0,
    throughputPerMinute: float(row[TX_FIELDS.throughput]),
    failureRate: float(row[TX_FIELDS.failureRate]),
    avgMs: float(row[TX_FIELDS.avg]),
    p50Ms: float(row[TX_FIELDS.p50]),
    p95Ms: float(row[TX_FIELDS.p95]),
    p99Ms: float(row[TX_FIELDS.p99])
  }
}

const fieldOf = (row: ExploreRow, field: string): unknown => (record(row.data) ?? {})[field]

/** The filters Explore and the sessions endpoint share: projects, environments and the time range. */
export function scopeFilters (args: Omit<ScopeInput, 'query'>): Omit<ScopeInput, 'query'> {
  return { projects: args.projects, environments: args.environments, statsPeriod: args.statsPeriod, start: args.start, end: args.end }
}

export const explore: NonNullable<OrganizationResolvers['explore']> = async (org, args, ctx) => {
  const req = pageRequest(args)
  const page = await exploreTable(ctx, org.scope, {
    dataset: DATASETS[args.dataset],
    fields: args.fields,
    sort: args.sort,
    query: args.query,
    ...scopeFilters(args),
    cursor: req.cursor,
    perPage: req.perPage
  })
  const meta = record(page.body.meta) ?? {}
  const rows = list(page.body.data).map((r) => record(r) ?? {})
  const connection = toConnection({ items: rows, nextCursor: page.nextCursor, prevCursor: page.prevCursor }, req, (data): ExploreRow => ({ data }))
  return {
    ...connection,
    columns: columnsOf(page.fields, meta),
    dataset: str(meta.dataset),
    dataScanned: str(meta.dataScanned),
    tips: json(meta.tips)
  }
}

export const timeseries: NonNullable<OrganizationResolvers['timeseries']> = async (org, args, ctx) => {
  const dataset = DATASETS[args.dataset]
  const body = await exploreTimeseries(ctx, org.scope, {
    dataset,
    yAxis: args.yAxis,
    query: args.query,
    groupBy: args.groupBy,
    topEvents: args.topEvents,
    sort: args.sort,
    excludeOther: args.excludeOther,
    interval: args.interval,
    ...scopeFilters(args)
  })
  return timeSeriesResult(body, dataset)
}

export const transactions: NonNullable<OrganizationResolvers['transactions']> = async (org, args, ctx) => {
  const query = args.query == null || args.query.trim() === '' ? 'is_transaction:true' : `is_transaction:true (${args.query})`
  return await paginate(args, async (cursor, perPage) => {
    const page = await exploreTable(ctx, org.scope, {
      dataset: 'spans',
      fields: Object.values(TX_FIELDS),
      sort: [TX_SORT[args.sort ?? 'P95_DESC']],
      query,
      ...scopeFilters(args),
      cursor,
      perPage
    })
    return { items: list(page.body.data).map((r) => record(r) ?? {}), nextCursor: page.nextCursor, prevCursor: page.prevCursor }
  }, transactionSummary)
}

export const exploreResolvers = {
  ExploreRow: {
    data: (row) => row.data ?? {},
    number: (row, { field }) => float(fieldOf(row, field)),
    string: (row, { field }) => str(fieldOf(row, field)),
    boolean: (row, { field }) => bool(fieldOf(row, field)),
    value: (row, { field }) => json(fieldOf(row, field))
  }
} satisfies Resolvers
