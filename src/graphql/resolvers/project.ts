import type { SentryProjectKey } from '../../sentry/types.js'
import { bool, date, json, list, record, requiredId, str, strList } from '../coerce.js'
import type { ProjectKey, Resolvers } from '../generated.js'
import { type LoaderFn, projectField } from '../loaders.js'
import type { ProjectModel } from '../models.js'
import { paginate } from '../pagination.js'
import { listIssues } from './issue.js'
import { team } from './organization.js'

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

export const projectResolvers: Resolvers = {
  Project: {
    id: (p) => requiredId('a project', p.data.id),
    slug: (p) => str(p.data.slug) ?? '',
    name: (p) => str(p.data.name) ?? str(p.data.slug) ?? '',
    raw: (p) => p.data,
    keys: async (p, args, { gw }) => await paginate(args,
      async (cursor, perPage) => await gw.client(p.scope.connectionId).projects.listKeys(p.scope.org, slugOf(p), { cursor, perPage }), projectKey),
    issues: async (p, args, ctx) => await listIssues(ctx, p.scope, { ...args, projects: [str(p.data.id) ?? slugOf(p)] })
  }
}

/** Fields a project reference (as embedded in an issue) may lack: fetched only when asked for. */
export const projectLoaders: { Project: Record<string, LoaderFn<ProjectModel>> } = {
  Project: {
    platform: projectField('platform', (d) => str(d.platform)),
    dateCreated: projectField('dateCreated', (d) => date(d.dateCreated)),
    firstEvent: projectField('firstEvent', (d) => date(d.firstEvent)),
    status: projectField('status', (d) => str(d.status)),
    isBookmarked: projectField('isBookmarked', (d) => bool(d.isBookmarked)),
    isMember: projectField('isMember', (d) => bool(d.isMember)),
    hasAccess: projectField('hasAccess', (d) => bool(d.hasAccess)),
    color: projectField('color', (d) => str(d.color)),
    features: projectField('features', (d) => strList(d.features)),
    platforms: projectField('platforms', (d) => strList(d.platforms)),
    environments: projectField('environments', (d) => strList(d.environments)),
    teams: projectField('teams', (d) => Array.isArray(d.teams)
      ? list(d.teams).map((t) => record(t)).filter((t): t is Record<string, unknown> => t !== null).map(team)
      : null)
  }
}
