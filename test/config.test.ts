/**
 * Issue 10, defect 9 (configuration): production refuses an http PUBLIC_URL and trivial secrets,
 * NODE_ENV=Production in any casing is production, a `file:` URI with SQLite parameters is
 * refused instead of becoming a file with that literal name, the database file is created 0600,
 * HOST=0.0.0.0 with the emulator is warned about, and `APPLICATION/JSON` is accepted.
 */
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, isTrivialSecret, loadConfig, startupWarnings } from '../src/config.js'
import { buildTestApp } from './helpers/app.js'

const key = (): string => randomBytes(32).toString('base64')
const SESSION = 'test-session-secret-0123456789-abcdefghijklmnop'
const production = { NODE_ENV: 'production', SESSION_SECRET: SESSION, SENTRY_CLIENT_ID: 'a', SENTRY_CLIENT_SECRET: 'b', PUBLIC_URL: 'https://gw.example.com' }

function refused (t: Test, env: Record<string, string>, variable: string, words: RegExp): void {
  const dir = t.testdir()
  try {
    loadConfig({ DATABASE_URL: join(dir, 'g.db'), ...env }, { cwd: dir })
    t.fail(`${variable} should be refused`)
  } catch (err) {
    t.ok(err instanceof ConfigError, 'a ConfigError')
    t.equal((err as ConfigError).variable, variable)
    t.match((err as Error).message, words)
    t.notMatch((err as Error).message, /\n/, 'one line')
  }
}

t.test('production refuses an http PUBLIC_URL (Secure cookies would never come back)', async (t) => {
  refused(t, { ...production, TOKEN_ENCRYPTION_KEY: key(), PUBLIC_URL: 'http://gw.example.com' }, 'PUBLIC_URL', /must be https when NODE_ENV=production/)
  refused(t, { ...production, TOKEN_ENCRYPTION_KEY: key(), PUBLIC_URL: 'http://10.0.0.5:3000' }, 'PUBLIC_URL', /https/)
  const dir = t.testdir()
  t.equal(loadConfig({ ...production, TOKEN_ENCRYPTION_KEY: key(), DATABASE_URL: join(dir, 'g.db') }).production, true, 'https is fine')
  // Browsers treat http://localhost as a secure context: Secure cookies work there.
  for (const local of ['http://localhost:3000', 'http://127.0.0.1:3000']) {
    t.equal(loadConfig({ ...production, TOKEN_ENCRYPTION_KEY: key(), PUBLIC_URL: local, DATABASE_URL: join(dir, 'g.db') }).publicUrl, local, `${local} is fine`)
  }
  t.equal(loadConfig({ TOKEN_ENCRYPTION_KEY: key(), SESSION_SECRET: SESSION, PUBLIC_URL: 'http://gw.example.com', DATABASE_URL: join(dir, 'g.db') }).production, false, 'outside production http is allowed')
})

t.test('production refuses trivial secrets', async (t) => {
  for (const secret of ['x'.repeat(40), 'ab'.repeat(20), '0123456'.repeat(6)]) {
    refused(t, { ...production, TOKEN_ENCRYPTION_KEY: key(), SESSION_SECRET: secret }, 'SESSION_SECRET', /trivial/)
  }
  refused(t, { ...production, TOKEN_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') }, 'TOKEN_ENCRYPTION_KEY', /key "default" is trivial/)
  refused(t, { ...production, TOKEN_ENCRYPTION_KEY: `new:${key()},old:${Buffer.alloc(32, 7).toString('base64')}` }, 'TOKEN_ENCRYPTION_KEY', /key "old" is trivial/)
  t.notOk(isTrivialSecret(SESSION))
  t.notOk(isTrivialSecret(randomBytes(32).toString('latin1')))
  t.ok(isTrivialSecret('a'.repeat(64)))
})

t.test('NODE_ENV=Production in any casing is production; a near miss is refused', async (t) => {
  for (const value of ['Production', 'PRODUCTION', 'production', 'pRoDuCtIoN']) {
    const dir = t.testdir()
    const c = loadConfig({ ...production, NODE_ENV: value, TOKEN_ENCRYPTION_KEY: key(), DATABASE_URL: join(dir, 'g.db') })
    t.equal(c.production, true, `${value} is production`)
    t.equal(c.useEmulator, false, 'never the emulator')
    refused(t, { NODE_ENV: value, SESSION_SECRET: SESSION, TOKEN_ENCRYPTION_KEY: key() }, 'SENTRY_CLIENT_ID', /required when NODE_ENV=production/)
  }
  refused(t, { NODE_ENV: 'prod', SESSION_SECRET: SESSION, TOKEN_ENCRYPTION_KEY: key() }, 'NODE_ENV', /not a known environment/)
  const dir = t.testdir()
  t.equal(loadConfig({ NODE_ENV: 'development', SESSION_SECRET: SESSION, TOKEN_ENCRYPTION_KEY: key(), DATABASE_URL: join(dir, 'g.db') }).production, false)
})

t.test('file: URIs with SQLite parameters are refused, never a file with that literal name', async (t) => {
  for (const suffix of ['?mode=ro', '?mode=rwc&cache=shared', '#x']) {
    const dir = t.testdir()
    refused(t, { SESSION_SECRET: SESSION, TOKEN_ENCRYPTION_KEY: key(), DATABASE_URL: `file:${join(dir, 'g.db')}${suffix}` }, 'DATABASE_URL', /URI parameters/)
    t.same(readdirSync(dir), [], 'nothing was created')
  }
  const dir = t.testdir()
  t.equal(loadConfig({ SESSION_SECRET: SESSION, TOKEN_ENCRYPTION_KEY: key(), DATABASE_URL: `file:${join(dir, 'g.db')}` }).databasePath, join(dir, 'g.db'))
})

t.test('HOST=0.0.0.0 with the emulator is warned about', async (t) => {
  t.match(startupWarnings({ host: '0.0.0.0', useEmulator: true }), [/HOST=0\.0\.0\.0 exposes .* emulator/])
  t.match(startupWarnings({ host: '::', useEmulator: true }), [/HOST=::/])
  t.same(startupWarnings({ host: '0.0.0.0', useEmulator: false }), [])
  t.same(startupWarnings({ host: '127.0.0.1', useEmulator: true }), [])
})

t.test('the database file, its WAL and the dev secrets are not world-readable', async (t) => {
  const { config, app } = await buildTestApp(t)
  await app.inject({ method: 'GET', url: '/' })
  const dir = join(config.databasePath, '..')
  for (const name of readdirSync(dir).filter((n) => n.startsWith('gateway.db'))) {
    t.equal(statSync(join(dir, name)).mode & 0o077, 0, `${name} is 0600 (${(statSync(join(dir, name)).mode & 0o777).toString(8)})`)
  }
  t.ok(existsSync(config.databasePath))
})

t.test('APPLICATION/JSON, in any casing, is JSON', async (t) => {
  const { app } = await buildTestApp(t)
  for (const type of ['APPLICATION/JSON', 'Application/Json; Charset=UTF-8', 'application/JSON;charset=utf-8']) {
    const res = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': type }, payload: JSON.stringify({ query: '{ __typename }' }) })
    t.equal(res.statusCode, 200, type)
    t.same(res.json(), { data: { __typename: 'Query' } })
  }
})
