/**
 * Where a GraphQL field becomes a Sentry REST call: every upstream call a resolver makes is a
 * function here. Each takes the parent's scope (the connection and organization it was read
 * through) and arguments already in Sentry's terms, and calls `gw.client(connectionId)`, whose
 * methods are the REST endpoints (src/sentry/, docs/sentry.md). Resolvers (src/graphql/resolvers/)
 * only translate GraphQL arguments and map Sentry's JSON to the schema.
 *
 * Objects several fields or list items may ask for (a project, an issue, an event, a trace) are
 * read through `gw.once`: each distinct object is fetched once per request and connection,
 * whatever field asked for it. A field whose value is already in the parent (e.g. the project
 * embedded in an issue) makes no call at all (`lazyFields`). Nothing is batched: Sentry has no
 * batch endpoints for these objects.
 */
import type { MercuriusContext } from 'mercurius'
import { isGatewayError } from '../errors.js'
import type { ExploreTableArgs, ExploreTablePage, TimeseriesArgs, TimeseriesBody } from '../sentry/explore.js'
import type { SessionsArgs, SessionsPage } from '../sentry/sessions.js'
import type { TraceNode } from '../sentry/traces.js'
import type {
  ListIssuesArgs, Page, PageArgs, SentryEvent, SentryIssue, SentryMember, SentryProject, SentryProjectKey, SentryRelease,
  SentryTagValue, SentryTeam, StatsArgs, UpdateIssueInput
} from '../sentry/types.js'
import type { Readers } from './coerce.js'
import type { EventModel, IssueModel, ProjectModel, Scope } from './models.js'
import type { TraceModel } from './performance-models.js'

type Ctx = MercuriusContext

const key = (kind: string, scope: Scope, ...parts: string[]): string =>
  [kind, scope.connectionId, scope.org, ...parts].join('\u0000')

const client = (ctx: Ctx, scope: Scope) => ctx.gw.client(scope.connectionId)

// ---- Objects many fields share: once per request and connection ----

export async function fetchProject (ctx: Ctx, scope: Scope, project: string): Promise<SentryProject> {
  return await ctx.gw.once(key('project', scope, project), async () => await client(ctx, scope).projects.get(scope.org, project))
}

export async function fetchIssue (ctx: Ctx, scope: Scope, issueId: string): Promise<SentryIssue> {
  return await ctx.gw.once(key('issue', scope, issueId), async () => await client(ctx, scope).issues.get(scope.org, issueId))
}

/** The full event (entries, contexts…) of an event listed under an issue. */
export async function fetchFullEvent (ctx: Ctx, model: EventModel): Promise<SentryEvent> {
  const { scope, data, issueId } = model
  const eventId = data.eventID ?? data.id
  return await ctx.gw.once(key('event', scope, issueId, eventId), async () => await client(ctx, scope).issues.getEvent(scope.org, issueId, eventId))
}

/** The newest event of an issue; null for an issue without events. */
export async function fetchLatestEvent (ctx: Ctx, scope: Scope, issueId: string): Promise<SentryEvent | null> {
  try {
    return await ctx.gw.once(key('event', scope, issueId, 'latest'), async () => await client(ctx, scope).issues.getEvent(scope.org, issueId, 'latest'))
  } catch (err) {
    if (isGatewayError(err) && err.code === 'NOT_FOUND') return null
    throw err
  }
}

/** A trace's roots as Sentry sends them (`traceId` already checked). */
export async function fetchTrace (ctx: Ctx, scope: Scope, traceId: string, range: TraceModel['range']): Promise<TraceNode[]> {
  return await ctx.gw.once(key('trace', scope, traceId, JSON.stringify(range)), async () =>
    await client(ctx, scope).traces.get(scope.org, { traceId, ...range }))
}

/** trace-meta, asked with the time range the trace was read with. */
export async function fetchTraceMeta (ctx: Ctx, trace: TraceModel): Promise<Record<string, unknown>> {
  const { scope, traceId, range } = trace
  return await ctx.gw.once(key('trace-meta', scope, traceId, JSON.stringify(range)), async () =>
    await client(ctx, scope).traces.meta(scope.org, { traceId, ...range }))
}

// ---- Fields a list item may lack: from the parent when it has them, else from the full object ----

type LazyFields<TParent, TReaders extends Readers> = {
  [K in keyof TReaders]: (parent: TParent, args: unknown, ctx: Ctx) => Promise<ReturnType<TReaders[K]>>
}
interface PartialParent { data: Record<string, unknown>, full: boolean }

/**
 * Resolvers for fields that a partial parent (a list item, an embedded reference) may lack: each
 * reads `data[key]` (the field's name, or the key given in `from`) of the parent when it is
 * full or has the key, else of the full object, read once per request by `fetchFull`.
 */
