import type { SentryCaller } from './caller.js'
import { pageQuery } from './caller.js'
import type { Page, PageArgs, SentryTeam } from './types.js'

/**
 * The organization's teams.
 * @see listOrganizationTeams (GET /api/0/organizations/{organization_id_or_slug}/teams/)
 */
export async function listTeams (call: SentryCaller, org: string, args: PageArgs = {}): Promise<Page<SentryTeam>> {
  return await call.page<SentryTeam>({
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/teams/',
    params: { organization_id_or_slug: org },
    query: pageQuery(args),
    what: 'The organization'
  })
}

export function teamsApi (call: SentryCaller) {
  return { list: async (org: string, args?: PageArgs) => await listTeams(call, org, args) }
}
