import t from 'tap'
import { createServer } from 'node:net'
import { reconnectRequired } from '../../src/errors.js'
import { RegionRoutes, acceptableRegionUrl } from '../../src/sentry/regions.js'
import { buildTestApp } from '../helpers/app.js'
import { connect, counters, resetCounters } from '../helpers/emulator.js'
import { codes, connectViewer, gql } from '../helpers/graphql.js'

async function closedPort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

t.test('org-scoped calls go to the org\'s region; others stay on SENTRY_URL', async t => {
  const { app, emulator } = await buildTestApp(t, { emulator: { regionServer: true } })
  t.ok(emulator.regionUrl !== undefined)
  const { connectionId } = await connect(app, emulator.url)
  const conn = await app.store.getConnection(connectionId)
  const globex = conn?.organizations.find(o => o.slug === 'globex')
  t.equal(globex?.regionUrl, emulator.regionUrl, 'globex lives in the region')
  const client = app.sentry.forConnection(connectionId)
  await resetCounters(emulator.url)
  await client.projects.list('globex')
  await client.teams.list('globex')
  let c = await counters(emulator.url)
  t.equal(c.byOrigin.region, 2, 'served by the region listener')
  t.equal(c.byOrigin.main ?? 0, 0, 'no lookup: the stored organizations seeded the cache')
  await client.projects.list('acme')
  await client.organizations.list()
  c = await counters(emulator.url)
  t.equal(c.byOrigin.main, 2, 'acme and the org list on SENTRY_URL')
})

t.test('an org missing from the stored list is looked up once on SENTRY_URL', async t => {
  const { app, emulator } = await buildTestApp(t, { emulator: { regionServer: true } })
  const { connectionId } = await connect(app, emulator.url, { organizations: [] })
  await resetCounters(emulator.url)
  const client = app.sentry.forConnection(connectionId)
  await Promise.all([client.projects.list('globex'), client.teams.list('globex'), client.members.list('globex')])
  await client.issues.list('globex', { limit: 1 })
  const c = await counters(emulator.url)
  t.equal(c.byRoute['GET /api/0/organizations/{organization_id_or_slug}/'], 1, 'one lookup')
  t.equal(c.byOrigin.main, 1, 'the lookup ran on SENTRY_URL')
  t.equal(c.byOrigin.region, 4)
})

t.test('failures fall back to SENTRY_URL', async t => {
  const { app, emulator } = await buildTestApp(t, { emulator: { regionServer: true } })
  // Nothing listens on this loopback address, on SENTRY_URL's port (a region must share it).
  const dead = `http://127.0.0.3:${new URL(emulator.url).port}`
  const foreign = 'http://example.invalid:8080'
  const { connectionId } = await connect(app, emulator.url, {
    organizations: [
      { orgId: '1', slug: 'acme', name: 'Acme', regionUrl: dead },
      { orgId: '2', slug: 'globex', name: 'Globex', regionUrl: foreign }
    ]
  })
  await resetCounters(emulator.url)
  const client = app.sentry.forConnection(connectionId)
  t.ok((await client.projects.list('acme')).items.length > 0, 'unreachable region: served by SENTRY_URL')
  t.ok((await client.projects.list('acme')).items.length > 0)
  const c = await counters(emulator.url)
  t.equal(c.byOrigin.main, 2)

  // A regionUrl on a foreign host is never trusted with the token; the lookup says region.
  await resetCounters(emulator.url)
  await client.teams.list('globex')
  t.equal((await counters(emulator.url)).byOrigin.region, 1)

  // A lookup that fails (an org the user is not in) falls back to SENTRY_URL, which refuses.
  await resetCounters(emulator.url)
  const err = await client.projects.list('initech').then(() => null, (e: { code: string, message: string }) => e)
  t.match(err?.code, /^(NOT_FOUND|FORBIDDEN)$/)
  if (err?.code === 'FORBIDDEN') t.match(err.message, /no access/, 'not blamed on scopes the connection has')
  const after = await counters(emulator.url)
  t.equal(after.byOrigin.main, 2, 'lookup and call on SENTRY_URL')
  t.equal(after.byOrigin.region ?? 0, 0)
})