function lazyFields<TParent extends PartialParent> (fetchFull: (ctx: Ctx, parent: TParent) => Promise<Record<string, unknown>>) {
  return <TReaders extends Readers>(readers: TReaders, from: { [K in keyof TReaders]?: string } = {}): LazyFields<TParent, TReaders> =>
    // One resolver per reader, keyed like `readers`: what LazyFields says, which
    // Object.fromEntries cannot express.
    Object.fromEntries(Object.entries(readers).map(([field, read]) => {
      const name = from[field] ?? field
      return [field, async (parent: TParent, _args: unknown, ctx: Ctx) =>
        read((parent.full || name in parent.data ? parent.data : await fetchFull(ctx, parent))[name])]
    })) as LazyFields<TParent, TReaders>
}

/** Project fields an embedded reference (id, slug, name, platform?) lacks: from the project endpoint. */
export const lazyProjectFields = lazyFields<ProjectModel>(async (ctx, p) => await fetchProject(ctx, p.scope, p.data.slug ?? p.data.id))
/** Issue fields that list items lack (e.g. `tags`): from the issue endpoint. */
export const lazyIssueFields = lazyFields<IssueModel>(async (ctx, i) => await fetchIssue(ctx, i.scope, i.data.id))
/** Event fields that list items lack (entries, contexts…): from the full event. */
export const lazyEventFields = lazyFields<EventModel>(fetchFullEvent)

// ---- Each field's own call (lists and single reads one field asks for) ----

export const listProjects = async (ctx: Ctx, scope: Scope, page: PageArgs): Promise<Page<SentryProject>> =>
  await client(ctx, scope).projects.list(scope.org, page)
export const getProject = async (ctx: Ctx, scope: Scope, slug: string): Promise<SentryProject> =>
  await client(ctx, scope).projects.get(scope.org, slug)
export const listProjectKeys = async (ctx: Ctx, scope: Scope, project: string, page: PageArgs): Promise<Page<SentryProjectKey>> =>
  await client(ctx, scope).projects.listKeys(scope.org, project, page)
export const listTeams = async (ctx: Ctx, scope: Scope, page: PageArgs): Promise<Page<SentryTeam>> =>
  await client(ctx, scope).teams.list(scope.org, page)
export const listMembers = async (ctx: Ctx, scope: Scope, page: PageArgs): Promise<Page<SentryMember>> =>
  await client(ctx, scope).members.list(scope.org, page)
export const listReleases = async (ctx: Ctx, scope: Scope, args: PageArgs & { query?: string }): Promise<Page<SentryRelease>> =>
  await client(ctx, scope).releases.list(scope.org, args)
export const getRelease = async (ctx: Ctx, scope: Scope, version: string): Promise<SentryRelease> =>
  await client(ctx, scope).releases.get(scope.org, version)
export const organizationStats = async (ctx: Ctx, scope: Scope, args: StatsArgs): Promise<Record<string, unknown>> =>
  await client(ctx, scope).stats.organization(scope.org, args)
export const listIssues = async (ctx: Ctx, scope: Scope, args: ListIssuesArgs): Promise<Page<SentryIssue>> =>
  await client(ctx, scope).issues.list(scope.org, args)
export const updateIssue = async (ctx: Ctx, scope: Scope, issueId: string, input: UpdateIssueInput): Promise<SentryIssue> =>
  await client(ctx, scope).issues.update(scope.org, issueId, input)
export const listIssueEvents = async (ctx: Ctx, scope: Scope, issueId: string, args: PageArgs & { full?: boolean }): Promise<Page<SentryEvent>> =>
  await client(ctx, scope).issues.listEvents(scope.org, issueId, args)
/** One event of an issue, by id (Query.node). */
export const getIssueEvent = async (ctx: Ctx, scope: Scope, issueId: string, eventId: string): Promise<SentryEvent> =>
  await client(ctx, scope).issues.getEvent(scope.org, issueId, eventId)
export const listTagValues = async (ctx: Ctx, scope: Scope, issueId: string, tag: string, page: PageArgs): Promise<Page<SentryTagValue>> =>
  await client(ctx, scope).issues.listTagValues(scope.org, issueId, tag, page)
export const exploreTable = async (ctx: Ctx, scope: Scope, args: ExploreTableArgs): Promise<ExploreTablePage> =>
  await client(ctx, scope).explore.table(scope.org, args)
export const exploreTimeseries = async (ctx: Ctx, scope: Scope, args: TimeseriesArgs): Promise<TimeseriesBody> =>
  await client(ctx, scope).explore.timeseries(scope.org, args)
export const listSessions = async (ctx: Ctx, scope: Scope, args: SessionsArgs): Promise<SessionsPage> =>
  await client(ctx, scope).sessions.list(scope.org, args)
