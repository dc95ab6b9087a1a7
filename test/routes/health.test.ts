import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { connectViewer, gql, codes } from '../helpers/graphql.js'
import { createTestDatabase } from '../helpers/postgres.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'

t.test('/livez always answers; /readyz answers 200 until draining starts, then 503 while requests are still served', async t => {
  const { app } = await buildTestApp(t)
  const live = await app.inject({ method: 'GET', url: '/livez' })
  t.equal(live.statusCode, 200)
  t.same(live.json(), { status: 'ok' })
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready', database: 'ok' })
  t.notOk(ready.headers.connection === 'close', 'keep-alive before draining')

  t.notOk(app.draining)
  app.startDraining()
  t.ok(app.draining)
  const draining = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(draining.statusCode, 503)
  t.same(draining.json(), { status: 'draining', database: 'not checked' })
  const served = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(served.statusCode, 200, 'requests are still served while draining')
  t.equal(served.headers.connection, 'close', 'and the client is told to reconnect (elsewhere)')
  t.equal((await app.inject({ method: 'GET', url: '/livez' })).statusCode, 200, 'still alive: nothing restarts it')
})

t.test('/readyz is 503 when the database does not answer', async t => {
  const { app } = await buildTestApp(t)
  const ping = app.store.ping
  app.store.ping = async () => { throw new Error('database is gone') }
  t.teardown(() => { app.store.ping = ping })
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { status: 'unavailable', database: 'unreachable' })
  // A ping that never answers is cut short: a probe must not hang.
  app.store.ping = async () => await new Promise(() => {})
  const hung = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(hung.statusCode, 503)
})

t.test('PostgreSQL going away: GraphQL answers DATABASE_UNAVAILABLE (503), /readyz 503, /livez 200; all recover when it returns', async t => {
  const url = new URL(await createTestDatabase(t, 'health'))
  const proxy = await startTcpProxy(Number(url.port || 5432))
  t.teardown(() => proxy.close())
  url.port = String(proxy.port)
  const testApp = await buildTestApp(t, { env: { DATABASE_URL: url.href, PG_CONNECT_TIMEOUT_MS: '500' } })
  const { app } = testApp
  const viewer = await connectViewer(testApp)
  const query = '{ viewer { connections { id status } } }'
  const before = await gql(app, query, { cookie: viewer.cookie })
  t.equal(before.status, 200)
  t.same(codes(before), [])

  await proxy.down()
  const down = await gql(app, query, { cookie: viewer.cookie })
  t.equal(down.status, 503)
  t.same(codes(down), ['DATABASE_UNAVAILABLE'])
  t.notMatch(JSON.stringify(down.body), /127\.0\.0\.1|postgres|ECONN/, 'no driver detail reaches the client')
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503)
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 503)
  t.equal((await app.inject({ method: 'GET', url: '/livez' })).statusCode, 200)

  await proxy.up()
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'ready again')
  const after = await gql(app, query, { cookie: viewer.cookie })
  t.equal(after.status, 200)
  t.same(codes(after), [])
  t.equal(after.body.data?.viewer.connections[0].id, viewer.connection.id)
})
