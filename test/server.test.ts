import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { testEnv } from './helpers/env.js'

const root = fileURLToPath(new URL('..', import.meta.url))

/**
 * The server runs from the sources through tsx, as `npm run dev` does (the build that `npm start`
 * runs is tested in test/scripts/build.test.ts). tap's process tracker patches spawn to add
 * NODE_OPTIONS and NODE_V8_COVERAGE; tsx's source maps then corrupt the coverage report, so the
 * child runs without them (`env -u`).
 */
function spawnServer (env: Record<string, string>): ChildProcess {
  return spawn('env', ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', process.execPath, '--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
}

interface Started { child: ChildProcess, url: string, output: () => string }

/** Runs the server with a clean environment and waits for Fastify's listening line. */
async function startServer (env: Record<string, string>): Promise<Started> {
  const child = spawnServer(env)
  let out = ''
  child.stdout?.on('data', d => { out += String(d) })
  child.stderr?.on('data', d => { out += String(d) })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000)
    const check = (): void => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m?.[1] !== undefined) { clearTimeout(timer); resolve(m[1]) }
    }
    child.stdout?.on('data', check)
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`server exited ${String(code)}:\n${out}`)) })
  })
  return { child, url, output: () => out }
}

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
  const [code] = await once(s.child, 'exit')
  t.equal(code, 0)
  t.match(s.output(), /shutting down/)
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
