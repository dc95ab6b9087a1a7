import t from 'tap'
import { api, call, startTestEmulator } from '../helpers/emulator.js'

const post = async (url: string, body: unknown): Promise<{ status: number, body: unknown, headers: Headers }> =>
  await call(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

t.test('HTTP control API: clients, tokens, counters (test-only)', async (t) => {
  const em = await startTestEmulator(t)
  const app = { clientId: 'zero-config', clientSecret: 'zc-secret', name: 'Zero Config', redirectUris: ['http://127.0.0.1:3000/oauth/sentry/callback'] }
  const reg = await post(`${em.url}/_emulator/clients`, app)
  t.equal(reg.status, 201)
  t.equal(reg.headers.get('x-emulator-control'), 'test-only')
  t.equal((await post(`${em.url}/_emulator/clients`, { clientId: 'x' })).status, 400, 'incomplete client')
  const page = await call(`${em.url}/oauth/authorize/?response_type=code&client_id=zero-config&redirect_uri=${encodeURIComponent(app.redirectUris[0] ?? '')}`)
  t.equal(page.status, 200, 'the registered app can authorize')

  const issued = await post(`${em.url}/_emulator/tokens`, { clientId: 'zero-config', scopes: ['org:read', 'event:read'], organizationSlug: 'globex', expiresInSeconds: 60 })
  t.equal(issued.status, 201)
  t.match(issued.body, { access_token: /^[0-9a-f]{64}$/, refresh_token: /^[0-9a-f]{64}$/, token_type: 'Bearer', scope: 'org:read event:read', user: { id: '1' }, organization_id: '4507281246208000' })
  // int(expires_at - now): 60 s minus the elapsed milliseconds, truncated, as in Sentry (2591999 for 30 days).
  t.ok([59, 60].includes((issued.body as { expires_in: number }).expires_in), 'expires_in counts down')
  for (const bad of [{ clientId: 'nope', scopes: [] }, { clientId: 'zero-config', scopes: ['org:fly'] }, { clientId: 'zero-config', scopes: [], organizationSlug: 'initech' }]) {
    t.equal((await post(`${em.url}/_emulator/tokens`, bad)).status, 400, JSON.stringify(bad))
  }
  const token = (issued.body as { access_token: string }).access_token

  await api(em, '/api/0/organizations/', token)
  await api(em, '/api/0/organizations/globex/issues/', token)
  await api(em, '/api/0/organizations/globex/issues/', token)
  const counters = (await call(`${em.url}/_emulator/counters`)).body
  t.same(counters, {
    apiRequests: 3,
    byRoute: { 'GET /api/0/organizations/': 1, 'GET /api/0/organizations/{organization_id_or_slug}/issues/': 2 },
    byOrigin: { main: 3 },
    tokenExchanges: 0,
    refreshes: 0,
    refreshFailures: 0,
    authorizations: 0,
    rateLimited: 0
  })
  t.equal((await post(`${em.url}/_emulator/counters/reset`, {})).status, 200)
  t.match((await call(`${em.url}/_emulator/counters`)).body, { apiRequests: 0, byRoute: {} })

  t.same((await post(`${em.url}/_emulator/tokens/expire`, {})).body, { expired: 1 })
  t.same((await api(em, '/api/0/organizations/', token)).body, { detail: 'Token expired' })
  t.equal((await post(`${em.url}/_emulator/rate-limit`, { limit: 0 })).status, 400, 'invalid rate limit')
  const empty = await call(`${em.url}/_emulator/tokens/expire`, { method: 'POST' })
  t.equal(empty.status, 200, 'bodiless POST')
})
