/**
 * `npm run bench:identity`: what platform identity costs per request (issue 13).
 *  1. CPU per request of `{ viewer { id } }` over real HTTP (127.0.0.1), by identity: the session
 *     cookie, a bearer JWT with HS256, and bearer JWTs with ES256 / RS256 / EdDSA from a JWKS
 *     (cached). The query makes no upstream call, so the difference is the identity step.
 *  2. The identity step alone, in-process: jose's jwtVerify per algorithm vs. opening the session
 *     cookie (@fastify/secure-session), µs per call.
 *  3. Refusals over real HTTP: latency (median, p99) and CPU of each bad token's 401.
 * Absolute numbers mean little on a shared machine; compare the rows. Nothing is asserted.
 * Env: BENCH_IDENTITY_REQUESTS (2000 per row), BENCH_IDENTITY_CALLS (5000 per in-process row).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { Agent, request } from 'undici'
import { loadConfig } from '../src/config.js'
import { buildApp } from '../src/app.js'
import { createJwtVerifier } from '../src/auth/jwt.js'
import { makeKey, signToken, startJwksServer, unsecuredToken } from '../test/helpers/jwks.js'

const REQUESTS = Number(process.env.BENCH_IDENTITY_REQUESTS ?? 2000)
const CALLS = Number(process.env.BENCH_IDENTITY_CALLS ?? 5000)
const SECRET = 'bench-hs256-secret-of-at-least-32-bytes-0123456789'
const ISSUER = 'https://platform.example.com'
const AUDIENCE = 'sentry-gateway'
const QUERY = JSON.stringify({ query: '{ viewer { id } }' })

const dir = mkdtempSync(join(tmpdir(), 'bench-identity-'))
const keys = await Promise.all([makeKey('ES256', 'es'), makeKey('RS256', 'rs'), makeKey('EdDSA', 'ed')])
const jwks = await startJwksServer(keys)
const agent = new Agent({ connections: 1, pipelining: 1 })

async function gateway (name: string, env: Record<string, string>): Promise<{ url: string, close: () => Promise<void>, app: Awaited<ReturnType<typeof buildApp>> }> {
  const config = loadConfig({
    DATABASE_URL: join(dir, `${name}.db`),
    SESSION_SECRET: randomBytes(32).toString('hex'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SENTRY_CLIENT_ID: 'bench',
    SENTRY_CLIENT_SECRET: 'bench-secret',
    SENTRY_URL: 'http://127.0.0.1:9',
    LOG_LEVEL: 'warn',
    AUTH_JWT_ISSUER: ISSUER,
    AUTH_JWT_AUDIENCE: AUDIENCE,
    ...env
  }, { cwd: dir })
  const app = await buildApp(config, { logger: false })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}`, app, close: async () => { await app.close() } }
}

interface Row { name: string, status: number, cpuUsPerRequest: number, medianMs: number, p99Ms: number }

/** Sequential requests (one connection): CPU of this process (server and client share it) and latency. */
async function measure (name: string, url: string, headers: Record<string, string>, n = REQUESTS): Promise<Row> {
  const send = async (): Promise<number> => {
    const res = await request(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: QUERY, dispatcher: agent })
    await res.body.dump()
    return res.statusCode
  }
  for (let i = 0; i < Math.min(200, n); i++) await send() // warm-up (JIT, caches, keep-alive)
  const times: number[] = []
  let status = 0
  const cpu = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    const start = performance.now()
    status = await send()
    times.push(performance.now() - start)
  }
  const used = process.cpuUsage(cpu)
  times.sort((a, b) => a - b)
  return {
    name,
    status,
    cpuUsPerRequest: Math.round((used.user + used.system) / n),
    medianMs: Number((times[Math.floor(n / 2)] as number).toFixed(3)),
    p99Ms: Number((times[Math.floor(n * 0.99)] as number).toFixed(3))
  }
}

