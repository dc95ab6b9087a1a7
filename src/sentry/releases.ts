import type { SentryCaller } from './caller.js'
import { pageQuery } from './caller.js'
import type { Page, PageArgs, SentryRelease } from './types.js'

/**
 * The organization's releases, newest first.
 * @see listOrganizationReleases (GET /api/0/organizations/{organization_id_or_slug}/releases/)
 */
export async function listReleases (call: SentryCaller, org: string, args: PageArgs & { query?: string } = {}): Promise<Page<SentryRelease>> {
  return await call.page<SentryRelease>({
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/releases/',
    params: { organization_id_or_slug: org },
    query: { ...pageQuery(args), query: args.query },
    what: 'The organization'
  })
}

/**
 * One release by version (any characters; sent as one encoded path segment).
 * @see getOrganizationRelease (GET /api/0/organizations/{organization_id_or_slug}/releases/{version}/)
 */
export async function getRelease (call: SentryCaller, org: string, version: string): Promise<SentryRelease> {
  return await call.json<SentryRelease>({
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/releases/{version}/',
    params: { organization_id_or_slug: org, version },
    what: 'The release'
  })
}

export function releasesApi (call: SentryCaller) {
  return {
    list: async (org: string, args?: PageArgs & { query?: string }) => await listReleases(call, org, args),
    get: async (org: string, version: string) => await getRelease(call, org, version)
  }
}
