/** Issues: the organization's list, one issue (GET/PUT), and an issue's tags. */
import { issueTagValues, tagName } from '../events.js'
import { badRequest, forbidden, notFound } from '../http.js'
import { ISSUE_SORTS, compareIssues, parseIssueQuery } from '../issue-search.js'
import { updateIssue } from '../issue-update.js'
import type { IssueRec } from '../model.js'
import { paginate, parseLimit, parsePerPage } from '../pagination.js'
import { ENDPOINT_SCOPES } from '../scopes.js'
import { type Json, serializeIssueDetail, serializeIssueListItem } from '../serialize.js'
import { type ApiContext, type ApiRoute, requireOrg } from './router.js'

/** The issue of the path: a numeric id or a short id (e.g. FRONTEND-1A) of this organization. */
export function issueOf (ctx: ApiContext): IssueRec {
  const org = requireOrg(ctx)
  const key = ctx.params.issue_id ?? ''
  const issue = ctx.state.data.issues.find((i) => i.orgId === org.id && (i.id === key || i.shortId === key.toUpperCase()))
  if (issue === undefined) throw notFound()
  return issue
}

function listValues (q: URLSearchParams, name: string): string[] {
  return [...q.getAll(name), ...q.getAll(`${name}[]`)].filter((v) => v !== '')
}

/** `project=` ids or slugs (repeatable, -1 = all); a project outside the org is a 403, as in Sentry. */
function projectFilter (ctx: ApiContext): Set<string> | undefined {
  const org = requireOrg(ctx)
  const wanted = listValues(ctx.query, 'project')
  if (wanted.length === 0 || wanted.includes('-1')) return undefined
  const ids = new Set<string>()
  for (const value of wanted) {
    const p = ctx.state.data.projects.find((x) => x.orgId === org.id && (x.id === value || x.slug === value))
    if (p === undefined) throw forbidden()
    ids.add(p.id)
  }
  return ids
}

function issueTags (ctx: ApiContext, issue: IssueRec): Json[] {
  return [...issueTagValues(ctx.state, issue).entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, values]) => ({ key, name: tagName(key), totalValues: values.reduce((n, v) => n + v.count, 0) }))
}

function tagValuesOf (ctx: ApiContext): { key: string, values: Array<{ value: string, count: number, firstSeen: string, lastSeen: string }> } {
  const issue = issueOf(ctx)
  const key = ctx.params.key ?? ''
  const values = issueTagValues(ctx.state, issue).get(key)
  if (values === undefined) throw notFound()
  return { key, values }
}

const tagValue = (key: string) => (v: { value: string, count: number, firstSeen: string, lastSeen: string }): Json =>
  ({ key, name: v.value, value: v.value, count: v.count, lastSeen: v.lastSeen, firstSeen: v.firstSeen })

export const issueRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/issues/',
    scopes: ENDPOINT_SCOPES.eventRead,
    handler (ctx) {
      const org = requireOrg(ctx)
      const { query: q, state } = ctx
      const limit = parseLimit(q)
      const sort = q.get('sort') ?? 'date'
      if (!(ISSUE_SORTS as readonly string[]).includes(sort)) throw badRequest('Invalid sort parameter')
      const groupStatsPeriod = q.get('groupStatsPeriod') ?? '24h'
      if (!['', '14d', '24h', 'auto'].includes(groupStatsPeriod)) throw badRequest('Invalid groupStatsPeriod')
      const projects = projectFilter(ctx)
      const environments = listValues(q, 'environment')
      // statsPeriod/start/end are accepted but do not filter: the seed lies in a fixed past.
      const query = q.has('query') ? q.get('query') ?? '' : 'is:unresolved'
      const teamIds = state.data.teams.filter((t) => t.orgId === org.id && t.memberUserIds.includes(ctx.token.userId)).map((t) => t.id)
      const match = parseIssueQuery(query, state, { userId: ctx.token.userId, teamIds })

      let rows = state.data.issues.filter((i) =>
        i.orgId === org.id &&
        (projects === undefined || projects.has(i.projectId)) &&
        (environments.length === 0 || i.environments.some((e) => environments.includes(e))) &&
        match(i))
      // shortIdLookup=1 with a query that is exactly a short id returns that issue alone.
      if (q.get('shortIdLookup') === '1') {
        const direct = state.data.issues.find((i) => i.orgId === org.id && i.shortId === query.trim().toUpperCase())
        if (direct !== undefined) rows = [direct]
      }
      rows.sort(compareIssues(sort))
      ctx.reply.header('X-Hits', String(rows.length)).header('X-Max-Hits', '1000')
      const opts = {
        statsPeriod: (groupStatsPeriod === 'auto' ? '24h' : groupStatsPeriod) as '24h' | '14d' | '',
        collapse: new Set(listValues(q, 'collapse')),
        expand: new Set(listValues(q, 'expand')),
        filtered: query.trim() !== '' || environments.length > 0
      }
      return paginate(ctx.request, ctx.reply, rows, limit).map((i) => serializeIssueListItem(state, i, opts))
    }
  },
  {
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/',
    scopes: ENDPOINT_SCOPES.eventRead,
    handler (ctx) {
      const issue = issueOf(ctx)
      const body = serializeIssueDetail(ctx.state, issue, issueTags(ctx, issue), ctx.token.userId, new Set(listValues(ctx.query, 'expand')))
      const collapse = new Set(listValues(ctx.query, 'collapse'))
      if (collapse.has('stats')) delete body.stats
      if (collapse.has('tags')) delete body.tags
      if (collapse.has('release')) { delete body.firstRelease; delete body.lastRelease }
      return body
    }
  },
  {
    method: 'PUT',
    path: '/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/',
    scopes: ENDPOINT_SCOPES.eventWrite,
    handler (ctx) {
      const org = requireOrg(ctx)
      const issue = issueOf(ctx)
      const outcome = updateIssue(ctx.state, org, issue, ctx.request.body ?? {}, ctx.state.now())
      if (outcome === 'discarded') {
        ctx.state.data.issues = ctx.state.data.issues.filter((i) => i !== issue)
        return ctx.reply.code(204).send()
      }
      // The response is the whole updated issue, not a delta (GroupDetailsEndpoint.put).
      return serializeIssueDetail(ctx.state, issue, issueTags(ctx, issue), ctx.token.userId)
    }
  },
  {
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/tags/{key}/',
    scopes: ENDPOINT_SCOPES.eventRead,
    handler (ctx) {
      const { key, values } = tagValuesOf(ctx)
      const total = values.reduce((n, v) => n + v.count, 0)
      return { key, name: tagName(key), uniqueValues: values.length, totalValues: total, topValues: values.slice(0, 9).map(tagValue(key)) }
    }
  },
  {
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/tags/{key}/values/',
    scopes: ENDPOINT_SCOPES.eventRead,
    handler (ctx) {
      const { key, values } = tagValuesOf(ctx)
      return paginate(ctx.request, ctx.reply, values, parsePerPage(ctx.query)).map(tagValue(key))
    }
  }
]