try {
  const both = await gateway('both', { AUTH_MODE: 'both', AUTH_JWKS_URL: jwks.url })
  const hs = await gateway('hs', { AUTH_JWT_SECRET: SECRET })
  const user = await both.app.store.createUser()
  const cookie = `gateway_session=${encodeURIComponent(both.app.encodeSecureSession(both.app.createSecureSession({ userId: user.id, gen: 0 })))}`
  const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })
  const [es, rs, ed] = keys as [typeof keys[0], typeof keys[0], typeof keys[0]]

  const accepted: Row[] = [
    await measure('session cookie', both.url, { cookie }),
    await measure('bearer HS256 (secret)', hs.url, bearer(await signToken(SECRET, 'alice'))),
    await measure('bearer ES256 (JWKS)', both.url, bearer(await signToken(es, 'alice'))),
    await measure('bearer RS256 (JWKS)', both.url, bearer(await signToken(rs, 'alice'))),
    await measure('bearer EdDSA (JWKS)', both.url, bearer(await signToken(ed, 'alice')))
  ]
  process.stdout.write(`\n{ viewer { id } } over HTTP, ${REQUESTS} sequential requests per row (CPU of the one process running server and client)\n`)
  console.table(accepted)

  const refused: Row[] = [
    await measure('refused: expired', both.url, bearer(await signToken(es, 'alice', { exp: -3600 }))),
    await measure('refused: bad signature', both.url, bearer(await signToken(await makeKey('ES256', 'es'), 'alice'))),
    await measure('refused: wrong audience', both.url, bearer(await signToken(es, 'alice', { aud: 'other' }))),
    await measure('refused: alg none', both.url, bearer(unsecuredToken('alice'))),
    await measure('refused: HS256 where a JWKS is set', both.url, bearer(await signToken(SECRET, 'alice'))),
    await measure('refused: unknown kid (cooldown)', both.url, bearer(await signToken(es, 'alice', { kid: 'nope' }))),
    await measure('refused: malformed', both.url, { authorization: 'Bearer a.b.c' })
  ]
  process.stdout.write('\nRefusals (401 before the body is read; no database or upstream call)\n')
  console.table(refused)
  process.stdout.write(`JWKS fetches during the whole run: ${jwks.requests}\n`)

  // The identity step alone.
  const verifierJwks = createJwtVerifier({ jwksUrl: jwks.url, secret: undefined, issuer: ISSUER, audience: [AUDIENCE], userClaim: 'sub' })
  const verifierHs = createJwtVerifier({ jwksUrl: undefined, secret: SECRET, issuer: ISSUER, audience: [AUDIENCE], userClaim: 'sub' })
  const cookieValue = decodeURIComponent(cookie.split('=')[1] as string)
  const micro = async (name: string, fn: () => Promise<unknown> | unknown): Promise<{ name: string, usPerCall: number }> => {
    for (let i = 0; i < 200; i++) await fn()
    const start = process.cpuUsage()
    for (let i = 0; i < CALLS; i++) await fn()
    const used = process.cpuUsage(start)
    return { name, usPerCall: Number(((used.user + used.system) / CALLS).toFixed(1)) }
  }
  const tokens = { hs: await signToken(SECRET, 'alice'), es: await signToken(es, 'alice'), rs: await signToken(rs, 'alice'), ed: await signToken(ed, 'alice') }
  const steps = [
    await micro('session cookie: decrypt + read user row', async () => { both.app.decodeSecureSession(cookieValue); await both.app.store.getUser(user.id) }),
    await micro('session cookie: decrypt only', () => both.app.decodeSecureSession(cookieValue)),
    await micro('jwtVerify HS256', async () => await verifierHs.verify(tokens.hs)),
    await micro('jwtVerify ES256 (cached JWKS)', async () => await verifierJwks.verify(tokens.es)),
    await micro('jwtVerify RS256 (cached JWKS)', async () => await verifierJwks.verify(tokens.rs)),
    await micro('jwtVerify EdDSA (cached JWKS)', async () => await verifierJwks.verify(tokens.ed)),
    await micro('JWT user row: ensureUserByIdentity (existing)', async () => await both.app.store.ensureUserByIdentity(ISSUER, 'alice'))
  ]
  process.stdout.write(`\nThe identity step alone, in-process, ${CALLS} calls per row (CPU µs per call)\n`)
  console.table(steps)
  await both.close()
  await hs.close()
} finally {
  await agent.close()
  await jwks.close()
  rmSync(dir, { recursive: true, force: true })
}
