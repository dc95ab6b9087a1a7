/**
 * src/config.ts: the documented defaults, every bad value refused with the variable named,
 * secrets, keys, PostgreSQL, shutdown, identity and operations settings; and issue 10, defect 9
 * (configuration): production refuses an http PUBLIC_URL and trivial secrets,
 * NODE_ENV=Production in any casing is production, a `file:` URI with SQLite parameters is
 * refused instead of becoming a file with that literal name, the database file is created 0600,
 * HOST=0.0.0.0 with the emulator is warned about, and `APPLICATION/JSON` is accepted.
 */
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, DEFAULT_SCOPES, databasePathFrom, isTrivialSecret, loadConfig, parseTokenKeys, startupWarnings } from '../src/config.js'
import { buildTestApp } from './helpers/app.js'

const key = (): string => randomBytes(32).toString('base64')
const secrets = { SESSION_SECRET: 'test-session-secret-0123456789-abcdefghijklmnop', TOKEN_ENCRYPTION_KEY: key() }

function configError (t: Test, env: Record<string, string>, variable: string, pattern: RegExp): void {
  const dir = t.testdir()
  let caught: unknown
  try {
    loadConfig({ DATABASE_URL: join(dir, 'g.db'), ...env }, { cwd: dir })
  } catch (err) {
    caught = err
  }
  t.ok(caught instanceof ConfigError, `${variable}: throws a ConfigError`)
  const err = caught as ConfigError
  t.equal(err.variable, variable)
  t.match(err.message, pattern)
  t.ok(err.message.startsWith(`${variable}: `), 'the message names the variable first')
}

t.test('defaults match the documented table', async t => {
  const dir = t.testdir()
  const c = loadConfig({ ...secrets }, { cwd: dir })
  t.equal(c.port, 3000)
  t.equal(c.host, '127.0.0.1')
  t.equal(c.publicUrl, 'http://localhost:3000')
  t.equal(c.sentryUrl, 'https://sentry.io')
  t.same(c.sentryScopes, DEFAULT_SCOPES.split(' '))
  t.equal(c.databasePath, join(dir, 'data', 'gateway.db'))
  t.equal(c.logLevel, 'info')
  t.equal(c.logBufferBytes, 4096)
  t.equal(c.logFlushIntervalMs, 1000)
  t.equal(c.useEmulator, true, 'no client id outside production means the local emulator')
  t.equal(c.production, false)
  t.equal(c.tokenKeys.currentKeyId, 'default')
})

t.test('PUBLIC_URL follows PORT, trailing slashes are dropped, file: prefix is accepted', async t => {
  const dir = t.testdir()
  const c = loadConfig({ ...secrets, PORT: '8080', SENTRY_URL: 'https://sentry.example.com/', DATABASE_URL: 'file:./x/y.db' }, { cwd: dir })
  t.equal(c.publicUrl, 'http://localhost:8080')
  t.equal(c.sentryUrl, 'https://sentry.example.com')
  t.equal(c.databasePath, join(dir, 'x', 'y.db'))
  t.equal(databasePathFrom('file:///var/lib/g.db', dir), '/var/lib/g.db')
})

