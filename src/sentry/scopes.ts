/**
 * Every OAuth scope Sentry knows: `SENTRY_SCOPES` in getsentry/sentry src/sentry/conf/server.py
 * (docs/sentry.md §5). SENTRY_SCOPES (the env var) may name only these; the emulator grants only these.
 */
export const SENTRY_SCOPES: ReadonlySet<string> = new Set([
  'org:read', 'org:write', 'org:admin', 'org:integrations', 'org:ci',
  'member:invite', 'member:read', 'member:write', 'member:admin',
  'team:read', 'team:write', 'team:admin',
  'project:read', 'project:write', 'project:admin', 'project:releases', 'project:distribution',
  'event:read', 'event:write', 'event:admin',
  'alerts:read', 'alerts:write',
  'openid', 'profile', 'email'
])

/**
 * The scopes each endpoint accepts: any ONE of them is enough (ScopedPermission in
 * getsentry/sentry src/sentry/api/permissions.py). Copied from openapi.json `security.auth_token`
 * (docs/sentry.md §5). A 403 answers FORBIDDEN with these as `requiredScopes`.
 */

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE'

const ORG_READ = ['org:read', 'org:write', 'org:admin']
const PROJECT_READ = ['project:read', 'project:write', 'project:admin']
const EVENT_READ = ['event:read', 'event:write', 'event:admin']
const EVENT_WRITE = ['event:write', 'event:admin']
const RELEASE_READ = ['project:read', 'project:write', 'project:admin', 'project:releases', 'org:ci']
const MEMBER_READ = ['member:read', 'member:write', 'member:admin']

export const REQUIRED_SCOPES: Readonly<Record<string, readonly string[]>> = {
  'GET /api/0/organizations/': ORG_READ,
  'GET /api/0/organizations/{organization_id_or_slug}/': ORG_READ,
  'GET /api/0/organizations/{organization_id_or_slug}/projects/': ORG_READ,
  'GET /api/0/organizations/{organization_id_or_slug}/teams/': ORG_READ,
  'GET /api/0/organizations/{organization_id_or_slug}/stats_v2/': ORG_READ,
  'GET /api/0/organizations/{organization_id_or_slug}/members/': MEMBER_READ,
  'GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/': PROJECT_READ,
  'GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/keys/': PROJECT_READ,
  'GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/events/{event_id}/': PROJECT_READ,
  'GET /api/0/organizations/{organization_id_or_slug}/issues/': EVENT_READ,
  'GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/': EVENT_READ,
  'PUT /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/': EVENT_WRITE,
  'GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/': EVENT_READ,
  'GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/{event_id}/': EVENT_READ,
  'GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/tags/{key}/values/': EVENT_READ,
  'GET /api/0/organizations/{organization_id_or_slug}/releases/': RELEASE_READ,
  'GET /api/0/organizations/{organization_id_or_slug}/releases/{version}/': RELEASE_READ,
  'GET /api/0/organizations/{organization_id_or_slug}/events/': ORG_READ,
  'GET /api/0/organizations/{organization_id_or_slug}/events-timeseries/': ORG_READ,
  'GET /api/0/organizations/{organization_id_or_slug}/trace/{trace_id}/': ORG_READ,
  'GET /api/0/organizations/{organization_id_or_slug}/trace-meta/{trace_id}/': ORG_READ,
  'GET /api/0/organizations/{organization_id_or_slug}/sessions/': ORG_READ
}

/** The scopes `method path` accepts, or [] for an endpoint missing from the table. */
export function requiredScopesFor (method: HttpMethod, pathTemplate: string): readonly string[] {
  return REQUIRED_SCOPES[`${method} ${pathTemplate}`] ?? []
}
