import t from 'tap'
import { once } from 'node:events'
import { join } from 'node:path'
import { request } from 'undici'
import { testEnv } from './helpers/env.js'
import { spawnServer, startServer } from './helpers/process.js'

t.test('a bad TOKEN_ENCRYPTION_KEY stops the process with exit code 1 and a message naming it', async t => {
  const dir = t.testdir()
  const child = spawnServer(testEnv(dir, { TOKEN_ENCRYPTION_KEY: 'too-short' }))
  let err = ''
  child.stderr?.on('data', d => { err += String(d) })
  const [code] = await once(child, 'exit')
  t.equal(code, 1)
  t.match(err, /^Invalid configuration: TOKEN_ENCRYPTION_KEY: .*base64/m)
  t.equal(err.trim().split('\n').length, 1, 'one message')
})

t.test('the server listens, answers /healthz and exits cleanly on SIGTERM', async t => {
  const dir = t.testdir()
  const s = await startServer({ ...testEnv(dir, { SENTRY_URL: 'http://127.0.0.1:9', PORT: '0', LOG_LEVEL: 'info' }) })
  const res = await request(`${s.url}/healthz`)
  t.equal(res.statusCode, 200)
  t.same(await res.body.json(), { status: 'ok', database: 'ok' })
  s.child.kill('SIGTERM')
  // 'close', not 'exit': the last output can still be in the pipe when the process has exited.
  const [code] = await once(s.child, 'close')
  t.equal(code, 0)
  t.match(s.output(), /shutting down/)
  // Gathered log lines (LOG_BUFFER_BYTES) are all written by the exit: the request's access line too.
  const lines = s.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string, route?: string })
  t.ok(lines.some((l) => l.msg === 'request' && l.route === '/healthz'), 'the access line of /healthz')
  t.equal(lines.at(-1)?.msg, 'shut down', 'the last line, after the close')
})

t.test('with no configuration it runs against the local emulator and says so', async t => {
  const dir = t.testdir()
  const s = await startServer({ DATABASE_URL: join(dir, 'data', 'g.db'), PORT: '0', SENTRY_EMULATOR_PORT: '0' })
  t.teardown(() => { s.child.kill('SIGKILL') })
  const res = await request(`${s.url}/healthz`)
  t.equal(res.statusCode, 200)
  await res.body.dump()
  t.match(s.output(), /runs against the local Sentry emulator at http:\/\/127\.0\.0\.1:\d+; set SENTRY_CLIENT_ID and SENTRY_CLIENT_SECRET/)
  s.child.kill('SIGTERM')
  const [code] = await once(s.child, 'exit')
  t.equal(code, 0)
})