t.test('attack (issue 10, defect 8): a regionUrl on another port, scheme or host never receives the token', async t => {
  const { app, emulator } = await buildTestApp(t)
  const { createServer: createHttpServer } = await import('node:http')
  const seen: string[] = []
  const trap = createHttpServer((req, res) => { seen.push(String(req.headers.authorization)); res.writeHead(200, { 'content-type': 'application/json' }); res.end('[]') })
  await new Promise<void>(resolve => trap.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { trap.closeAllConnections(); trap.close() })
  const trapPort = (trap.address() as { port: number }).port
  const main = new URL(emulator.url)
  const traps = [
    `http://127.0.0.1:${trapPort}`, // the Sentry host, another port (the repro)
    `http://localhost:${trapPort}`, // another loopback name, another port
    `https://127.0.0.1:${main.port}`, // another scheme
    `http://user:pass@127.0.0.1:${trapPort}` // credentials in the URL
  ]
  const { connectionId } = await connect(app, emulator.url, {
    organizations: [{ orgId: '1', slug: 'acme', name: 'Acme', regionUrl: traps[0] ?? '' }]
  })
  const client = app.sentry.forConnection(connectionId)
  t.ok((await client.projects.list('acme')).items.length > 0, 'served by SENTRY_URL')
  t.same(seen, [], 'the other port got nothing')
  for (const url of traps) t.equal(acceptableRegionUrl(url, emulator.url), null, url)
  t.equal(acceptableRegionUrl(`http://127.0.0.2:${main.port}`, emulator.url), `http://127.0.0.2:${main.port}`, 'another loopback address on the same port is a region')
  t.equal(acceptableRegionUrl('https://us.sentry.io:8443', 'https://sentry.io'), null, 'a subdomain on another port')
  t.equal(acceptableRegionUrl('https://us.sentry.io:443', 'https://sentry.io'), 'https://us.sentry.io', 'the default port, spelled out')
  t.equal(acceptableRegionUrl('https://sentry.example.com:8443/x', 'https://sentry.example.com:8443'), 'https://sentry.example.com:8443/x', 'a self-hosted port is kept')
  t.equal(acceptableRegionUrl('https://us.sentry.example.com', 'https://sentry.example.com:8443'), null, 'self-hosted on 8443: a region on 443 is another service')
})

t.test('an unreachable region on a closed port is not even tried', async t => {
  const { app, emulator } = await buildTestApp(t, { emulator: { regionServer: true } })
  const { connectionId } = await connect(app, emulator.url, {
    organizations: [{ orgId: '1', slug: 'acme', name: 'Acme', regionUrl: `http://127.0.0.1:${await closedPort()}` }]
  })
  await resetCounters(emulator.url)
  t.ok((await app.sentry.forConnection(connectionId).projects.list('acme')).items.length > 0)
  const c = await counters(emulator.url)
  t.equal(c.byOrigin.region ?? 0, 0)
  t.equal(c.byRoute['GET /api/0/organizations/{organization_id_or_slug}/'], 1, 'the stored regionUrl was refused: the region was looked up')
})

t.test('region URLs are only trusted on hosts of the configured Sentry', async t => {
  t.equal(acceptableRegionUrl('https://us.sentry.io/', 'https://sentry.io'), 'https://us.sentry.io')
  t.equal(acceptableRegionUrl('https://sentry.io', 'https://sentry.io'), 'https://sentry.io')
  // Loopback stays loopback, but on SENTRY_URL's port only (issue 10, defect 8).
  t.equal(acceptableRegionUrl('http://127.0.0.2:3000', 'http://localhost:3000'), 'http://127.0.0.2:3000')
  t.equal(acceptableRegionUrl('http://127.0.0.1:4000', 'http://localhost:3000'), null)
  t.equal(acceptableRegionUrl('https://evil.example', 'https://sentry.io'), null)
  t.equal(acceptableRegionUrl('https://sentry.io.evil.example', 'https://sentry.io'), null)
  t.equal(acceptableRegionUrl('http://us.sentry.io', 'https://sentry.io'), null, 'no downgrade')
  t.equal(acceptableRegionUrl('https://u:p@us.sentry.io', 'https://sentry.io'), null)
  t.equal(acceptableRegionUrl('https://us.sentry.io/?x=1', 'https://sentry.io'), null)
  t.equal(acceptableRegionUrl('not a url', 'https://sentry.io'), null)
  t.equal(acceptableRegionUrl('', 'https://sentry.io'), null)
  t.equal(acceptableRegionUrl(null, 'https://sentry.io'), null)
})

