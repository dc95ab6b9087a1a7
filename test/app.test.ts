import t from 'tap'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { request } from 'undici'
import { loadConfig } from '../src/config.js'
import { buildApp } from '../src/app.js'
import { loggerOptions } from '../src/logger.js'
import { testEnv } from './helpers/env.js'

function config (dir: string): ReturnType<typeof loadConfig> {
  return loadConfig(testEnv(dir, { SENTRY_URL: 'http://127.0.0.1:9' }), { cwd: dir })
}

t.test('GET /healthz answers 200 while the database answers, 503 when it does not', async t => {
  const app = await buildApp(config(t.testdir()), { logger: false })
  t.teardown(() => app.close())
  const up = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(up.statusCode, 200)
  t.same(up.json(), { status: 'ok', database: 'ok' })
  await app.store.close()
  const down = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(down.statusCode, 503)
  t.same(down.json(), { status: 'unavailable', database: 'unreachable' })
})

t.test('unknown routes get a JSON 404', async t => {
  const app = await buildApp(config(t.testdir()), { logger: false })
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/nope?x=1' })
  t.equal(res.statusCode, 404)
  t.same(res.json(), { error: 'NOT_FOUND', message: 'No route GET /nope' })
})

t.test('close lets in-flight requests finish, then closes the database', async t => {
  const app = await buildApp(config(t.testdir()), { logger: false })
  let release: () => void = () => {}
  const started = new Promise<void>(resolve => {
    app.get('/slow', async () => {
      resolve()
      await new Promise<void>(r => { release = r }) // eslint-disable-line promise/param-names
      return { done: true }
    })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const pending = request(`http://127.0.0.1:${port}/slow`)
  await started
  const closing = app.close()
  setTimeout(() => release(), 100)
  const res = await pending
  t.equal(res.statusCode, 200)
  t.same(await res.body.json(), { done: true })
  t.equal(res.headers.connection, 'close', 'a closing server asks the client to drop the socket')
  await closing
  await t.rejects(app.store.ping(), 'the database is closed after close()')
})

t.test('logs redact authorization, cookies and token fields, and drop query strings', async t => {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
  const dir = t.testdir()
  const app = await buildApp(config(dir), { logger: { ...loggerOptions('info'), stream } })
  t.teardown(() => app.close())
  app.get('/echo', async (req) => {
    req.log.info({ access_token: 'SECRET-A', nested: { refresh_token: 'SECRET-R', client_secret: 'SECRET-C' }, headers: { authorization: 'Bearer SECRET-H' } }, 'tokens in a log object')
    return {}
  })
  await app.inject({ method: 'GET', url: '/echo?code=SECRET-CODE&state=s', headers: { authorization: 'Bearer SECRET-B', cookie: 'gateway_session=SECRET-K' } })
  const all = lines.join('\n')
  t.ok(all.includes('tokens in a log object'))
  for (const s of ['SECRET-A', 'SECRET-R', 'SECRET-C', 'SECRET-H', 'SECRET-B', 'SECRET-K', 'SECRET-CODE']) {
    t.notOk(all.includes(s), `${s} is not logged`)
  }
  t.ok(all.includes('[redacted]'))
  t.ok(join(dir).length > 0)
})
