/**
 * Several gateway processes (src/server.ts, as deployed) on one PostgreSQL database and one
 * Sentry (the emulator, behind a loopback proxy that can hold the token endpoint):
 * - a connection made through instance A works through B and C with the same session cookie;
 * - 1000 concurrent requests spread over 3 instances meet an expired token: exactly 1 refresh;
 * - an instance SIGKILLed while holding the refresh lease: another completes the refresh once the
 *   lease has expired on the database's clock;
 * - 4 instances started at once on an empty database all come up; the schema is migrated once.
 * Every process is killed in teardown; each test has its own `postgres_…` database.
 */
import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { Agent, request } from 'undici'
import { PG_MIGRATIONS_FOLDER } from '../../../src/db/pg/store.js'
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET } from '../../helpers/env.js'
import { control, counters, startTestEmulator, type RunningEmulator } from '../../helpers/emulator.js'
import { createTestDatabase, pgQuery } from '../../helpers/postgres.js'
import { freePort } from '../../helpers/process.js'
import { startSentryProxy, type SentryProxy } from '../../helpers/sentry-proxy.js'
import { BrowserLike } from '../../helpers/browser-like.js'
import { runConnect } from '../../helpers/connect-flow.js'

// Process starts on 2 shared cores, 1000 requests and a lease that must expire (30 s): this file
// needs more than .taprc's 120 s.
t.setTimeout(480_000)

const root = fileURLToPath(new URL('../../..', import.meta.url))
const PROJECTS = '{ organization(slug: "acme") { projects(first: 1) { nodes { slug } } } }'

interface Gateway { child: ChildProcess, url: string, output: () => string }

