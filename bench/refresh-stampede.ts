/**
 * `npm run bench:refresh`: how many OAuth refreshes do 1000 concurrent requests cause when they
 * meet an expired token? In one process, in two processes sharing the SQLite file (the second
 * is `node --import tsx bench/refresh-stampede.ts --worker`), and in three processes sharing one
 * PostgreSQL database (PG_BENCH_URL, default postgres://postgres@127.0.0.1:5432/postgres: a
 * `postgres_bench_…` database is created and dropped). Every figure must be 1: Sentry
 * rotates both tokens on refresh, so a second refresh would kill the first one's tokens.
 *
 * Two variants: the database knows the token expired (refresh ahead), or only Sentry does (every
 * request meets 401 "Token expired").
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { startEmulator } from '../src/emulator/index.js'

const REQUESTS = 1000
const PG_ADMIN_URL = process.env.PG_BENCH_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

async function admin (sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/** A fresh, empty database for the PostgreSQL scenario; its URL. */
async function createDatabase (): Promise<string> {
  const name = `postgres_bench_${process.pid}_${randomBytes(4).toString('hex')}`
  await admin(`CREATE DATABASE "${name}"`)
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${name}`
  return url.href
}
const CLIENT_ID = 'bench-client'
const CLIENT_SECRET = 'bench-client-secret-0123456789abcdef'

interface Shared { dir: string, key: string, emulatorUrl: string, databaseUrl?: string }

async function app (shared: Shared) {
  const config = loadConfig({
    DATABASE_URL: shared.databaseUrl ?? join(shared.dir, 'gateway.db'),
    // Three processes and PostgreSQL on a small machine: waiting for a pooled connection may take seconds.
    PG_CONNECT_TIMEOUT_MS: '30000',
    SESSION_SECRET: 'bench-session-secret-0123456789-abcdefghijklmnop',
    TOKEN_ENCRYPTION_KEY: shared.key,
    SENTRY_CLIENT_ID: CLIENT_ID,
    SENTRY_CLIENT_SECRET: CLIENT_SECRET,
    SENTRY_URL: shared.emulatorUrl,
    LOG_LEVEL: 'silent'
  }, { cwd: shared.dir })
  const instance = await buildApp(config, { logger: false })
  await instance.ready()
  return instance
}

/** Fires `n` concurrent calls; returns how many failed, by code. */
async function fire (instance: Awaited<ReturnType<typeof app>>, connectionId: string, n: number): Promise<Record<string, number>> {
  const client = instance.sentry.forConnection(connectionId)
  const routes = [
    async () => await client.organizations.get('acme'),
    async () => await client.projects.list('acme'),
    async () => await client.teams.list('acme'),
    async () => await client.issues.list('acme', { limit: 1 })
  ]
  const results = await Promise.allSettled(Array.from({ length: n }, async (_, i) => await routes[i % routes.length]!()))
  const errors: Record<string, number> = {}
  for (const r of results) {
    if (r.status === 'rejected') {
      const code = String((r.reason as { code?: unknown }).code ?? 'NO_CODE')
      errors[code] = (errors[code] ?? 0) + 1
    }
  }
  return errors
}

async function emulatorCall (url: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}/_emulator/${path}`, body === undefined
    ? {}
    : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (!res.ok) throw new Error(`emulator ${path}: ${res.status}`)
  const text = await res.text()
  return text === '' ? null : JSON.parse(text)
}

/** A stored connection whose token has expired at Sentry (and, if `knownExpired`, in the database too). */
async function expiredConnection (instance: Awaited<ReturnType<typeof app>>, emulatorUrl: string, knownExpired: boolean): Promise<string> {
  const tokens = await emulatorCall(emulatorUrl, 'tokens', {
    clientId: CLIENT_ID, scopes: ['org:read', 'project:read', 'team:read', 'member:read', 'event:read']
  })
  const user = await instance.store.createUser()
  const saved = await instance.store.saveConnection({
    userId: user.id,
    sentryUser: { id: tokens.user.id, name: tokens.user.name, email: tokens.user.email },
    scopes: String(tokens.scope).split(' '),
    scopingOrgId: null,
    expiresAt: knownExpired ? new Date(Date.now() - 60_000) : new Date(tokens.expires_at),
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    organizations: []
  })
  await emulatorCall(emulatorUrl, 'tokens/expire', {})
  await emulatorCall(emulatorUrl, 'counters/reset', {})
  return saved.id
}

/** Worker mode: build an app on the shared database, then fire when told to. */
async function worker (): Promise<void> {
  const shared = JSON.parse(process.env.BENCH_SHARED ?? '{}') as Shared
  const instance = await app(shared)
  const lines = createInterface({ input: process.stdin })
  process.stdout.write('ready\n')
  for await (const line of lines) {
    if (line === 'exit') break
    const { connectionId, n } = JSON.parse(line) as { connectionId: string, n: number }
    const errors = await fire(instance, connectionId, n)
    process.stdout.write(`${JSON.stringify(errors)}\n`)
  }
  lines.close()
  await instance.close()
}

class Worker {
  private readonly child: ChildProcess
  private readonly lines: AsyncIterator<string>

