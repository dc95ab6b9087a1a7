/**
 * GET /organizations/{org}/sessions/: release health from hourly sessions (spans.ts sessionsOfHour),
 * with one regressing release per organization. Rates are fractions, null without sessions.
 * Sources: S:src/sentry/api/endpoints/organization_sessions.py, S:src/sentry/release_health
 * (field and groupBy names), S:tests/snuba/api/endpoints/test_organization_sessions.py (messages),
 * S:src/sentry/utils/dates.py (interval constraints).
 */
import { type Dataset, compileFilter, parseQuery } from '../event-query.js'
import { requestEnvironments, requestProjects, timeWindow } from '../datasets.js'
import { badRequest } from '../http.js'
import type { ProjectRec } from '../model.js'
import { paginate, parsePerPage } from '../pagination.js'
import { ENDPOINT_SCOPES } from '../scopes.js'
import { type SessionCounts, projectReleases, sessionsOfHour } from '../spans.js'
import { type ApiRoute, requireOrg } from './router.js'

const FIELDS = [
  'sum(session)', 'count_unique(user)', 'crash_rate(session)', 'crash_rate(user)', 'crash_free_rate(session)', 'crash_free_rate(user)',
  'avg(session.duration)', 'p50(session.duration)', 'p75(session.duration)', 'p90(session.duration)', 'p95(session.duration)',
  'p99(session.duration)', 'max(session.duration)'
]
const GROUP_BY = ['project', 'release', 'environment', 'session.status']
const STATUSES = ['healthy', 'errored', 'crashed', 'abnormal'] as const
const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000
const MAX_POINTS = 10_000

interface Combo { project: ProjectRec, release: string, environment: string }

const comboDataset: Dataset<Combo> = {
  name: 'sessions',
  value: (c, f) => f === 'release' ? c.release : f === 'environment' ? c.environment : f === 'project' ? c.project.slug : undefined,
  fieldMeta: () => ({ type: 'string', unit: null }),
  timestampMs: () => 0,
  failed: () => false,
  text: (c) => c.release,
  defaultNumericField: 'session.duration'
}

type Totals = SessionCounts

const zero = (): Totals => ({ healthy: 0, errored: 0, crashed: 0, abnormal: 0, users: 0, crashedUsers: 0 })

function add (a: Totals, b: Totals): void {
  a.healthy += b.healthy
  a.errored += b.errored
  a.crashed += b.crashed
  a.abnormal += b.abnormal
  a.users += b.users
  a.crashedUsers += b.crashedUsers
}

/** Keeps only the sessions of one status (groupBy session.status). */
function onlyStatus (c: Totals, status: typeof STATUSES[number] | undefined): Totals {
  if (status === undefined) return c
  const n = c[status]
  const all = c.healthy + c.errored + c.crashed + c.abnormal
  return { ...zero(), [status]: n, users: all === 0 ? 0 : Math.ceil(c.users * n / all), crashedUsers: status === 'crashed' ? c.crashedUsers : 0 }
}

function value (field: string, c: Totals): number | null {
  const sessions = c.healthy + c.errored + c.crashed + c.abnormal
  const rate = (num: number, den: number): number | null => den === 0 ? null : Math.round(num / den * 1e6) / 1e6
  switch (field) {
    case 'sum(session)': return sessions
    case 'count_unique(user)': return c.users
    case 'crash_rate(session)': return rate(c.crashed, sessions)
    case 'crash_rate(user)': return rate(c.crashedUsers, c.users)
    case 'crash_free_rate(session)': { const r = rate(c.crashed, sessions); return r === null ? null : Math.round((1 - r) * 1e6) / 1e6 }
    case 'crash_free_rate(user)': { const r = rate(c.crashedUsers, c.users); return r === null ? null : Math.round((1 - r) * 1e6) / 1e6 }
    // session.duration has not been recorded since 2023 (release-health metrics).
    default: return null
  }
}

function iso (ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z'
}

