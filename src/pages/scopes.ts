/**
 * What each Sentry scope lets this gateway do for you, in words, for the landing page.
 * The scope names are Sentry's (`SENTRY_SCOPES`, docs/sentry.md §5); config.ts refuses any other.
 */
export const SCOPE_WORDS: Readonly<Record<string, string>> = {
  'org:read': 'see your organizations, their settings and their projects',
  'org:write': 'change your organizations’ settings',
  'org:admin': 'administer your organizations, including deleting them',
  'org:integrations': 'manage your organizations’ integrations',
  'org:ci': 'upload releases and source maps as your CI would',
  'member:invite': 'invite new members to your organizations',
  'member:read': 'see who the members of your organizations are',
  'member:write': 'invite, change and remove members',
  'member:admin': 'administer members, including their roles',
  'team:read': 'see your teams',
  'team:write': 'create and change teams',
  'team:admin': 'administer teams, including deleting them',
  'project:read': 'see your projects and their client keys (DSNs)',
  'project:write': 'create and change projects',
  'project:admin': 'administer projects, including deleting them',
  'project:releases': 'see, create and change releases',
  'project:distribution': 'manage build distribution',
  'event:read': 'read issues and events, including stack traces, tags and request data',
  'event:write': 'resolve, ignore, assign and bookmark issues',
  'event:admin': 'delete issues and events',
  'alerts:read': 'see alert rules',
  'alerts:write': 'create and change alert rules',
  openid: 'confirm who you are on Sentry',
  profile: 'see your Sentry name and avatar',
  email: 'see your Sentry email address'
}

export function describeScope (scope: string): string {
  return SCOPE_WORDS[scope] ?? `use the “${scope}” permission`
}