  constructor (shared: Shared) {
    this.child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker'], {
      env: { ...process.env, BENCH_SHARED: JSON.stringify(shared) },
      stdio: ['pipe', 'pipe', 'inherit']
    })
    this.lines = createInterface({ input: this.child.stdout! })[Symbol.asyncIterator]()
  }

  async next (): Promise<string> {
    const { value, done } = await this.lines.next()
    if (done === true) throw new Error('the worker exited')
    return value
  }

  send (line: string): void {
    this.child.stdin!.write(`${line}\n`)
  }

  async close (): Promise<void> {
    this.send('exit')
    await new Promise(resolve => this.child.once('exit', resolve))
  }
}

async function main (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'refresh-stampede-'))
  const emulator = await startEmulator({
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, name: 'Bench', redirectUris: ['http://127.0.0.1/cb'] }]
  })
  // Sentry's default 470 requests/s per endpoint would make this a rate-limit benchmark.
  await emulatorCall(emulator.url, 'rate-limit', { limit: 1_000_000, windowSeconds: 1 })
  const shared: Shared = { dir, key: randomBytes(32).toString('base64'), emulatorUrl: emulator.url }
  const main = await app(shared)
  const rows: Array<{ scenario: string, expired: string, requests: number, refreshes: number, refreshFailures: number, errors: string, ms: number }> = []
  let worker: Worker | undefined
  let pgMain: Awaited<ReturnType<typeof app>> | undefined
  const pgWorkers: Worker[] = []
  let dropDatabase = async (): Promise<void> => {}
  try {
    for (const processes of [1, 2]) {
      if (processes === 2) {
        worker = new Worker(shared)
        if (await worker.next() !== 'ready') throw new Error('the worker did not start')
      }
      for (const knownExpired of [true, false]) {
        const connectionId = await expiredConnection(main, emulator.url, knownExpired)
        const started = performance.now()
        const mine = processes === 1 ? REQUESTS : REQUESTS / 2
        let theirs: Promise<Record<string, number>> = Promise.resolve({})
        if (worker !== undefined) {
          worker.send(JSON.stringify({ connectionId, n: REQUESTS - mine }))
          const w = worker
          theirs = w.next().then(line => JSON.parse(line) as Record<string, number>)
        }
        const [a, b] = await Promise.all([fire(main, connectionId, mine), theirs])
        const ms = Math.round(performance.now() - started)
        const counters = await emulatorCall(emulator.url, 'counters')
        const errors: Record<string, number> = { ...a }
        for (const [k, v] of Object.entries(b)) errors[k] = (errors[k] ?? 0) + v
        rows.push({
          scenario: processes === 1 ? 'one process' : 'two processes, one DB',
          expired: knownExpired ? 'in DB (refresh ahead)' : 'upstream only (401)',
          requests: REQUESTS,
          refreshes: counters.refreshes,
          refreshFailures: counters.refreshFailures,
          errors: Object.keys(errors).length === 0 ? '0' : JSON.stringify(errors),
          ms
        })
      }
    }
    // Three processes on one PostgreSQL database.
    const pgUrl = await createDatabase()
    dropDatabase = async () => { await admin(`DROP DATABASE IF EXISTS "${new URL(pgUrl).pathname.slice(1)}" WITH (FORCE)`) }
    const pgShared: Shared = { ...shared, databaseUrl: pgUrl }
    pgMain = await app(pgShared)
    for (let i = 0; i < 2; i++) {
      const w = new Worker(pgShared)
      pgWorkers.push(w)
      if (await w.next() !== 'ready') throw new Error('a PostgreSQL worker did not start')
    }
    for (const knownExpired of [true, false]) {
      const connectionId = await expiredConnection(pgMain, emulator.url, knownExpired)
      const started = performance.now()
      const share = Math.floor(REQUESTS / 3)
      const theirs = pgWorkers.map(w => {
        w.send(JSON.stringify({ connectionId, n: share }))
        return w.next().then(line => JSON.parse(line) as Record<string, number>)
      })
      const results = await Promise.all([fire(pgMain, connectionId, REQUESTS - share * pgWorkers.length), ...theirs])
      const ms = Math.round(performance.now() - started)
      const counters = await emulatorCall(emulator.url, 'counters')
      const errors: Record<string, number> = {}
      for (const r of results) for (const [k, v] of Object.entries(r)) errors[k] = (errors[k] ?? 0) + v
      rows.push({
        scenario: '3 processes, PostgreSQL',
        expired: knownExpired ? 'in DB (refresh ahead)' : 'upstream only (401)',
        requests: REQUESTS,
        refreshes: counters.refreshes,
        refreshFailures: counters.refreshFailures,
        errors: Object.keys(errors).length === 0 ? '0' : JSON.stringify(errors),
        ms
      })
    }
  } finally {
    for (const w of pgWorkers) await w.close()
    await pgMain?.close()
    await dropDatabase()
    await worker?.close()
    await main.close()
    await emulator.close()
    rmSync(dir, { recursive: true, force: true })
  }
  console.table(rows)
  const ok = rows.every(r => r.refreshes === 1 && r.refreshFailures === 0 && r.errors === '0')
  console.log(ok ? 'OK: exactly one refresh in every scenario' : 'FAIL: expected exactly one refresh and no errors in every scenario')
  process.exitCode = ok ? 0 : 1
}

if (process.argv.includes('--worker')) {
  await worker()
} else {
  await main()
}