export const sessionRoutes: ApiRoute[] = [{
  method: 'GET',
  path: '/api/0/organizations/{organization_id_or_slug}/sessions/',
  scopes: ENDPOINT_SCOPES.orgRead,
  handler (ctx) {
    const org = requireOrg(ctx)
    const q = ctx.query
    const fields = q.getAll('field').filter((f) => f !== '')
    if (fields.length === 0) throw badRequest('Request is missing a "field"')
    const badField = fields.find((f) => !FIELDS.includes(f))
    if (badField !== undefined) throw badRequest(`Invalid field: "${badField}"`)
    const groupBy = q.getAll('groupBy').filter((g) => g !== '')
    const badGroup = groupBy.find((g) => !GROUP_BY.includes(g))
    if (badGroup !== undefined) throw badRequest(`Invalid groupBy: "${badGroup}"`)
    const orderBy = q.get('orderBy')
    if (orderBy !== null && !fields.includes(orderBy.replace(/^-/, ''))) throw badRequest('"orderBy" needs to be one of the fields in the query.')
    const perPage = parsePerPage(q)

    const rawInterval = q.get('interval') ?? '1h'
    const im = /^(\d+)([smhd]?)$/.exec(rawInterval)
    if (im === null) throw badRequest(`Invalid interval: ${rawInterval.slice(0, 20)}`)
    const step = Number(im[1]) * ({ s: 1000, m: 60_000, h: HOUR_MS, d: DAY_MS }[im[2] === '' ? 's' : im[2] as 's'] ?? 1000)
    if (step > DAY_MS) throw badRequest('The interval has to be less than one day.')
    if (step < HOUR_MS || step % HOUR_MS !== 0) throw badRequest('The interval has to be a multiple of the minimum interval of one hour.')
    if (DAY_MS % step !== 0) throw badRequest('The interval should divide one day without a remainder.')

    const win = timeWindow(q, ctx.state.now(), '24h')
    const start = Math.floor(win.startMs / step) * step
    const end = Math.ceil(win.endMs / step) * step
    const n = Math.round((end - start) / step)

    const projects = requestProjects(ctx.state, org, q)
    const envs = requestEnvironments(q)
    const pred = compileFilter(comboDataset, parseQuery(q.get('query') ?? ''))
    const combos: Combo[] = []
    for (const project of projects) {
      for (const release of projectReleases(ctx.state, project)) {
        for (const environment of project.environments) {
          const c = { project, release, environment }
          if ((envs === null || envs.has(environment)) && pred(c)) combos.push(c)
        }
      }
    }

    // Sessions per group key and interval.
    const groups = new Map<string, { by: Record<string, string | number>, series: Totals[] }>()
    const statuses = groupBy.includes('session.status') ? STATUSES : [undefined]
    for (const c of combos) {
      for (let i = 0; i < n; i++) {
        // Hourly data summed into the interval.
        const hourly = zero()
        for (let h = start + i * step; h < start + (i + 1) * step; h += HOUR_MS) add(hourly, sessionsOfHour(ctx.state, org, c.project, c.release, c.environment, h))
        for (const status of statuses) {
          const by: Record<string, string | number> = {}
          for (const g of groupBy) {
            if (g === 'project') by.project = Number(c.project.id)
            else if (g === 'release') by.release = c.release
            else if (g === 'environment') by.environment = c.environment
            else if (status !== undefined) by['session.status'] = status
          }
          const key = JSON.stringify(by)
          let group = groups.get(key)
          if (group === undefined) {
            group = { by, series: Array.from({ length: n }, zero) }
            groups.set(key, group)
          }
          add(group.series[i] as Totals, onlyStatus(hourly, status))
        }
      }
    }
    if (groups.size === 0 && groupBy.length === 0) groups.set('{}', { by: {}, series: Array.from({ length: n }, zero) })
    if (n * Math.max(1, Math.min(perPage, groups.size)) > MAX_POINTS) {
      throw badRequest('Your interval and date range would create too many results. Use a larger interval, or a smaller date range.')
    }

    const includeTotals = q.get('includeTotals') !== '0'
    const includeSeries = q.get('includeSeries') !== '0'
    const rows = [...groups.values()].map((g) => {
      const total = zero()
      for (const s of g.series) add(total, s)
      return {
        by: g.by,
        totals: includeTotals ? Object.fromEntries(fields.map((f) => [f, value(f, total)])) : {},
        series: includeSeries ? Object.fromEntries(fields.map((f) => [f, g.series.map((s) => value(f, s))])) : {},
        sortKey: orderBy === null ? 0 : value(orderBy.replace(/^-/, ''), total)
      }
    })
    if (orderBy !== null) {
      const desc = orderBy.startsWith('-')
      // Groups without a value (a rate without sessions) come last either way.
      rows.sort((a, b) => a.sortKey === null ? (b.sortKey === null ? 0 : 1) : b.sortKey === null ? -1 : (a.sortKey - b.sortKey) * (desc ? -1 : 1))
    }
    const page = paginate(ctx.request, ctx.reply, rows, perPage).map(({ by, totals, series }) => ({ by, totals, series }))
    return {
      start: iso(start),
      end: iso(end),
      intervals: Array.from({ length: n }, (_, i) => iso(start + i * step)),
      groups: page,
      query: q.get('query') ?? ''
    }
  }
}]
