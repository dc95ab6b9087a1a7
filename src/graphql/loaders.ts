/**
 * Mercurius loaders: fields that fan out per parent. Mercurius batches every (parent, args) pair
 * of a field within one request and caches the answers for the request; below, each batch is
 * grouped by connection (the `gw.once` keys start with the connection id) so that every
 * distinct Sentry object is fetched once per request and connection, whatever field or list
 * asked for it. A field whose value is already in the parent (e.g. the project embedded in an
 * issue) makes no call at all.
 */
import type { MercuriusContext } from 'mercurius'
import { isGatewayError } from '../errors.js'
import type { SentryEvent, SentryIssue, SentryProject } from '../sentry/types.js'
import type { EventModel, IssueModel, ProjectModel, Scope } from './models.js'

export interface LoaderQuery<TObj, TParams> {
  obj: TObj
  params: TParams
}

export type LoaderFn<TObj, TParams = Record<string, never>> =
  (queries: Array<LoaderQuery<TObj, TParams>>, ctx: MercuriusContext) => Promise<unknown[]>

/** Each item settles on its own: one failing parent errors its own field, not the batch. */
export async function settle<TObj, TParams> (
  queries: Array<LoaderQuery<TObj, TParams>>,
  resolve: (query: LoaderQuery<TObj, TParams>) => Promise<unknown>
): Promise<unknown[]> {
  return await Promise.all(queries.map(async (q) => {
    try {
      return await resolve(q)
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err))
    }
  }))
}

const key = (kind: string, scope: Scope, ...parts: string[]): string =>
  [kind, scope.connectionId, scope.org, ...parts].join('\u0000')

export async function fetchProject (ctx: MercuriusContext, scope: Scope, project: string): Promise<SentryProject> {
  return await ctx.gw.once(key('project', scope, project), async () =>
    await ctx.gw.client(scope.connectionId).projects.get(scope.org, project))
}

export async function fetchIssue (ctx: MercuriusContext, scope: Scope, issueId: string): Promise<SentryIssue> {
  return await ctx.gw.once(key('issue', scope, issueId), async () =>
    await ctx.gw.client(scope.connectionId).issues.get(scope.org, issueId))
}

/** The full event (entries, contexts…) of an event listed under an issue. */
export async function fetchFullEvent (ctx: MercuriusContext, model: EventModel): Promise<SentryEvent> {
  const { scope, data, issueId } = model
  const eventId = data.eventID ?? data.id
  return await ctx.gw.once(key('event', scope, issueId, eventId), async () =>
    await ctx.gw.client(scope.connectionId).issues.getEvent(scope.org, issueId, eventId))
}

/** A Project field: from the parent when it has it, else from the project endpoint. */
export function projectField (name: string, pick: (data: Record<string, unknown>) => unknown): LoaderFn<ProjectModel> {
  return async (queries, ctx) => await settle(queries, async ({ obj }) => {
    if (obj.full || name in obj.data) return pick(obj.data)
    return pick(await fetchProject(ctx, obj.scope, obj.data.slug ?? obj.data.id))
  })
}

/** An Issue field that list items lack: from the issue endpoint unless the parent is full. */
export function issueField (name: string, pick: (data: Record<string, unknown>) => unknown): LoaderFn<IssueModel> {
  return async (queries, ctx) => await settle(queries, async ({ obj }) => {
    if (obj.full || name in obj.data) return pick(obj.data)
    return pick(await fetchIssue(ctx, obj.scope, obj.data.id))
  })
}

/** An Event field that list items lack (entries, contexts…): from the full event. */
export function eventField (name: string, pick: (data: Record<string, unknown>) => unknown): LoaderFn<EventModel> {
  return async (queries, ctx) => await settle(queries, async ({ obj }) => {
    if (obj.full || name in obj.data) return pick(obj.data)
    return pick(await fetchFullEvent(ctx, obj))
  })
}

/** The newest event of each issue; null for an issue without events. */
export const latestEventLoader: LoaderFn<IssueModel> = async (queries, ctx) => await settle(queries, async ({ obj }) => {
  const { scope } = obj
  try {
    const data = await ctx.gw.once(key('event', scope, obj.data.id, 'latest'), async () =>
      await ctx.gw.client(scope.connectionId).issues.getEvent(scope.org, obj.data.id, 'latest'))
    const model: EventModel = { scope, issueId: obj.data.id, data, full: true }
    return model
  } catch (err) {
    if (isGatewayError(err) && err.code === 'NOT_FOUND') return null
    throw err
  }
})
