import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { connect, control, counters } from '../helpers/emulator.js'

t.test('a client reads the token row once for all its calls, and again after a refresh', async t => {
  const { app, emulator } = await buildTestApp(t)
  const { connectionId } = await connect(app, emulator.url)
  let reads = 0
  const getTokens = app.store.getTokens.bind(app.store)
  app.store.getTokens = async (id) => { reads++; return await getTokens(id) }
  const getAccessToken = app.store.getAccessToken.bind(app.store)
  app.store.getAccessToken = async (id) => { reads++; return await getAccessToken(id) }

  const client = app.sentry.forConnection(connectionId)
  await client.organizations.get('acme')
  await client.projects.list('acme')
  await client.teams.list('acme')
  t.equal(reads, 1, 'three upstream calls, one token read')

  // Sentry expires the token: the next call gets a 401, refreshes once, re-reads and succeeds.
  await control(emulator.url, 'tokens/expire', {})
  await control(emulator.url, 'counters/reset', {})
  const members = await client.members.list('acme')
  t.ok(members.items.length > 0)
  t.equal((await counters(emulator.url)).refreshes, 1)
  const readsAfterRefresh = reads
  await client.releases.list('acme')
  t.equal(reads, readsAfterRefresh, 'the refreshed token is remembered too')

  const other = app.sentry.forConnection(connectionId)
  await other.organizations.get('acme')
  t.equal(reads, readsAfterRefresh + 1, 'a new client (a new GraphQL request) reads the row again')
})
