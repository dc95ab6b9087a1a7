/**
 * What Sentry's OAuth scopes mean for the emulator (the list itself is src/sentry/scopes.ts):
 * `SENTRY_SCOPE_HIERARCHY_MAPPING` in getsentry/sentry src/sentry/conf/server.py (docs/sentry.md §5).
 */

/** What each scope lets the app do, in words, for the consent page. */
export const SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'org:read': 'Read your organizations and their settings',
  'org:write': 'Change your organizations’ settings',
  'org:admin': 'Administer your organizations, including deleting them',
  'org:integrations': 'Manage your organizations’ integrations',
  'org:ci': 'Upload releases and source maps from CI',
  'member:invite': 'Invite new members to your organizations',
  'member:read': 'See the members of your organizations',
  'member:write': 'Invite, change and remove members',
  'member:admin': 'Administer members, including their roles',
  'team:read': 'See your teams',
  'team:write': 'Create and change teams',
  'team:admin': 'Administer teams, including deleting them',
  'project:read': 'See your projects and their client keys',
  'project:write': 'Create and change projects',
  'project:admin': 'Administer projects, including deleting them',
  'project:releases': 'Create and change releases',
  'project:distribution': 'Manage build distribution',
  'event:read': 'See issues and events, including stack traces and request data',
  'event:write': 'Resolve, ignore, assign and bookmark issues',
  'event:admin': 'Delete issues and events',
  'alerts:read': 'See alert rules',
  'alerts:write': 'Create and change alert rules',
  openid: 'Confirm your identity',
  profile: 'See your name and avatar',
  email: 'See your email address'
}

/** X:admin ⊃ X:write ⊃ X:read, and member:write ⊃ member:invite (docs/sentry.md §5). */
const IMPLIES: Readonly<Record<string, readonly string[]>> = {
  'org:admin': ['org:write', 'org:read', 'org:integrations'],
  'org:write': ['org:read'],
  'member:admin': ['member:write', 'member:read', 'member:invite'],
  'member:write': ['member:read', 'member:invite'],
  'team:admin': ['team:write', 'team:read'],
  'team:write': ['team:read'],
  'project:admin': ['project:write', 'project:read'],
  'project:write': ['project:read'],
  'event:admin': ['event:write', 'event:read'],
  'event:write': ['event:read'],
  'alerts:write': ['alerts:read']
}

export function expandScopes (scopes: Iterable<string>): Set<string> {
  const out = new Set<string>()
  for (const scope of scopes) {
    out.add(scope)
    for (const implied of IMPLIES[scope] ?? []) out.add(implied)
  }
  return out
}

/** `ScopedPermission.has_permission`: ANY one of the endpoint's scopes is enough (docs/sentry.md §4). */
export function hasAnyScope (tokenScopes: Iterable<string>, allowed: readonly string[]): boolean {
  const effective = expandScopes(tokenScopes)
  return allowed.some((scope) => effective.has(scope))
}

/** Required scopes per endpoint group, from the spec's `security.auth_token` (docs/sentry.md §5 table). */
export const ENDPOINT_SCOPES = {
  orgRead: ['org:read', 'org:write', 'org:admin'],
  projectRead: ['project:read', 'project:write', 'project:admin'],
  eventRead: ['event:read', 'event:write', 'event:admin'],
  eventWrite: ['event:write', 'event:admin'],
  releaseRead: ['project:read', 'project:write', 'project:admin', 'project:releases', 'org:ci'],
  memberRead: ['member:read', 'member:write', 'member:admin']
} as const satisfies Record<string, readonly string[]>
