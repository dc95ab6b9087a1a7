/** Project and ProjectKey (schema/project.graphql). */
import type { SentryProjectKey } from '../../sentry/types.js'
import { bool, date, json, record, requiredId, str, strList } from '../coerce.js'
import type { ProjectKey, Resolvers } from '../generated.js'
import { orgKey, toGlobalId } from '../global-id.js'
import type { ProjectModel } from '../models.js'
import { paginate } from '../pagination.js'
import { lazyProjectFields, listProjectKeys } from '../sentry-calls.js'
import { searchIssues } from './issue.js'
import { teams } from './team.js'

export function projectKey (raw: SentryProjectKey): ProjectKey {
  const dsn = record(raw.dsn) ?? {}
  return {
    id: requiredId('a client key', raw.id),
    name: str(raw.name) ?? '',
    label: str(raw.label),
    public: str(raw.public),
    isActive: bool(raw.isActive),
    dateCreated: date(raw.dateCreated),
    browserSdkVersion: str(raw.browserSdkVersion),
    rateLimit: json(raw.rateLimit),
    // The secret DSN is deliberately not exposed.
    dsn: {
      public: str(dsn.public),
      csp: str(dsn.csp),
      security: str(dsn.security),
      minidump: str(dsn.minidump),
      nel: str(dsn.nel),
      unreal: str(dsn.unreal),
      crons: str(dsn.crons),
      cdn: str(dsn.cdn)
    }
  }
}

const slugOf = (p: ProjectModel): string => str(p.data.slug) ?? str(p.data.id) ?? ''

export const projectResolvers = {
  Project: {
    id: (p) => requiredId('a project', p.data.id),
    globalId: (p) => toGlobalId('Project', orgKey(p.scope), requiredId('a project', p.data.id, p.data.slug)),
    slug: (p) => str(p.data.slug) ?? '',
    name: (p) => str(p.data.name) ?? str(p.data.slug) ?? '',
    raw: (p) => p.data,
    // Fields a project reference (as embedded in an issue) may lack: fetched only when asked for.
    ...lazyProjectFields({
      platform: str,
      dateCreated: date,
      firstEvent: date,
      status: str,
      isBookmarked: bool,
      isMember: bool,
      hasAccess: bool,
      color: str,
      features: strList,
      platforms: strList,
      environments: strList,
      teams
    }),
    keys: async (p, args, ctx) => await paginate(args,
      async (cursor, perPage) => await listProjectKeys(ctx, p.scope, slugOf(p), { cursor, perPage }), projectKey),
    issues: async (p, args, ctx, info) => await searchIssues(ctx, p.scope, { ...args, projects: [str(p.data.id) ?? slugOf(p)] }, info)
  }
} satisfies Resolvers
