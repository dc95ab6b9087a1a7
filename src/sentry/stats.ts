import { badUserInput } from '../errors.js'
import type { SentryCaller } from './caller.js'
import type { StatsArgs } from './types.js'

const FIELDS = new Set(['sum(quantity)', 'sum(times_seen)'])
const GROUP_BY = new Set(['outcome', 'category', 'reason', 'project'])

/**
 * Usage stats: `field` and at least one `groupBy` are required.
 * @see listOrganizationStatsV2 (GET /api/0/organizations/{organization_id_or_slug}/stats_v2/)
 */
export async function organizationStats (call: SentryCaller, org: string, args: StatsArgs): Promise<Record<string, unknown>> {
  if (!FIELDS.has(args.field)) throw badUserInput('field must be sum(quantity) or sum(times_seen).', { argument: 'field' })
  if (args.groupBy.length === 0 || !args.groupBy.every(g => GROUP_BY.has(g))) {
    throw badUserInput(`groupBy must list one or more of ${[...GROUP_BY].join(', ')}.`, { argument: 'groupBy' })
  }
  return await call.json<Record<string, unknown>>({
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/stats_v2/',
    params: { organization_id_or_slug: org },
    query: {
      field: args.field,
      groupBy: args.groupBy,
      statsPeriod: args.statsPeriod,
      interval: args.interval,
      category: args.category
    },
    what: 'The organization'
  })
}

export function statsApi (call: SentryCaller) {
  return { organization: async (org: string, args: StatsArgs) => await organizationStats(call, org, args) }
}
