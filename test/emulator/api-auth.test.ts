import t from 'tap'
import { api, call, clientFields, EMULATOR_CLIENT, putJson, startTestEmulator, tokenFor, tokenRequest } from '../helpers/emulator.js'

const NO_PERMISSION = { detail: 'You do not have permission to perform this action.' }
const NOT_FOUND = { detail: 'The requested resource does not exist' }

t.test('401s: which detail for which credentials, always with WWW-Authenticate xBasic (docs/sentry.md §4)', async (t) => {
  const em = await startTestEmulator(t)
  const expired = tokenFor(em, ['org:read'], { expiresInSeconds: 0 })
  const cases: Array<[string, Record<string, string>, string]> = [
    ['no header', {}, 'Authentication credentials were not provided.'],
    ['another scheme', { authorization: 'Basic Zm9vOmJhcg==' }, 'Authentication credentials were not provided.'],
    ['empty bearer', { authorization: 'Bearer' }, 'Invalid token header. No credentials provided.'],
    ['unknown token', { authorization: `Bearer ${'0'.repeat(64)}` }, 'Invalid token'],
    ['expired token', { authorization: `Bearer ${expired}` }, 'Token expired'],
    ['scheme is case-insensitive', { authorization: `bearer ${expired}` }, 'Token expired']
  ]
  for (const [name, headers, detail] of cases) {
    const r = await api(em, '/api/0/organizations/', undefined, { headers })
    t.equal(r.status, 401, name)
    t.same(r.body, { detail }, name)
    t.equal(r.headers.get('www-authenticate'), 'xBasic realm="api"', `${name}: WWW-Authenticate`)
  }
})

