/** Events: an issue's list, one of its events (by id or latest/oldest/recommended), a project's event. */
import { buildEvent, buildEventListItem } from '../events.js'
import { notFound } from '../http.js'
import type { IssueRec } from '../model.js'
import { paginate, parsePerPage } from '../pagination.js'
import { ENDPOINT_SCOPES } from '../scopes.js'
import { issueOf } from './issues.js'
import { projectOf } from './organizations.js'
import type { ApiContext, ApiRoute } from './router.js'

const EVENT_ID = /^[0-9a-f]{32}$/

/** Indexes of the issue's events in this environment (all when none is given), oldest first. */
function eventIndexes (ctx: ApiContext, issue: IssueRec): number[] {
  const envs = ctx.query.getAll('environment').filter((e) => e !== '')
  return issue.events.flatMap((e, i) => envs.length === 0 || envs.includes(e.environment) ? [i] : [])
}

export const eventRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/',
    scopes: ENDPOINT_SCOPES.eventRead,
    handler (ctx) {
      const issue = issueOf(ctx)
      const perPage = parsePerPage(ctx.query)
      const full = ['1', 'true', 'True'].includes(ctx.query.get('full') ?? '')
      const newestFirst = eventIndexes(ctx, issue).reverse()
      return paginate(ctx.request, ctx.reply, newestFirst, perPage)
        .map((i) => full ? buildEvent(ctx.state, issue, i) : buildEventListItem(ctx.state, issue, i))
    }
  },
  {
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/{event_id}/',
    scopes: ENDPOINT_SCOPES.eventRead,
    handler (ctx) {
      const issue = issueOf(ctx)
      const indexes = eventIndexes(ctx, issue)
      const id = ctx.params.event_id ?? ''
      // "recommended" picks the most helpful event; here, like "latest", the newest one.
      const index = id === 'latest' || id === 'recommended'
        ? indexes.at(-1)
        : id === 'oldest' ? indexes[0] : indexes.find((i) => issue.events[i]?.eventId === id.toLowerCase())
      if (index === undefined) throw notFound()
      return buildEvent(ctx.state, issue, index)
    }
  },
  {
    method: 'GET',
    path: '/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/events/{event_id}/',
    scopes: ENDPOINT_SCOPES.projectRead,
    handler (ctx) {
      const project = projectOf(ctx)
      const id = ctx.params.event_id ?? ''
      // The spec's pattern for event_id; anything else matches no URL in Sentry.
      if (!EVENT_ID.test(id)) throw notFound()
      for (const issue of ctx.state.data.issues) {
        if (issue.projectId !== project.id) continue
        const index = issue.events.findIndex((e) => e.eventId === id)
        if (index !== -1) return buildEvent(ctx.state, issue, index)
      }
      throw notFound()
    }
  }
]