t.test('every bad value is a ConfigError naming the variable and the fix', async t => {
  configError(t, { ...secrets, PORT: 'eighty' }, 'PORT', /whole number/)
  configError(t, { ...secrets, PORT: '70000' }, 'PORT', /out of range/)
  configError(t, { ...secrets, PUBLIC_URL: 'not a url' }, 'PUBLIC_URL', /not a URL/)
  configError(t, { ...secrets, PUBLIC_URL: 'ftp://x.example' }, 'PUBLIC_URL', /http or https/)
  configError(t, { ...secrets, PUBLIC_URL: 'https://x.example/app' }, 'PUBLIC_URL', /without a path/)
  configError(t, { ...secrets, SENTRY_URL: 'https://user:pw@sentry.io' }, 'SENTRY_URL', /credentials/)
  configError(t, { ...secrets, SENTRY_CLIENT_ID: 'abc' }, 'SENTRY_CLIENT_SECRET', /missing/)
  configError(t, { ...secrets, SENTRY_CLIENT_SECRET: 'abc' }, 'SENTRY_CLIENT_ID', /missing/)
  configError(t, { ...secrets, SENTRY_SCOPES: 'org:read org:everything' }, 'SENTRY_SCOPES', /not a Sentry scope/)
  configError(t, { ...secrets, DATABASE_URL: ':memory:' }, 'DATABASE_URL', /SQLite file/)
  configError(t, { ...secrets, SESSION_SECRET: 'short' }, 'SESSION_SECRET', /at least 32/)
  configError(t, { ...secrets, TOKEN_ENCRYPTION_KEY: 'not-base64!' }, 'TOKEN_ENCRYPTION_KEY', /base64/)
  configError(t, { ...secrets, TOKEN_ENCRYPTION_KEY: randomBytes(16).toString('base64') }, 'TOKEN_ENCRYPTION_KEY', /16 bytes.*32 bytes/)
  configError(t, { ...secrets, TOKEN_ENCRYPTION_KEY: `a:${key()},a:${key()}` }, 'TOKEN_ENCRYPTION_KEY', /twice/)
  configError(t, { ...secrets, TOKEN_ENCRYPTION_KEY: `bad id!:${key()}` }, 'TOKEN_ENCRYPTION_KEY', /key id/)
  configError(t, { ...secrets, LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /not a level/)
  configError(t, { ...secrets, LOG_BUFFER_BYTES: '4k' }, 'LOG_BUFFER_BYTES', /whole number/)
  configError(t, { ...secrets, LOG_BUFFER_BYTES: String(2 * 1024 * 1024) }, 'LOG_BUFFER_BYTES', /between 0 and 1048576/)
  configError(t, { ...secrets, LOG_FLUSH_INTERVAL_MS: '0' }, 'LOG_FLUSH_INTERVAL_MS', /between 10 and 60000/)
  configError(t, { ...secrets, ALLOWED_ORIGINS: 'https://a.example/path' }, 'ALLOWED_ORIGINS', /bare origin/)
  configError(t, { ...secrets, ALLOWED_ORIGINS: 'nope' }, 'ALLOWED_ORIGINS', /not an origin/)
  configError(t, { ...secrets, GRAPHQL_PERSISTED_QUERIES_ONLY: 'maybe' }, 'GRAPHQL_PERSISTED_QUERIES_ONLY', /boolean/)
  configError(t, { ...secrets, PRIVACY_POLICY_URL: 'x' }, 'PRIVACY_POLICY_URL', /not a URL/)
})

t.test('production makes missing secrets and credentials fatal', async t => {
  configError(t, { NODE_ENV: 'production', TOKEN_ENCRYPTION_KEY: key(), SENTRY_CLIENT_ID: 'a', SENTRY_CLIENT_SECRET: 'b' }, 'SESSION_SECRET', /required when NODE_ENV=production/)
  configError(t, { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), SENTRY_CLIENT_ID: 'a', SENTRY_CLIENT_SECRET: 'b' }, 'TOKEN_ENCRYPTION_KEY', /required when NODE_ENV=production/)
  configError(t, { NODE_ENV: 'production', ...secrets }, 'SENTRY_CLIENT_ID', /required when NODE_ENV=production/)
  const dir = t.testdir()
  const c = loadConfig({ NODE_ENV: 'production', ...secrets, SENTRY_CLIENT_ID: 'a', SENTRY_CLIENT_SECRET: 'b', DATABASE_URL: join(dir, 'g.db') })
  t.equal(c.production, true)
  t.equal(c.useEmulator, false)
})

t.test('outside production missing secrets are generated once, kept 0600, and reused', async t => {
  const dir = t.testdir()
  const env = { DATABASE_URL: join(dir, 'data', 'g.db') }
  const a = loadConfig(env)
  const b = loadConfig(env)
  t.equal(a.sessionSecret, b.sessionSecret)
  t.same([...a.tokenKeys.keys.entries()], [...b.tokenKeys.keys.entries()])
  const file = join(dir, 'data', 'dev-secrets.json')
  t.equal(statSync(file).mode & 0o777, 0o600)
  t.ok(a.sessionSecret.length >= 32)
  t.match(readFileSync(file, 'utf8'), /tokenEncryptionKey/)
})

