/**
 * `npm run bench:telemetry`: the CPU cost per request of metrics and of tracing, against the same
 * gateway with both off. In one process: the emulator, an OTLP/HTTP sink on 127.0.0.1 (tracing
 * exports there), and one gateway per variant, each driven through inject() with the same GraphQL
 * query (one upstream call per request). CPU is process.cpuUsage() over the measured requests,
 * emulator included (the same for every variant, so differences are the telemetry's). The access
 * log is on (info, to a discarding stream) in every variant. Variants take turns for
 * BENCH_ROUNDS rounds; the median per variant is printed.
 *
 * Env: BENCH_REQUESTS (2000 per run), BENCH_ROUNDS (5), BENCH_CONCURRENCY (10).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { startEmulator } from '../src/emulator/index.js'
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET, testEnv } from '../test/helpers/env.js'
import { sessionCookie } from '../test/helpers/graphql.js'

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10)
const QUERY = JSON.stringify({ query: 'query OrganizationIssues { organization(slug: "acme") { id issues(first: 5) { nodes { id title } } } }' })

const sink = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }).end('{}') }) })
await new Promise<void>(resolve => sink.listen(0, '127.0.0.1', resolve))
const sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}`
const emulator = await startEmulator({ clients: [{ clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET, name: 'bench', redirectUris: ['http://127.0.0.1/cb'] }] })
await emulator.control.setRateLimit({ limit: 1_000_000, windowSeconds: 1 })
const dir = mkdtempSync(join(tmpdir(), 'bench-telemetry-'))
const discard = new Writable({ write (_c, _e, cb) { cb() } })

const variants: Record<string, Record<string, string>> = {
  off: {},
  metrics: { METRICS_TOKEN: 'bench-metrics-token-0123456789' },
  tracing: { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl },
  both: { METRICS_TOKEN: 'bench-metrics-token-0123456789', OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl }
}

interface Subject { name: string, app: FastifyInstance, cookie: string }
const subjects: Subject[] = []
for (const [name, env] of Object.entries(variants)) {
  const config = loadConfig(testEnv(join(dir, name), { SENTRY_URL: emulator.url, DATABASE_URL: join(dir, `${name}.db`), LOG_LEVEL: 'info', SENTRY_KEEPALIVE_DAYS: '0', ...env }), { cwd: dir })
  const app = await buildApp(config, { logger: { level: 'info', stream: discard } })
  await app.ready()
  const tokens = emulator.control.issueToken({ clientId: TEST_CLIENT_ID, scopes: ['org:read', 'project:read', 'event:read'] })
  const user = await app.store.createUser()
  await app.store.saveConnection({
    userId: user.id,
    sentryUser: { id: tokens.user.id, name: tokens.user.name, email: tokens.user.email },
    scopes: tokens.scope.split(' '),
    scopingOrgId: null,
    expiresAt: new Date(tokens.expires_at),
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    organizations: [{ orgId: '1', slug: 'acme', name: 'Acme', regionUrl: emulator.url }]
  })
  subjects.push({ name, app, cookie: sessionCookie(app, user.id) })
}

async function run (s: Subject, n: number): Promise<number> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++
      const res = await s.app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', cookie: s.cookie }, payload: QUERY })
      if (res.statusCode !== 200 || res.body.includes('"errors"')) throw new Error(`${s.name}: ${res.statusCode} ${res.body.slice(0, 200)}`)
    }
  }
  const before = process.cpuUsage()
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const used = process.cpuUsage(before)
  return (used.user + used.system) / n
}

for (const s of subjects) await run(s, Math.min(500, REQUESTS)) // warm-up (JIT, graphql-jit, caches)
const results: Record<string, number[]> = {}
for (let r = 0; r < ROUNDS; r++) {
  for (const s of subjects) (results[s.name] ??= []).push(await run(s, REQUESTS))
}
const median = (xs: number[]): number => { const a = [...xs].sort((x, y) => x - y); return a[Math.floor(a.length / 2)] as number }
const base = median(results.off ?? [])
console.log(`CPU per request (µs, median of ${ROUNDS} rounds of ${REQUESTS} requests, emulator included; Node ${process.version})`)
for (const [name, xs] of Object.entries(results)) {
  const m = median(xs)
  console.log(`${name.padEnd(8)} ${m.toFixed(0).padStart(6)} µs  ${name === 'off' ? '' : `${m - base >= 0 ? '+' : ''}${(m - base).toFixed(0)} µs (${((m / base - 1) * 100).toFixed(1)} %)`}  runs: ${xs.map(x => x.toFixed(0)).join(' ')}`)
}
for (const s of subjects) await s.app.close()
await emulator.close()
await new Promise<void>(resolve => { sink.close(() => { resolve() }) })
rmSync(dir, { recursive: true, force: true })