/** One gateway process; killed (SIGKILL) in teardown if still running. */
async function startGateway (t: Test, env: Record<string, string>): Promise<Gateway> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  // Outside tap's coverage, as server.test.ts explains.
  const child = spawn('env', ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', process.execPath, '--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  let out = ''
  child.stdout?.on('data', d => { out += String(d) })
  child.stderr?.on('data', d => { out += String(d) })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${out}`)), 60_000)
    const check = (): void => { if (out.includes('Server listening at')) { clearTimeout(timer); resolve() } }
    child.stdout?.on('data', check)
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`gateway exited ${String(code)}:\n${out}`)) })
  })
  return { child, url, output: () => out }
}

interface World { emulator: RunningEmulator, proxy: SentryProxy, env: Record<string, string>, databaseUrl: string }

/** A fresh database, an emulator with rate limits out of the way, a proxy, and the shared env. */
async function world (t: Test, label: string): Promise<World> {
  const databaseUrl = await createTestDatabase(t, label)
  const emulator = await startTestEmulator(t)
  await control(emulator, 'rate-limit', { limit: 1_000_000, windowSeconds: 1 })
  const proxy = await startSentryProxy(emulator.url)
  t.teardown(() => proxy.close())
  const env = {
    DATABASE_URL: databaseUrl,
    // The same secrets on every instance, as README's "Running several instances" requires.
    SESSION_SECRET: randomBytes(32).toString('base64'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SENTRY_CLIENT_ID: TEST_CLIENT_ID,
    SENTRY_CLIENT_SECRET: TEST_CLIENT_SECRET,
    SENTRY_URL: proxy.url,
    // 3 gateways, PostgreSQL and 1000 requests share 2 cores here: a request may wait seconds
    // for one of the 10 pooled connections (the default 3 s would answer DATABASE_UNAVAILABLE).
    PG_CONNECT_TIMEOUT_MS: '30000',
    // 1000 requests queue behind Sentry's concurrency limit on 2 cores: this test counts refreshes,
    // so each request gets a deadline long enough to be answered (the default is 15 s).
    GRAPHQL_REQUEST_TIMEOUT_MS: '120000',
    // …and each exchange with Sentry too: on a loaded machine one answer behind 1000 others has
    // taken longer than the default 15 s (UPSTREAM_TIMEOUT), which says nothing about refreshes.
    SENTRY_REQUEST_TIMEOUT_MS: '60000',
    LOG_LEVEL: 'info'
  }
  return { emulator, proxy, env, databaseUrl }
}

async function graphql (url: string, cookie: string, query: string, dispatcher?: Agent) {
  const res = await request(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ query }), dispatcher })
  return { status: res.statusCode, body: await res.body.json() as { data?: any, errors?: Array<{ message: string, extensions?: { code?: string } }> } }
}

/** Connects to Sentry through `gateway` like a browser; returns the browser (it holds the session cookie). */
async function connectThrough (gateway: Gateway): Promise<BrowserLike> {
  const b = new BrowserLike()
  const run = await runConnect(b, gateway.url)
  if (run.callback.status !== 303 && run.callback.status !== 302) throw new Error(`callback answered ${run.callback.status}: ${run.callback.body.slice(0, 300)}`)
  return b
}

async function waitFor (what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

t.test('3 instances, one database: a connection made through A works through B and C; 1000 concurrent requests meeting an expired token cause exactly 1 refresh', async t => {
  const w = await world(t, 'three')
  const [a, b, c] = await Promise.all([startGateway(t, w.env), startGateway(t, w.env), startGateway(t, w.env)])
  const browser = await connectThrough(a)
  const cookie = browser.cookieHeader(new URL(a.url))
  t.match(cookie, /=/, 'a session cookie from A')

  for (const gw of [a, b, c]) {
    const res = await graphql(gw.url, cookie, '{ viewer { connections { id status } } }')
    t.equal(res.status, 200, `${gw.url}: answered`)
    t.equal(res.body.data?.viewer.connections.length, 1, `${gw.url}: the connection made through A`)
    const projects = await graphql(gw.url, cookie, PROJECTS)
    t.same(projects.body.errors, undefined, `${gw.url}: Sentry reached with the shared tokens`)
  }
  const [connection] = await pgQuery<{ id: string }>(w.databaseUrl, 'select id from sentry_connections')

  // Sentry expires the access token: every request meets 401 "Token expired".
  await control(w.emulator, 'tokens/expire', {})
  await control(w.emulator, 'counters/reset', {})
  const agent = new Agent({ connections: 128 })
  t.teardown(() => agent.close())
  const gateways = [a, b, c]
  const results = await Promise.all(Array.from({ length: 1000 }, async (_, i) => await graphql(gateways[i % 3]!.url, cookie, PROJECTS, agent)))
  const seen = await counters(w.emulator)
  t.equal(seen.refreshes, 1, 'exactly one refresh across the 3 instances')
  t.equal(seen.refreshFailures, 0)
  const failed = results.filter(r => r.status !== 200 || r.body.errors !== undefined)
  t.equal(failed.length, 0, `all 1000 answered with data${failed.length > 0 ? `: ${JSON.stringify(failed[0]?.body)}` : ''}`)
  const [tokens] = await pgQuery<{ version: number }>(w.databaseUrl, 'select version from sentry_tokens where connection_id = $1', [connection?.id])
  t.equal(tokens?.version, 2, 'one rotation stored')
})

t.test('an instance SIGKILLed while holding the refresh lease: another completes the refresh after the lease expires', async t => {
  const w = await world(t, 'sigkill')
  const [a, b, c] = await Promise.all([startGateway(t, w.env), startGateway(t, w.env), startGateway(t, w.env)])
  const browser = await connectThrough(a)
  const cookie = browser.cookieHeader(new URL(a.url))
  const [connection] = await pgQuery<{ id: string }>(w.databaseUrl, 'select id from sentry_connections')
  await control(w.emulator, 'tokens/expire', {})
  await control(w.emulator, 'counters/reset', {})

  // A's refresh POST never gets through: A takes the lease, posts, and dies meanwhile.
  const before = w.proxy.tokenRequests.length
  w.proxy.nextToken({ kind: 'stall', ms: 120_000 })
  const doomed = graphql(a.url, cookie, PROJECTS).catch((err: unknown) => err)
  await waitFor('A\'s refresh POST', async () => w.proxy.tokenRequests.length === before + 1, 30_000)
  t.equal(w.proxy.tokenRequests[before]?.form.grant_type, 'refresh_token')
  const [lease] = await pgQuery<{ owner: string | null, live: boolean }>(w.databaseUrl, 'select lease_owner as owner, lease_expires_at > now() as live from sentry_tokens where connection_id = $1', [connection?.id])
  t.ok(lease?.owner !== null && lease?.live === true, 'A holds a live lease')
  a.child.kill('SIGKILL')
  await doomed

  // The lease outlives its holder until the database's clock passes its expiry.
  await waitFor('the lease to expire', async () => {
    const [row] = await pgQuery<{ expired: boolean }>(w.databaseUrl, 'select lease_expires_at < now() as expired from sentry_tokens where connection_id = $1', [connection?.id])
    return row?.expired === true
  }, 60_000)
  const [fromB, fromC] = await Promise.all([graphql(b.url, cookie, PROJECTS), graphql(c.url, cookie, PROJECTS)])
  t.equal(fromB.status, 200)
  t.same(fromB.body.errors, undefined, 'B answers with data')
  t.same(fromC.body.errors, undefined, 'C answers with data')
  const seen = await counters(w.emulator)
  t.equal(seen.refreshes, 1, 'one refresh reached Sentry (A\'s never did)')
  const [row] = await pgQuery<{ version: number, status: string }>(w.databaseUrl, 'select t.version, c.status from sentry_tokens t join sentry_connections c on c.id = t.connection_id where c.id = $1', [connection?.id])
  t.same(row, { version: 2, status: 'ACTIVE' }, 'the takeover stored the rotated pair; the connection lives')
})

t.test('4 instances started at once on an empty database all come up; the schema is migrated once', async t => {
  const w = await world(t, 'start4')
  const gateways = await Promise.all([1, 2, 3, 4].map(async () => await startGateway(t, w.env)))
  for (const gw of gateways) {
    const res = await request(`${gw.url}/readyz`)
    t.equal(res.statusCode, 200, `${gw.url} is ready`)
    await res.body.dump()
  }
  const [journal] = await pgQuery<{ n: number }>(w.databaseUrl, 'select count(*)::int as n from drizzle.__drizzle_migrations')
  const migrations = (JSON.parse(readFileSync(join(PG_MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length
  t.equal(journal?.n, migrations, 'one journal row per migration: each applied once')
  for (const gw of gateways) t.notMatch(gw.output(), /"level":(50|60)/, 'no instance logged an error')
})