t.test('a configured secret wins over the generated one', async t => {
  const dir = t.testdir()
  const c = loadConfig({ DATABASE_URL: join(dir, 'g.db'), SESSION_SECRET: 'y'.repeat(33) })
  t.equal(c.sessionSecret, 'y'.repeat(33))
})

t.test('key lists: the first key is current, every listed key is kept', async t => {
  const k1 = key()
  const k2 = key()
  const ring = parseTokenKeys(`new:${k2}, old:${k1}`)
  t.equal(ring.currentKeyId, 'new')
  t.same([...ring.keys.keys()], ['new', 'old'])
  t.equal(parseTokenKeys(k1).currentKeyId, 'default')
  t.throws(() => parseTokenKeys(' , '), /empty/)
})

t.test('DATABASE_URL postgres:// selects PostgreSQL; pool settings; shared secrets and no embedded emulator', async t => {
  const dir = t.testdir()
  const client = { SENTRY_CLIENT_ID: 'id', SENTRY_CLIENT_SECRET: 'secret' }
  const c = loadConfig({ ...secrets, ...client, DATABASE_URL: 'postgres://gw:pw@db.internal:5432/gateway' }, { cwd: dir })
  t.same(c.postgres, { url: 'postgres://gw:pw@db.internal:5432/gateway', poolMax: 10, connectionTimeoutMs: 3000, idleTimeoutMs: 10_000, statementTimeoutMs: 5000 })
  const d = loadConfig({ ...secrets, ...client, DATABASE_URL: 'postgresql://db/gw', PG_POOL_MAX: '4', PG_CONNECT_TIMEOUT_MS: '500', PG_IDLE_TIMEOUT_MS: '2000', PG_STATEMENT_TIMEOUT_MS: '900' }, { cwd: dir })
  t.same(d.postgres, { url: 'postgresql://db/gw', poolMax: 4, connectionTimeoutMs: 500, idleTimeoutMs: 2000, statementTimeoutMs: 900 })
  t.equal(loadConfig({ ...secrets }, { cwd: dir }).postgres, undefined, 'SQLite by default')

  const pgUrl = { DATABASE_URL: 'postgres://db/gw' }
  configError(t, { ...client, ...pgUrl, TOKEN_ENCRYPTION_KEY: key() }, 'SESSION_SECRET', /required with a PostgreSQL DATABASE_URL/)
  configError(t, { ...client, ...pgUrl, SESSION_SECRET: 'x'.repeat(40) }, 'TOKEN_ENCRYPTION_KEY', /every instance sharing the database needs the same value/)
  configError(t, { ...secrets, ...pgUrl }, 'SENTRY_CLIENT_ID', /embedded Sentry emulator/)
  configError(t, { ...secrets, ...client, ...pgUrl, PG_POOL_MAX: '0' }, 'PG_POOL_MAX', /out of range/)
  configError(t, { ...secrets, ...client, ...pgUrl, PG_CONNECT_TIMEOUT_MS: 'soon' }, 'PG_CONNECT_TIMEOUT_MS', /whole number/)
  configError(t, { ...secrets, ...client, DATABASE_URL: 'postgres://' }, 'DATABASE_URL', /names no host/)
  configError(t, { ...secrets, ...client, DATABASE_URL: 'postgres://[bad' }, 'DATABASE_URL', /not a valid PostgreSQL URL/)
})

