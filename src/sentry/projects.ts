import type { SentryCaller } from './caller.js'
import { pageQuery } from './caller.js'
import type { Page, PageArgs, SentryProject, SentryProjectKey } from './types.js'

/**
 * The organization's projects.
 * @see listOrganizationProjects (GET /api/0/organizations/{organization_id_or_slug}/projects/)
 */
export async function listProjects (call: SentryCaller, org: string, args: PageArgs = {}): Promise<Page<SentryProject>> {
  return await call.page<SentryProject>({
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/projects/',
    params: { organization_id_or_slug: org },
    query: pageQuery(args),
    what: 'The organization'
  })
}

/**
 * One project.
 * @see getProject (GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/)
 */
export async function getProject (call: SentryCaller, org: string, project: string): Promise<SentryProject> {
  return await call.json<SentryProject>({
    method: 'GET',
    path: '/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/',
    params: { organization_id_or_slug: org, project_id_or_slug: project },
    what: 'The project'
  })
}

/**
 * The project's client keys (DSNs).
 * @see listProjectKeys (GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/keys/)
 */
export async function listProjectKeys (call: SentryCaller, org: string, project: string, args: PageArgs = {}): Promise<Page<SentryProjectKey>> {
  return await call.page<SentryProjectKey>({
    method: 'GET',
    path: '/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/keys/',
    params: { organization_id_or_slug: org, project_id_or_slug: project },
    query: pageQuery(args),
    what: 'The project'
  })
}

export function projectsApi (call: SentryCaller) {
  return {
    list: async (org: string, args?: PageArgs) => await listProjects(call, org, args),
    get: async (org: string, project: string) => await getProject(call, org, project),
    listKeys: async (org: string, project: string, args?: PageArgs) => await listProjectKeys(call, org, project, args)
  }
}
