/** Organizations, their projects (and client keys), teams and members. */
import { notFound } from '../http.js'
import type { ProjectRec } from '../model.js'
import { paginate, parsePerPage } from '../pagination.js'
import { ENDPOINT_SCOPES } from '../scopes.js'
import {
  serializeClientKey, serializeMember, serializeOrg, serializeProject, serializeProjectDetail, serializeTeam
} from '../serialize.js'
import { type ApiContext, type ApiRoute, requireOrg } from './router.js'

function matches (q: string | null, ...values: string[]): boolean {
  if (q === null || q.trim() === '') return true
  const needle = q.trim().toLowerCase()
  return values.some((v) => v.toLowerCase().includes(needle))
}

export function projectOf (ctx: ApiContext): ProjectRec {
  const org = requireOrg(ctx)
  const key = ctx.params.project_id_or_slug
  const project = ctx.state.data.projects.find((p) => p.orgId === org.id && (p.slug === key || p.id === key))
  if (project === undefined) throw notFound()
  return project
}

export const organizationRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/0/organizations/',
    scopes: ENDPOINT_SCOPES.orgRead,
    handler (ctx) {
      const { state, token, query } = ctx
      const perPage = parsePerPage(query)
      const owner = query.get('owner') === '1' || query.get('owner') === 'true'
      const orgs = state.data.orgs.filter((o) =>
        state.isMember(o.id, token.userId) &&
        // Org-scoped tokens see only their organization (docs/sentry.md §1, docs/api/auth.mdx).
        (token.orgId === null || o.id === token.orgId) &&
        (!owner || state.data.members.some((m) => m.orgId === o.id && m.userId === token.userId && m.orgRole === 'owner')) &&
        matches(query.get('query'), o.slug, o.name))
      return paginate(ctx.request, ctx.reply, orgs, perPage).map((o) => serializeOrg(state, o, token.userId))
    }
  },
  {
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/',
    scopes: ENDPOINT_SCOPES.orgRead,
    handler (ctx) {
      const org = requireOrg(ctx)
      const { state, token } = ctx
      const body = serializeOrg(state, org, token.userId, true)
      // `?detailed=0` drops projects and teams (docs/sentry.md §6).
      if (ctx.query.get('detailed') !== '0') {
        body.projects = state.data.projects.filter((p) => p.orgId === org.id).map((p) => serializeProject(state, p, token.userId))
        body.teams = state.data.teams.filter((t) => t.orgId === org.id).map((t) => serializeTeam(state, t, token.userId, false))
      }
      return body
    }
  },
  {
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/projects/',
    scopes: ENDPOINT_SCOPES.orgRead,
    handler (ctx) {
      const org = requireOrg(ctx)
      const perPage = parsePerPage(ctx.query)
      const rows = ctx.state.data.projects.filter((p) => p.orgId === org.id && matches(ctx.query.get('query'), p.slug, p.name))
      return paginate(ctx.request, ctx.reply, rows, perPage).map((p) => serializeProject(ctx.state, p, ctx.token.userId))
    }
  },
  {
    method: 'GET',
    path: '/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/',
    scopes: ENDPOINT_SCOPES.projectRead,
    handler: (ctx) => serializeProjectDetail(ctx.state, projectOf(ctx), requireOrg(ctx), ctx.token.userId)
  },
  {
    method: 'GET',
    path: '/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/keys/',
    scopes: ENDPOINT_SCOPES.projectRead,
    handler (ctx) {
      const project = projectOf(ctx)
      const status = ctx.query.get('status')
      // Every seeded key is active.
      const keys = status === 'inactive' ? [] : ctx.state.data.keys.filter((k) => k.projectId === project.id)
      return paginate(ctx.request, ctx.reply, keys, parsePerPage(ctx.query)).map((k) => serializeClientKey(ctx.state, k, project, requireOrg(ctx)))
    }
  },
  {
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/teams/',
    scopes: ENDPOINT_SCOPES.orgRead,
    handler (ctx) {
      const org = requireOrg(ctx)
      const perPage = parsePerPage(ctx.query)
      const rows = ctx.state.data.teams.filter((t) => t.orgId === org.id && matches(ctx.query.get('query'), t.slug, t.name))
      const withProjects = ctx.query.get('detailed') !== '0'
      return paginate(ctx.request, ctx.reply, rows, perPage).map((t) => serializeTeam(ctx.state, t, ctx.token.userId, withProjects))
    }
  },
  {
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/members/',
    scopes: ENDPOINT_SCOPES.memberRead,
    handler (ctx) {
      const org = requireOrg(ctx)
      const perPage = parsePerPage(ctx.query)
      const rows = ctx.state.data.members.filter((m) => m.orgId === org.id && matches(ctx.query.get('query'), m.email))
      return paginate(ctx.request, ctx.reply, rows, perPage).map((m) => serializeMember(ctx.state, m))
    }
  }
]