t.test('revocation: API 401 "Invalid token", refresh invalid_grant (docs/sentry.md §3)', async (t) => {
  const em = await startTestEmulator(t)
  const issued = em.control.issueToken({ clientId: EMULATOR_CLIENT.clientId, scopes: ['org:read'] })
  t.equal((await api(em, '/api/0/organizations/', issued.access_token)).status, 200)
  const r = await call(`${em.url}/_emulator/tokens/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: EMULATOR_CLIENT.clientId }) })
  t.same(r.body, { revoked: 1 })
  t.same((await api(em, '/api/0/organizations/', issued.access_token)).body, { detail: 'Invalid token' })
  t.same((await tokenRequest(em, { grant_type: 'refresh_token', refresh_token: issued.refresh_token, ...clientFields() })).body, { error: 'invalid_grant' })
})

t.test('403 when the token has none of the endpoint’s scopes; the hierarchy counts (docs/sentry.md §5)', async (t) => {
  const em = await startTestEmulator(t)
  const orgOnly = tokenFor(em, ['org:read'])
  for (const path of ['/api/0/organizations/acme/issues/', '/api/0/projects/acme/frontend/', '/api/0/organizations/acme/members/', '/api/0/organizations/acme/releases/']) {
    const r = await api(em, path, orgOnly)
    t.same([r.status, r.body], [403, NO_PERMISSION], path)
  }
  t.same((await api(em, '/api/0/organizations/', tokenFor(em, ['event:read']))).body, NO_PERMISSION, 'event:read cannot list organizations')
  const issueId = ((await api(em, '/api/0/organizations/acme/issues/?limit=1', tokenFor(em, ['event:read']))).body as Array<{ id: string }>)[0]?.id ?? ''
  const put = await putJson(em, `/api/0/organizations/acme/issues/${issueId}/`, tokenFor(em, ['event:read']), { hasSeen: true })
  t.same([put.status, put.body], [403, NO_PERMISSION], 'PUT needs event:write')

  const allowed: Array<[string[], string]> = [
    [['org:admin'], '/api/0/organizations/'],
    [['org:write'], '/api/0/organizations/acme/stats_v2/?field=sum(quantity)&groupBy=outcome'],
    [['event:admin'], '/api/0/organizations/acme/issues/'],
    [['project:admin'], '/api/0/projects/acme/frontend/keys/'],
    [['member:admin'], '/api/0/organizations/acme/members/'],
    [['project:releases'], '/api/0/organizations/acme/releases/'],
    [['org:ci'], '/api/0/organizations/acme/releases/'],
    [['project:read'], '/api/0/projects/acme/frontend/']
  ]
  for (const [scopes, path] of allowed) t.equal((await api(em, path, tokenFor(em, scopes))).status, 200, `${scopes.join(' ')} → ${path}`)
  t.equal((await putJson(em, `/api/0/organizations/acme/issues/${issueId}/`, tokenFor(em, ['event:admin']), { hasSeen: true })).status, 200, 'event:admin ⊃ event:write')
})

t.test('404 for unknown org, project, issue, event, release, tag; 403 for an org the user is not in', async (t) => {
  const em = await startTestEmulator(t)
  const token = tokenFor(em, ['org:read', 'project:read', 'event:read'])
  const issueId = ((await api(em, '/api/0/organizations/acme/issues/?limit=1', token)).body as Array<{ id: string }>)[0]?.id ?? ''
  for (const path of [
    '/api/0/organizations/nope/',
    '/api/0/organizations/nope/issues/',
    '/api/0/projects/acme/nope/',
    '/api/0/projects/acme/web/', // globex's project, asked under acme
    '/api/0/organizations/acme/issues/123/',
    `/api/0/organizations/globex/issues/${issueId}/`, // acme's issue, asked under globex
    `/api/0/organizations/acme/issues/${issueId}/events/${'f'.repeat(32)}/`,
    `/api/0/organizations/acme/issues/${issueId}/tags/nope/`,
    `/api/0/projects/acme/frontend/events/${'a'.repeat(32)}/`,
    '/api/0/projects/acme/frontend/events/not-an-id/',
    '/api/0/organizations/acme/releases/nope@1.0/',
    '/api/0/organizations/acme/nothing-here/'
  ]) {
    const r = await api(em, path, token)
    t.same([r.status, r.body], [404, NOT_FOUND], path)
  }
  const r = await api(em, '/api/0/organizations/initech/', token)
  t.same([r.status, r.body], [403, NO_PERMISSION], 'initech exists but the user is not a member')
  t.notOk((await api(em, '/api/0/organizations/', token)).text.includes('initech'), 'and it is not listed')
})

t.test('org-scoped token minted by the control API', async (t) => {
  const em = await startTestEmulator(t)
  const issued = em.control.issueToken({ clientId: EMULATOR_CLIENT.clientId, scopes: ['org:read', 'event:read'], organizationSlug: 'acme' })
  t.equal(issued.organization_id, '4505138082234368')
  t.same(((await api(em, '/api/0/organizations/', issued.access_token)).body as Array<{ slug: string }>).map((o) => o.slug), ['acme'])
  const r = await api(em, '/api/0/organizations/globex/issues/', issued.access_token)
  t.same([r.status, r.body], [401, { detail: 'Unauthorized organization access.' }])
  t.equal(r.headers.get('www-authenticate'), 'xBasic realm="api"')
})

t.test('region server: globex’s regionUrl is the second listener, which serves the same state', async (t) => {
  const em = await startTestEmulator(t, { regionServer: true })
  t.ok(em.regionUrl)
  t.not(em.regionUrl, em.url)
  const token = tokenFor(em)
  const orgs = (await api(em, '/api/0/organizations/', token)).body as Array<{ slug: string, links: { regionUrl: string, organizationUrl: string } }>
  t.equal(orgs.find((o) => o.slug === 'acme')?.links.regionUrl, em.url)
  t.equal(orgs.find((o) => o.slug === 'globex')?.links.regionUrl, em.regionUrl)
  const viaRegion = await api(em, '/api/0/organizations/globex/issues/', token, {}, em.regionUrl)
  t.equal(viaRegion.status, 200)
  t.match(viaRegion.headers.get('link'), em.regionUrl ?? '', 'Link uses the host the request came to')
  t.equal((await call(`${em.regionUrl ?? ''}/oauth/token/`, { method: 'POST' })).status, 404, 'OAuth lives on the main (control silo) host only')
  t.same(em.control.counters().byOrigin, { main: 1, region: 1 })
})

t.test('self-hosted: no rate-limit headers, regionUrl is the base URL', async (t) => {
  const em = await startTestEmulator(t, { selfHosted: true, regionServer: true })
  const token = tokenFor(em)
  const r = await api(em, '/api/0/organizations/', token)
  t.equal(r.status, 200)
  t.same([...r.headers.keys()].filter((k) => k.startsWith('x-sentry-rate-limit')), [])
  t.ok((r.body as Array<{ links: { regionUrl: string } }>).every((o) => o.links.regionUrl === em.url))
  em.control.setRateLimit({ limit: 1, windowSeconds: 60 })
  t.equal((await api(em, '/api/0/organizations/', token)).status, 200, 'and no rate limiting')
})
