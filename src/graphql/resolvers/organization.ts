import type { SentryMember, SentryTeam } from '../../sentry/types.js'
import { bool, date, int, json, list, record, requiredId, str, strList } from '../coerce.js'
import type { IssueSort, Member, Resolvers, StatsField, StatsGroupBy, Team } from '../generated.js'
import type { ProjectModel, ReleaseModel, Scope } from '../models.js'
import { fetchIssue } from '../loaders.js'
import { paginate } from '../pagination.js'
import { listIssues } from './issue.js'

const STATS_FIELD: Record<StatsField, 'sum(quantity)' | 'sum(times_seen)'> = {
  SUM_QUANTITY: 'sum(quantity)',
  SUM_TIMES_SEEN: 'sum(times_seen)'
}

export const projectModel = (scope: Scope, data: ProjectModel['data']): ProjectModel => ({ scope, data, full: true })
export const releaseModel = (scope: Scope, data: ReleaseModel['data']): ReleaseModel => ({ scope, data })

export function team (raw: SentryTeam | Record<string, unknown>): Team {
  return {
    id: requiredId('a team', raw.id),
    slug: str(raw.slug) ?? '',
    name: str(raw.name) ?? str(raw.slug) ?? '',
    dateCreated: date(raw.dateCreated),
    isMember: bool(raw.isMember),
    memberCount: int(raw.memberCount),
    hasAccess: bool(raw.hasAccess),
    teamRole: str(raw.teamRole)
  }
}

export function member (raw: SentryMember): Member {
  const user = record(raw.user)
  return {
    id: requiredId('a member', raw.id),
    email: str(raw.email) ?? '',
    name: str(raw.name),
    orgRole: str(raw.orgRole ?? raw.role),
    pending: bool(raw.pending),
    expired: bool(raw.expired),
    inviteStatus: str(raw.inviteStatus),
    dateCreated: date(raw.dateCreated),
    // A pending invite has no user yet; a user without an id is as good as none.
    user: user === null || str(user.id) === null
      ? null
      : { id: requiredId('a member\'s user', user.id), name: str(user.name), username: str(user.username), email: str(user.email) }
  }
}

export const sortArg = (sort: IssueSort | null | undefined): 'date' | 'freq' | 'inbox' | 'new' | 'recommended' | 'trends' | 'user' | undefined =>
  sort == null ? undefined : sort.toLowerCase() as 'date'

export const organizationResolvers: Resolvers = {
  Organization: {
    projects: async (org, args, { gw }) => await paginate(args,
      async (cursor, perPage) => await gw.client(org.scope.connectionId).projects.list(org.scope.org, { cursor, perPage }),
      (p) => projectModel(org.scope, p)),
    project: async (org, { slug }, { gw }) =>
      projectModel(org.scope, await gw.client(org.scope.connectionId).projects.get(org.scope.org, slug)),
    issues: async (org, args, ctx, info) => await listIssues(ctx, org.scope, args, info),
    issue: async (org, { id }, ctx) => ({ scope: org.scope, data: await fetchIssue(ctx, org.scope, id), full: true }),
    teams: async (org, args, { gw }) => await paginate(args,
      async (cursor, perPage) => await gw.client(org.scope.connectionId).teams.list(org.scope.org, { cursor, perPage }), team),
    members: async (org, args, { gw }) => await paginate(args,
      async (cursor, perPage) => await gw.client(org.scope.connectionId).members.list(org.scope.org, { cursor, perPage }), member),
    releases: async (org, args, { gw }) => await paginate(args,
      async (cursor, perPage) => await gw.client(org.scope.connectionId).releases.list(org.scope.org, { cursor, perPage, query: args.query ?? undefined }),
      (r) => releaseModel(org.scope, r)),
    release: async (org, { version }, { gw }) =>
      releaseModel(org.scope, await gw.client(org.scope.connectionId).releases.get(org.scope.org, version)),
    stats: async (org, args, { gw }) => {
      const raw = await gw.client(org.scope.connectionId).stats.organization(org.scope.org, {
        field: STATS_FIELD[args.field],
        groupBy: args.groupBy.map((g: StatsGroupBy) => g.toLowerCase()),
        statsPeriod: args.statsPeriod ?? undefined,
        interval: args.interval ?? undefined,
        category: args.category ?? undefined
      })
      return {
        start: date(raw.start),
        end: date(raw.end),
        intervals: (strList(raw.intervals) ?? []).map(date).filter((d): d is string => d !== null),
        groups: list(raw.groups).map((g) => {
          const group = record(g) ?? {}
          return { by: json(group.by) ?? {}, totals: json(group.totals) ?? {}, series: json(group.series) ?? {} }
        })
      }
    }
  }
}
