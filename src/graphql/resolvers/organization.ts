/**
 * Organization (schema/organization.graphql, and the fields explore.graphql, health.graphql and
 * trace.graphql add to it): every Organization field is listed here; the performance-data ones
 * are written in resolvers/explore.ts, health.ts and trace.ts.
 */
import { date, json, list, record, strList } from '../coerce.js'
import type { Resolvers, StatsField, StatsGroupBy } from '../generated.js'
import { toGlobalId } from '../global-id.js'
import type { ProjectModel, ReleaseModel, Scope } from '../models.js'
import { paginate } from '../pagination.js'
import { fetchIssue, getProject, getRelease, listMembers, listProjects, listReleases, listTeams, organizationStats } from '../sentry-calls.js'
import { explore, timeseries, transactions } from './explore.js'
import { sessions } from './health.js'
import { searchIssues } from './issue.js'
import { member } from './member.js'
import { team } from './team.js'
import { organizationTrace } from './trace.js'

const STATS_FIELD: Record<StatsField, 'sum(quantity)' | 'sum(times_seen)'> = {
  SUM_QUANTITY: 'sum(quantity)',
  SUM_TIMES_SEEN: 'sum(times_seen)'
}

const projectModel = (scope: Scope, data: ProjectModel['data']): ProjectModel => ({ scope, data, full: true })
const releaseModel = (scope: Scope, data: ReleaseModel['data']): ReleaseModel => ({ scope, data })

export const organizationResolvers = {
  Organization: {
    globalId: (org) => toGlobalId('Organization', org.id),
    projects: async (org, args, ctx) => await paginate(args,
      async (cursor, perPage) => await listProjects(ctx, org.scope, { cursor, perPage }),
      (p) => projectModel(org.scope, p)),
    project: async (org, { slug }, ctx) => projectModel(org.scope, await getProject(ctx, org.scope, slug)),
    issues: async (org, args, ctx, info) => await searchIssues(ctx, org.scope, args, info),
    issue: async (org, { id }, ctx) => ({ scope: org.scope, data: await fetchIssue(ctx, org.scope, id), full: true }),
    teams: async (org, args, ctx) => await paginate(args,
      async (cursor, perPage) => await listTeams(ctx, org.scope, { cursor, perPage }), team),
    members: async (org, args, ctx) => await paginate(args,
      async (cursor, perPage) => await listMembers(ctx, org.scope, { cursor, perPage }), member),
    releases: async (org, args, ctx) => await paginate(args,
      async (cursor, perPage) => await listReleases(ctx, org.scope, { cursor, perPage, query: args.query ?? undefined }),
      (r) => releaseModel(org.scope, r)),
    release: async (org, { version }, ctx) => releaseModel(org.scope, await getRelease(ctx, org.scope, version)),
    stats: async (org, args, ctx) => {
      const raw = await organizationStats(ctx, org.scope, {
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
    },
    explore,
    timeseries,
    transactions,
    sessions,
    trace: organizationTrace
  }
} satisfies Resolvers