t.test('shutdown: the drain is 0 outside production, 5 s in production; the timeout always covers an upstream call', async t => {
  const dir = t.testdir()
  const dev = loadConfig({ ...secrets }, { cwd: dir })
  t.equal(dev.shutdownDrainMs, 0)
  t.equal(dev.shutdownTimeoutMs, 2000 + 5000 + 15000 + 5000, 'rate-limit wait + connect + request timeouts + 5 s')
  t.ok(dev.shutdownTimeoutMs > dev.upstreamRequestTimeoutMs + dev.upstreamConnectTimeoutMs, 'longer than one upstream call (the old 10 s was not)')
  const prod = loadConfig({ ...secrets, NODE_ENV: 'production', SENTRY_CLIENT_ID: 'id', SENTRY_CLIENT_SECRET: 's', PUBLIC_URL: 'https://gw.example.com' }, { cwd: dir })
  t.equal(prod.shutdownDrainMs, 5000)
  t.equal(prod.shutdownTimeoutMs, 5000 + 2000 + 5000 + 15000 + 5000)
  const set = loadConfig({ ...secrets, SHUTDOWN_DRAIN_MS: '1000', SHUTDOWN_TIMEOUT_MS: '60000', SENTRY_REQUEST_TIMEOUT_MS: '3000' }, { cwd: dir })
  t.equal(set.shutdownDrainMs, 1000)
  t.equal(set.shutdownTimeoutMs, 60000)
  t.equal(loadConfig({ ...secrets, SENTRY_REQUEST_TIMEOUT_MS: '60000' }, { cwd: dir }).shutdownTimeoutMs, 2000 + 5000 + 60000 + 5000, 'the default follows the upstream timeouts')
  configError(t, { ...secrets, SHUTDOWN_TIMEOUT_MS: '10000' }, 'SHUTDOWN_TIMEOUT_MS', /does not cover .*20000 ms/)
  configError(t, { ...secrets, SHUTDOWN_DRAIN_MS: 'later' }, 'SHUTDOWN_DRAIN_MS', /whole number/)
})

