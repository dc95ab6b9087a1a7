/**
 * GET /organizations/{org}/stats_v2/: outcome totals and series grouped by outcome, category, reason
 * and/or project. `field` and `groupBy` are required (spec); numbers are derived deterministically
 * from the group and the bucket, so equal requests get equal answers.
 */
import { badRequest } from '../http.js'
import { ENDPOINT_SCOPES } from '../scopes.js'
import { hexId } from '../util.js'
import { type ApiRoute, requireOrg } from './router.js'

const FIELDS = ['sum(quantity)', 'sum(times_seen)']
const GROUP_BY = ['outcome', 'category', 'reason', 'project']
const CATEGORIES = ['error', 'transaction', 'attachment', 'replay', 'profile', 'profile_duration', 'profile_duration_ui', 'profile_chunk', 'profile_chunk_ui', 'monitor']
const OUTCOMES = ['accepted', 'filtered', 'rate_limited', 'invalid', 'abuse', 'client_discard', 'cardinality_limited']
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }
const MAX_INTERVALS = 1000

function seconds (value: string, name: string): number {
  const m = /^(\d+)([smhdw])$/.exec(value)
  if (m === null) throw badRequest(`Invalid ${name} "${value}"`)
  return Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1)
}

function isoSeconds (ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z'
}

export const statsRoutes: ApiRoute[] = [{
  method: 'GET',
  path: '/api/0/organizations/{organization_id_or_slug}/stats_v2/',
  scopes: ENDPOINT_SCOPES.orgRead,
  handler (ctx) {
    const org = requireOrg(ctx)
    const q = ctx.query
    const fields = q.getAll('field')
    if (fields.length === 0) throw badRequest('At least one "field" is required.')
    const badField = fields.find((f) => !FIELDS.includes(f))
    if (badField !== undefined) throw badRequest(`Invalid field: "${badField}"`)
    const groupBy = q.getAll('groupBy')
    if (groupBy.length === 0) throw badRequest('At least one "groupBy" is required.')
    const badGroup = groupBy.find((g) => !GROUP_BY.includes(g))
    if (badGroup !== undefined) throw badRequest(`Invalid groupBy: "${badGroup}"`)
    const category = q.get('category')
    if (category !== null && !CATEGORIES.includes(category)) throw badRequest(`Invalid category: "${category}"`)
    const outcome = q.get('outcome')
    if (outcome !== null && !OUTCOMES.includes(outcome)) throw badRequest(`Invalid outcome: "${outcome}"`)

    const interval = seconds(q.get('interval') ?? '1h', 'interval')
    if (interval < 3600 || (86400 % interval !== 0 && interval % 86400 !== 0)) {
      throw badRequest('The interval has to be a multiple of the minimum interval of one hour.')
    }
    const step = interval * 1000
    const now = ctx.state.now()
    let startMs: number
    let endMs: number
    const start = q.get('start')
    const end = q.get('end')
    if (start !== null && end !== null && q.get('statsPeriod') === null) {
      startMs = Date.parse(start)
      endMs = Date.parse(end)
      if (Number.isNaN(startMs) || Number.isNaN(endMs) || endMs <= startMs) throw badRequest('Invalid start or end')
    } else {
      endMs = now
      startMs = now - seconds(q.get('statsPeriod') ?? '14d', 'statsPeriod') * 1000
    }
    startMs = Math.floor(startMs / step) * step
    endMs = Math.ceil(endMs / step) * step
    const n = Math.round((endMs - startMs) / step)
    if (n > MAX_INTERVALS) throw badRequest('Your interval and date range would create too many results. Use a larger interval, or a smaller date range.')

    const projectIds = q.getAll('project').filter((p) => p !== '' && p !== '-1')
    const projects = ctx.state.data.projects.filter((p) => p.orgId === org.id && (projectIds.length === 0 || projectIds.includes(p.id)))
    const dims: Record<string, Array<string | number>> = {
      outcome: outcome !== null ? [outcome] : ['accepted', 'filtered', 'rate_limited', 'client_discard'],
      category: category !== null ? [category] : ['error', 'transaction', 'attachment'],
      reason: ['none'],
      project: projects.map((p) => Number(p.id))
    }
    let combos: Array<Record<string, string | number>> = [{}]
    for (const g of groupBy) combos = combos.flatMap((c) => (dims[g] ?? []).map((v) => ({ ...c, [g]: v })))

    const intervals = Array.from({ length: n }, (_, i) => isoSeconds(startMs + i * step))
    const groups = combos.map((by) => {
      const series: Record<string, number[]> = {}
      const totals: Record<string, number> = {}
      for (const field of fields) {
        const values = intervals.map((iso) => {
          const h = parseInt(hexId(org.id, JSON.stringify(by), field, iso).slice(0, 6), 16)
          return by.outcome === 'accepted' || by.outcome === undefined ? h % 50 : h % 7 === 0 ? h % 5 : 0
        })
        series[field] = values
        totals[field] = values.reduce((a, b) => a + b, 0)
      }
      return { by, totals, series }
    })
    return { start: isoSeconds(startMs), end: isoSeconds(endMs), intervals, groups }
  }
}]
