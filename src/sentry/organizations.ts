import type { SentryCaller } from './caller.js'
import { pageQuery } from './caller.js'
import type { Page, PageArgs, SentryOrganization } from './types.js'

export const LIST_ORGANIZATIONS = '/api/0/organizations/'
export const GET_ORGANIZATION = '/api/0/organizations/{organization_id_or_slug}/'

/** Pages walked by `listAllOrganizations` at most (10,000 organizations). */
const MAX_PAGES = 100

/**
 * The organizations the token reaches (org-scoped tokens: only the connected one).
 * @see listOrganizations (GET /api/0/organizations/)
 */
export async function listOrganizations (call: SentryCaller, args: PageArgs = {}): Promise<Page<SentryOrganization>> {
  return await call.page<SentryOrganization>({ method: 'GET', path: LIST_ORGANIZATIONS, query: pageQuery(args) })
}

/** Every page of listOrganizations. */
export async function listAllOrganizations (call: SentryCaller): Promise<SentryOrganization[]> {
  const all: SentryOrganization[] = []
  let cursor: string | null = null
  for (let i = 0; i < MAX_PAGES; i++) {
    const page: Page<SentryOrganization> = await listOrganizations(call, { cursor, perPage: 100 })
    all.push(...page.items)
    cursor = page.nextCursor
    if (cursor === null) break
  }
  return all
}

/**
 * One organization. `route: 'control'` asks SENTRY_URL (used to find the org's region).
 * @see getOrganization (GET /api/0/organizations/{organization_id_or_slug}/)
 */
export async function getOrganization (call: SentryCaller, org: string, route: 'region' | 'control' = 'region'): Promise<SentryOrganization> {
  return await call.json<SentryOrganization>({
    method: 'GET',
    path: GET_ORGANIZATION,
    params: { organization_id_or_slug: org },
    // The region lookup needs only `links`: skip the projects and teams.
    query: route === 'control' ? { detailed: 0 } : undefined,
    what: 'The organization',
    route
  })
}

export function organizationsApi (call: SentryCaller) {
  return {
    list: async (args?: PageArgs) => await listOrganizations(call, args),
    get: async (org: string) => await getOrganization(call, org)
  }
}