t.test('identity: AUTH_MODE, JWT settings and SESSION_COOKIE_SAMESITE', async t => {
  const dir = t.testdir()
  const jwt = { AUTH_JWT_SECRET: 's'.repeat(32), AUTH_JWT_ISSUER: 'https://platform.example.com', AUTH_JWT_AUDIENCE: 'gw' }
  const plain = loadConfig({ ...secrets }, { cwd: dir })
  t.equal(plain.authMode, 'session', 'session without JWT settings')
  t.equal(plain.jwt, null)
  t.equal(plain.sessionCookieSameSite, 'lax')
  const withJwt = loadConfig({ ...secrets, ...jwt }, { cwd: dir })
  t.equal(withJwt.authMode, 'jwt', 'jwt with them')
  t.same(withJwt.jwt, { jwksUrl: undefined, secret: 's'.repeat(32), issuer: 'https://platform.example.com', audience: ['gw'], userClaim: 'sub' })
  const both = loadConfig({ ...secrets, AUTH_MODE: 'both', AUTH_JWKS_URL: 'https://platform.example.com/.well-known/jwks.json', AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a, b', AUTH_JWT_USER_CLAIM: 'uid' }, { cwd: dir })
  t.match(both, { authMode: 'both', jwt: { jwksUrl: 'https://platform.example.com/.well-known/jwks.json', secret: undefined, audience: ['a', 'b'], userClaim: 'uid' } })
  const none = loadConfig({ ...secrets, PUBLIC_URL: 'https://gw.example.com', ALLOWED_ORIGINS: 'https://app.example.com', SESSION_COOKIE_SAMESITE: 'None' }, { cwd: dir })
  t.equal(none.sessionCookieSameSite, 'none')

  configError(t, { ...secrets, AUTH_MODE: 'oidc' }, 'AUTH_MODE', /session, jwt or both/)
  configError(t, { ...secrets, AUTH_MODE: 'jwt' }, 'AUTH_JWKS_URL', /required with AUTH_MODE=jwt/)
  configError(t, { ...secrets, ...jwt, AUTH_MODE: 'session' }, 'AUTH_MODE', /remove the JWT settings/)
  configError(t, { ...secrets, ...jwt, AUTH_JWKS_URL: 'https://x.example/jwks' }, 'AUTH_JWT_SECRET', /one key source/)
  configError(t, { ...secrets, ...jwt, AUTH_JWT_SECRET: 'short' }, 'AUTH_JWT_SECRET', /at least 32/)
  configError(t, { ...secrets, AUTH_JWKS_URL: 'nope', AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' }, 'AUTH_JWKS_URL', /not a URL/)
  configError(t, { ...secrets, AUTH_JWKS_URL: 'ftp://x.example/jwks', AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' }, 'AUTH_JWKS_URL', /https/)
  configError(t, { ...secrets, AUTH_JWT_SECRET: 's'.repeat(32), AUTH_JWT_AUDIENCE: 'a' }, 'AUTH_JWT_ISSUER', /required/)
  configError(t, { ...secrets, AUTH_JWT_SECRET: 's'.repeat(32), AUTH_JWT_ISSUER: 'i' }, 'AUTH_JWT_AUDIENCE', /required/)
  configError(t, { ...secrets, ...jwt, AUTH_JWT_USER_CLAIM: 'a b' }, 'AUTH_JWT_USER_CLAIM', /not a claim name/)
  configError(t, { ...secrets, SESSION_COOKIE_SAMESITE: 'loose' }, 'SESSION_COOKIE_SAMESITE', /lax, strict or none/)
  configError(t, { ...secrets, SESSION_COOKIE_SAMESITE: 'none', ALLOWED_ORIGINS: 'https://app.example.com' }, 'SESSION_COOKIE_SAMESITE', /https PUBLIC_URL/)
  configError(t, { ...secrets, SESSION_COOKIE_SAMESITE: 'none', PUBLIC_URL: 'https://gw.example.com' }, 'SESSION_COOKIE_SAMESITE', /ALLOWED_ORIGINS/)
})

t.test('operations: metrics, tracing (standard OTEL variables) and keep-alive', async t => {
  const dir = t.testdir()
  const d = loadConfig({ ...secrets }, { cwd: dir })
  t.same(d.telemetry, {
    metricsToken: undefined,
    metricsPort: undefined,
    metricsMaxOperationNames: 100,
    otlpTracesUrl: undefined,
    otlpHeaders: {},
    serviceName: 'sentry-graphql-gateway'
  }, 'metrics and tracing are off by default')
  t.equal(d.keepAliveDays, 30)
  t.equal(d.keepAliveIntervalSeconds, 3600)

  const c = loadConfig({
    ...secrets,
    METRICS_TOKEN: 'm'.repeat(24),
    METRICS_PORT: '9464',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
    OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20abc, x-tenant=ops',
    OTEL_SERVICE_NAME: 'gw-eu',
    SENTRY_KEEPALIVE_DAYS: '0'
  }, { cwd: dir })
  t.match(c.telemetry, { metricsToken: 'm'.repeat(24), metricsPort: 9464, otlpTracesUrl: 'http://collector:4318/v1/traces', serviceName: 'gw-eu' })
  t.same(c.telemetry.otlpHeaders, { authorization: 'Bearer abc', 'x-tenant': 'ops' })
  t.equal(c.keepAliveDays, 0, '0 turns the keep-alive off')
  const traces = loadConfig({ ...secrets, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/custom' }, { cwd: dir })
  t.equal(traces.telemetry.otlpTracesUrl, 'http://b:4318/custom', 'the per-signal endpoint is used as is')
  t.equal(loadConfig({ ...secrets, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_SDK_DISABLED: 'true' }, { cwd: dir }).telemetry.otlpTracesUrl, undefined)
  t.equal(loadConfig({ ...secrets, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_TRACES_EXPORTER: 'none' }, { cwd: dir }).telemetry.otlpTracesUrl, undefined)

  configError(t, { ...secrets, METRICS_TOKEN: 'short' }, 'METRICS_TOKEN', /at least 16 printable/)
  configError(t, { ...secrets, METRICS_TOKEN: 'has a space in the token' }, 'METRICS_TOKEN', /without spaces/)
  configError(t, { ...secrets, METRICS_PORT: '0' }, 'METRICS_PORT', /out of range/)
  configError(t, { ...secrets, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT', /http or https/)
  configError(t, { ...secrets, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', /not a URL/)
  configError(t, { ...secrets, OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }, 'OTEL_EXPORTER_OTLP_HEADERS', /key=value/)
  configError(t, { ...secrets, OTEL_EXPORTER_OTLP_HEADERS: 'a=%E0%A4%A' }, 'OTEL_EXPORTER_OTLP_HEADERS', /percent-encoding/)
  configError(t, { ...secrets, SENTRY_KEEPALIVE_DAYS: '60' }, 'SENTRY_KEEPALIVE_DAYS', /out of range/)
})

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