t.test('region routes: seeded, looked up once, expire, fall back on failure', async t => {
  let now = 0
  let lookups = 0
  let lookupResult: () => Promise<string | null> = async () => 'https://de.sentry.io'
  const routes = new RegionRoutes({
    sentryUrl: 'https://sentry.io',
    now: () => now,
    loadStored: async () => [
      { orgId: '11', slug: 'Acme', name: 'Acme', regionUrl: 'https://us.sentry.io' },
      { orgId: '12', slug: 'evil', name: 'Evil', regionUrl: 'https://evil.example' }
    ],
    lookup: async () => { lookups++; return await lookupResult() }
  })
  t.equal(await routes.baseUrlFor('acme'), 'https://us.sentry.io', 'seeded by slug (case-insensitive)')
  t.equal(await routes.baseUrlFor('11'), 'https://us.sentry.io', 'and by id')
  t.equal(lookups, 0)
  const [a, b] = await Promise.all([routes.baseUrlFor('evil'), routes.baseUrlFor('evil')])
  t.equal(a, 'https://de.sentry.io', 'an untrusted stored URL is looked up instead')
  t.equal(b, a)
  t.equal(lookups, 1, 'concurrent lookups are shared')
  now += 2 * 60 * 60 * 1000
  lookupResult = async () => { throw new Error('down') }
  t.equal(await routes.baseUrlFor('acme'), 'https://sentry.io', 'expired; the lookup fails: SENTRY_URL')
  routes.failed('acme', 'https://us.sentry.io')
  t.equal(await routes.baseUrlFor('acme'), 'https://sentry.io')
  routes.failed('acme', 'https://sentry.io')
  t.equal(await routes.baseUrlFor('acme'), 'https://sentry.io', 'failed() on the current URL keeps SENTRY_URL')
  lookupResult = async () => { throw reconnectRequired('c1', 'revoked') }
  await t.rejects(routes.baseUrlFor('initech'), { code: 'RECONNECT_REQUIRED' }, 'an unusable connection is not hidden')
  lookupResult = async () => null
  t.equal(await routes.baseUrlFor('initech'), 'https://sentry.io')

  const broken = new RegionRoutes({
    sentryUrl: 'https://sentry.io', now: () => 0, loadStored: async () => { throw new Error('db down') }, lookup: async () => 'https://us.sentry.io'
  })
  t.equal(await broken.baseUrlFor('acme'), 'https://us.sentry.io', 'a failing seed still allows the lookup')
})

t.test('organizations the caller already read prime the routes: the stored list is not read again (issue 11)', async t => {
  let loads = 0
  let lookups = 0
  const routes = new RegionRoutes({
    sentryUrl: 'https://sentry.io',
    now: () => 0,
    loadStored: async () => { loads++; return [] },
    lookup: async () => { lookups++; return null }
  })
  routes.prime([{ orgId: '7', slug: 'Globex', name: 'Globex', regionUrl: 'https://de.sentry.io/' }, { orgId: '8', slug: 'evil', name: 'Evil', regionUrl: 'https://evil.example' }])
  t.equal(await routes.baseUrlFor('globex'), 'https://de.sentry.io', 'by slug, from the primed list')
  t.equal(await routes.baseUrlFor('7'), 'https://de.sentry.io', 'by id')
  t.equal(await routes.baseUrlFor('evil'), 'https://sentry.io', 'a region URL off Sentry\'s hosts is not taken from the primed list either')
  t.equal(loads, 0, 'the stored list was not read')
  t.equal(lookups, 1, 'only the org without a usable region was looked up')
  routes.prime([{ orgId: '9', slug: 'late', name: 'Late', regionUrl: 'https://us.sentry.io' }])
  t.equal(await routes.baseUrlFor('late'), 'https://sentry.io', 'priming again is a no-op once seeded (late is looked up, which answers nothing)')
  t.equal(lookups, 2)
})

t.test('a GraphQL request routes by the organizations of its one viewer read, with no store read for the region', async t => {
  const test = await buildTestApp(t, { emulator: { regionServer: true } })
  const { app, emulator } = test
  const viewer = await connectViewer(test)
  const store = app.store as unknown as { getConnection: (id: string) => Promise<unknown> }
  const getConnection = store.getConnection.bind(store)
  let reads = 0
  store.getConnection = async (id) => { reads++; return await getConnection(id) }
  await resetCounters(emulator.url)
  const res = await gql(app, '{ organization(slug: "globex") { projects(first: 5) { nodes { slug } } } }', { cookie: viewer.cookie })
  t.same(codes(res), [])
  t.equal((await counters(emulator.url)).byOrigin.region, 1, 'served by the region listener')
  t.equal(reads, 0, 'no getConnection for the region')
})
