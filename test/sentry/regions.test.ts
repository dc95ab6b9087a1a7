import t from 'tap'
import { createServer } from 'node:net'
import { buildTestApp } from '../helpers/app.js'
import { connect, counters, resetCounters } from './helpers.js'

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
  const dead = `http://127.0.0.1:${await closedPort()}`
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
