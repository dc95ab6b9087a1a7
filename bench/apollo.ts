/**
 * The "obvious alternative" for `npm run bench`: Apollo Server 5 with a RESTDataSource over the
 * same Sentry (the emulator), written the way their docs show
 * (https://www.apollographql.com/docs/apollo-server/data/fetching-rest), with a fixed token: no
 * sessions, no database, no encryption, no limits. The schema is the subset the bench's queries
 * use, with the gateway's field names, so the same query text runs on both.
 * Env: UPSTREAM_URL, UPSTREAM_TOKEN, ISSUE_LIST_COLLAPSE (the gateway's `collapse=…` query for the
 * issue list, from bench/run.ts), PORT (0 = any); prints `apollo listening at <url>`.
 */
import { ApolloServer } from '@apollo/server'
import { startStandaloneServer } from '@apollo/server/standalone'
import { RESTDataSource, type AugmentedRequest } from '@apollo/datasource-rest'

const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:9010'
const token = process.env.UPSTREAM_TOKEN ?? ''
/** The gateway's `collapse=…` query for the issue list (bench/run.ts). */
const issueListCollapse = process.env.ISSUE_LIST_COLLAPSE ?? ''

class SentryAPI extends RESTDataSource {
  override baseURL = `${upstream}/api/0/`

  override willSendRequest (_path: string, request: AugmentedRequest): void {
    request.headers.authorization = `Bearer ${token}`
  }

  async projects (org: string, first: number): Promise<unknown[]> {
    return await this.get(`organizations/${encodeURIComponent(org)}/projects/`, { params: { per_page: String(first) } })
  }

  async issues (org: string, first: number): Promise<unknown[]> {
    // The gateway's upstream call: Sentry leaves out what this schema does not read.
    const params = new URLSearchParams(issueListCollapse)
    params.set('limit', String(first))
    return await this.get(`organizations/${encodeURIComponent(org)}/issues/`, { params })
  }

  async issue (org: string, id: string): Promise<Record<string, unknown>> {
    return await this.get(`organizations/${encodeURIComponent(org)}/issues/${encodeURIComponent(id)}/`)
  }

  async latestEvent (org: string, id: string): Promise<unknown> {
    return await this.get(`organizations/${encodeURIComponent(org)}/issues/${encodeURIComponent(id)}/events/latest/`)
  }

  async timeseries (org: string, params: Record<string, string | string[]>): Promise<{ timeSeries: Array<Record<string, any>> }> {
    const search = new URLSearchParams()
    for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) search.append(k, x)
    return await this.get(`organizations/${encodeURIComponent(org)}/events-timeseries/`, { params: search })
  }

  async events (org: string, id: string, first: number): Promise<unknown[]> {
    return await this.get(`organizations/${encodeURIComponent(org)}/issues/${encodeURIComponent(id)}/events/`, { params: { per_page: String(first) } })
  }
}

const typeDefs = `#graphql
  type Query { organization(slug: String!): Organization }
  type Organization {
    slug: String!
    projects(first: Int = 25): ProjectConnection!
    issues(first: Int = 25): IssueConnection!
    issue(id: ID!): Issue
    timeseries(dataset: ExploreDataset!, yAxis: [String!]!, query: String, groupBy: [String!], topEvents: Int, sort: String, statsPeriod: String, interval: String): TimeSeriesResult
  }
  enum ExploreDataset { SPANS ERRORS LOGS }
  type TimeSeriesResult { series: [TimeSeries!]! }
  type TimeSeries { yAxis: String!, groupBy: [GroupByValue!]!, isOther: Boolean!, valueUnit: String, points: [TimeSeriesPoint!]! }
  type GroupByValue { key: String!, value: String }
  type TimeSeriesPoint { timestamp: String!, value: Float, incomplete: Boolean! }
  type Project { id: ID!, slug: String!, name: String!, platform: String }
  type ProjectConnection { nodes: [Project!]! }
  type IssueProject { id: ID!, slug: String! }
  type Issue {
    id: ID!
    title: String!
    project: IssueProject!
    latestEvent: Event
    events(first: Int = 25): EventConnection!
  }
  type IssueConnection { nodes: [Issue!]! }
  type Event { id: ID!, eventID: String!, title: String! }
  type EventConnection { nodes: [Event!]! }
`

interface Context { dataSources: { sentry: SentryAPI } }
interface Org { slug: string }
interface IssueParent { id: string, org: string }

const resolvers = {
  Query: {
    organization: (_: unknown, args: { slug: string }): Org => ({ slug: args.slug })
  },
  Organization: {
    projects: async (org: Org, args: { first: number }, ctx: Context) => ({ nodes: await ctx.dataSources.sentry.projects(org.slug, args.first) }),
    issues: async (org: Org, args: { first: number }, ctx: Context) => ({
      nodes: (await ctx.dataSources.sentry.issues(org.slug, args.first)).map(i => ({ ...(i as object), org: org.slug }))
    }),
    issue: async (org: Org, args: { id: string }, ctx: Context) => ({ ...(await ctx.dataSources.sentry.issue(org.slug, args.id)), org: org.slug }),
    timeseries: async (org: Org, args: { dataset: string, yAxis: string[], query?: string, groupBy?: string[], topEvents?: number, sort?: string, statsPeriod?: string, interval?: string }, ctx: Context) => {
      const params: Record<string, string | string[]> = { dataset: args.dataset.toLowerCase(), yAxis: args.yAxis }
      for (const k of ['query', 'groupBy', 'sort', 'statsPeriod', 'interval'] as const) if (args[k] !== undefined) params[k] = args[k] as string | string[]
      if (args.topEvents !== undefined) params.topEvents = String(args.topEvents)
      const body = await ctx.dataSources.sentry.timeseries(org.slug, params)
      return {
        series: body.timeSeries.map(s => ({
          yAxis: s.yAxis,
          groupBy: s.groupBy ?? [],
          isOther: s.meta?.isOther === true,
          valueUnit: s.meta?.valueUnit ?? null,
          points: (s.values as Array<Record<string, any>>).map(v => ({ timestamp: new Date(v.timestamp).toISOString(), value: v.value, incomplete: v.incomplete === true }))
        }))
      }
    }
  },
  Issue: {
    latestEvent: async (issue: IssueParent, _: unknown, ctx: Context) => await ctx.dataSources.sentry.latestEvent(issue.org, issue.id),
    events: async (issue: IssueParent, args: { first: number }, ctx: Context) => ({ nodes: await ctx.dataSources.sentry.events(issue.org, issue.id, args.first) })
  }
}

const server = new ApolloServer<Context>({ typeDefs, resolvers })
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT ?? 0), host: '127.0.0.1' },
  // One data source per request, as Apollo's docs do (its request deduplication is per instance).
  context: async () => ({ dataSources: { sentry: new SentryAPI() } })
})
console.log(`apollo listening at ${url.replace(/\/$/, '').replace('localhost', '127.0.0.1')}`)
