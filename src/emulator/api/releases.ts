/** Releases of an organization. */
import { forbidden, notFound } from '../http.js'
import { paginate, parsePerPage } from '../pagination.js'
import { ENDPOINT_SCOPES } from '../scopes.js'
import { serializeRelease } from '../serialize.js'
import { type ApiRoute, requireOrg } from './router.js'

export const releaseRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/releases/',
    scopes: ENDPOINT_SCOPES.releaseRead,
    handler (ctx) {
      const org = requireOrg(ctx)
      const perPage = parsePerPage(ctx.query)
      const needle = (ctx.query.get('query') ?? '').trim().toLowerCase()
      const wanted = ctx.query.getAll('project').filter((p) => p !== '' && p !== '-1')
      const projectIds = wanted.map((value) => {
        const p = ctx.state.data.projects.find((x) => x.orgId === org.id && (x.id === value || x.slug === value))
        if (p === undefined) throw forbidden()
        return p.id
      })
      const rows = ctx.state.data.releases
        .filter((r) => r.orgId === org.id &&
          (needle === '' || r.version.toLowerCase().includes(needle)) &&
          (projectIds.length === 0 || r.projectIds.some((id) => projectIds.includes(id))))
        .reverse() // newest first
      return paginate(ctx.request, ctx.reply, rows, perPage).map((r) => serializeRelease(ctx.state, r))
    }
  },
  {
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/releases/{version}/',
    scopes: ENDPOINT_SCOPES.releaseRead,
    handler (ctx) {
      const org = requireOrg(ctx)
      const release = ctx.state.data.releases.find((r) => r.orgId === org.id && r.version === ctx.params.version)
      if (release === undefined) throw notFound()
      return serializeRelease(ctx.state, release)
    }
  }
]
