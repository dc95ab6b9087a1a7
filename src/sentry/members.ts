import type { SentryCaller } from './caller.js'
import { pageQuery } from './caller.js'
import type { Page, PageArgs, SentryMember } from './types.js'

/**
 * The organization's members (and pending invites).
 * @see listOrganizationMembers (GET /api/0/organizations/{organization_id_or_slug}/members/)
 */
export async function listMembers (call: SentryCaller, org: string, args: PageArgs = {}): Promise<Page<SentryMember>> {
  return await call.page<SentryMember>({
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/members/',
    params: { organization_id_or_slug: org },
    query: pageQuery(args),
    what: 'The organization'
  })
}

export function membersApi (call: SentryCaller) {
  return { list: async (org: string, args?: PageArgs) => await listMembers(call, org, args) }
}
