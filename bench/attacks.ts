/**
 * `npm run bench:attacks`: how fast the gateway answers each attack of issue 10 that needs no
 * upstream call (target: < 50 ms), against a real listening gateway (127.0.0.1, real HTTP,
 * default limits) and the Sentry emulator. Every request carries a fresh random comment, so
 * mercurius' per-document cache never helps. Also measures `/healthz` while eight salted
 * fragment floods run in parallel (the review saw it held for 2.7 s), and checks that no attack
 * reached Sentry. Prints a table; exits 1 when an attack answers a 5xx or calls Sentry.
 *
 * The figures depend on the machine; tests assert the mechanism, this script prints the times.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { startEmulator } from '../src/emulator/index.js'
import { SESSION_COOKIE } from '../src/plugins/session.js'

const RUNS = Number(process.env.ATTACK_RUNS ?? 30)
const CLIENT_ID = 'bench-client'
const CLIENT_SECRET = 'bench-client-secret-0123456789abcdef'

const dir = mkdtempSync(join(tmpdir(), 'bench-attacks-'))
const emulator = await startEmulator({ clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, name: 'Bench', redirectUris: ['http://127.0.0.1/oauth/sentry/callback'] }] })
const config = loadConfig({
  DATABASE_URL: join(dir, 'gateway.db'),
  SESSION_SECRET: 'bench-session-secret-0123456789-abcdefghijklmnop',
  TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  SENTRY_CLIENT_ID: CLIENT_ID,
  SENTRY_CLIENT_SECRET: CLIENT_SECRET,
  SENTRY_URL: emulator.url,
  LOG_LEVEL: 'silent'
}, { cwd: dir })
const app = await buildApp(config, { logger: false })
const base = await app.listen({ port: 0, host: '127.0.0.1' })

// A viewer with a real connection (tokens minted by the emulator's test-only control API).
const tokens = await (await fetch(`${emulator.url}/_emulator/tokens`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: CLIENT_ID, scopes: ['org:read', 'project:read', 'event:read'] })
})).json() as { access_token: string, refresh_token: string, expires_at: string, scope: string, user: { id: string, name: string, email: string } }
const orgs = await (await fetch(`${emulator.url}/api/0/organizations/`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json() as Array<{ id: string, slug: string, name: string, links: { regionUrl: string } }>
const user = await app.store.createUser()
await app.store.saveConnection({
  userId: user.id,
  sentryUser: tokens.user,
  scopes: tokens.scope.split(' '),
  scopingOrgId: null,
  expiresAt: new Date(tokens.expires_at),
  accessToken: tokens.access_token,
  refreshToken: tokens.refresh_token,
  organizations: orgs.map((o) => ({ orgId: o.id, slug: o.slug, name: o.name, regionUrl: o.links.regionUrl }))
})
const cookie = `${SESSION_COOKIE}=${encodeURIComponent(app.encodeSecureSession(app.createSecureSession({ userId: user.id })))}`

let salt = 0
const salted = (q: string): string => `# ${++salt}-${Math.random()}\n${q}`
const flood = (n: number): string => `{${Array.from({ length: n }, (_, i) => `...F${i}`).join(' ')}}\n${Array.from({ length: n }, (_, i) => `fragment F${i} on Query{__typename}`).join('\n')}`
const deep = '{ viewer(x: """\\""" """) ' + '{ a '.repeat(3000) + '}'.repeat(3000) + ' } # """'
const seventeen = '{ viewer { connections { organizations { issues { edges { node { project { issues { edges { node { latestEvent { entries { ... on ExceptionEntry { values { stacktrace { frames { context { line } } } } } } } } } } } } } } } } } }'
// A large document the limits let through (~1,100 tokens, 50 overlapping fragments): its validation is the most a salted request can cost.
const largest = `{ viewer { ${Array.from({ length: 50 }, (_, i) => `...V${i}`).join(' ')} } }\n${Array.from({ length: 50 }, (_, i) => `fragment V${i} on Viewer { id connections { id status scopes organizations { slug name regionUrl connectionId } } }`).join('\n')}`

interface Attack { name: string, signedIn?: boolean, send: () => Promise<{ status: number, limit?: string }> }

async function gql (query: string, signedIn = false, accept = 'application/json'): Promise<{ status: number, limit?: string }> {
  const res = await request(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, ...(signedIn ? { cookie } : {}) },
    body: JSON.stringify({ query })
  })
  const body = await res.body.json() as { errors?: Array<{ extensions?: { limit?: string, code?: string } }> }
  return { status: res.statusCode, limit: body.errors?.[0]?.extensions?.limit ?? body.errors?.[0]?.extensions?.code ?? 'ok' }
}

const attacks: Attack[] = [
  { name: 'fragment flood, 450 fragments (review, 17 KB), no session', send: async () => await gql(salted(flood(450))) },
  { name: 'fragment flood, 450 fragments, signed in', send: async () => await gql(salted(flood(450)), true) },
  { name: 'fragment flood, 51 fragments', send: async () => await gql(salted(flood(51))) },
  { name: '3,000 nested braces behind an escaped \\""" block string', send: async () => await gql(salted(deep)) },
  { name: '20 KB document', send: async () => await gql(`{ viewer { id } } # ${'x'.repeat(25_000)}`) },
  { name: 'depth 17 (Relay + fragments)', send: async () => await gql(salted(seventeen), true) },
  { name: '51 directives', send: async () => await gql(salted(`{ viewer { ${Array.from({ length: 51 }, (_, i) => `t${i}: __typename @include(if: true)`).join(' ')} } }`)) },
  { name: '16 aliases', send: async () => await gql(salted(`{ viewer { ${Array.from({ length: 16 }, (_, i) => `a${i}: id`).join(' ')} } }`)) },
  { name: 'static cost (first: 100 × 100)', send: async () => await gql(salted('{ organization(slug: "acme") { issues(first: 100) { nodes { events(first: 100) { nodes { id } } } } } }'), true) },
  { name: 'upstream calls: the review\'s repro', send: async () => await gql(salted('{ organizations { issues(first:100) { nodes { latestEvent{id} events(first:40){nodes{id}} } } } }'), true) },
  { name: 'upstream calls: 60 issues × latestEvent (variables-free)', send: async () => await gql(salted('{ organizations { issues(first: 60) { nodes { latestEvent { id } } } } }'), true) },
  { name: 'subscription', send: async () => await gql(salted('subscription { viewer { id } }'), true, 'application/graphql-response+json') },
  { name: 'largest accepted document (50 fragments, ~1,100 tokens), no session', send: async () => await gql(salted(largest)) },
  {
    name: 'open redirect: /connect/sentry?returnTo=/..//evil.com',
    send: async () => {
      const res = await request(`${base}/connect/sentry?returnTo=${encodeURIComponent('/..//evil.com')}`)
      await res.body.dump()
      return { status: res.statusCode, limit: String(res.headers.location ?? 'no redirect') }
    }
  }
]

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
const rows: Array<Record<string, string | number>> = []
let failed = false
await fetch(`${emulator.url}/_emulator/counters/reset`, { method: 'POST' })
for (const attack of attacks) {
  await attack.send() // warm-up (JIT, first-use paths)
  const times: number[] = []
  let last: { status: number, limit?: string } = { status: 0 }
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now()
    last = await attack.send()
    times.push(performance.now() - started)
    if (last.status >= 500) failed = true
  }
  times.sort((a, b) => a - b)
  rows.push({ attack: attack.name, status: last.status, answer: last.limit ?? '', 'median ms': +quantile(times, 0.5).toFixed(1), 'p95 ms': +quantile(times, 0.95).toFixed(1), 'max ms': +(times[times.length - 1] as number).toFixed(1) })
}
const calls = (await (await fetch(`${emulator.url}/_emulator/counters`)).json() as { apiRequests: number }).apiRequests
if (calls !== 0) failed = true

// /healthz while eight salted floods run in parallel, for about two seconds.
const health: number[] = []
const state = { running: true }
const floods = Array.from({ length: 8 }, async () => { while (state.running) await gql(salted(flood(450))) })
const until = performance.now() + 2000
while (performance.now() < until) {
  const started = performance.now()
  const res = await request(`${base}/healthz`)
  await res.body.dump()
  health.push(performance.now() - started)
}
state.running = false
await Promise.all(floods)
health.sort((a, b) => a - b)

console.table(rows)
console.log(`/healthz during 8 parallel 450-fragment floods: median ${quantile(health, 0.5).toFixed(1)} ms, p95 ${quantile(health, 0.95).toFixed(1)} ms, max ${(health[health.length - 1] as number).toFixed(1)} ms (${health.length} requests)`)
console.log(`upstream calls made by the attacks: ${calls}; runs per attack: ${RUNS}; target: < 50 ms per answer`)

await app.close()
await emulator.close()
rmSync(dir, { recursive: true, force: true })
if (failed) {
  console.error('An attack answered a 5xx or reached Sentry.')
  process.exitCode = 1
}
