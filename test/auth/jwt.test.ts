import t from 'tap'
import { createJwtVerifier, JwtRefusal, refusalReason, CLOCK_LEEWAY_SECONDS, JWKS_REFETCH_COOLDOWN_MS, JWKS_MAX_AGE_MS, REMEMBERED_TOKEN_MS } from '../../src/auth/jwt.js'
import type { JwtConfig } from '../../src/config.js'
import { makeKey, signToken, startJwksServer, unsecuredToken, type JwksServer } from '../helpers/jwks.js'

const ISSUER = 'https://platform.example.com'
const AUDIENCE = 'sentry-gateway'
const SECRET = 'an-hs256-secret-of-at-least-32-bytes-0123456789'

function jwksConfig (server: JwksServer, over: Partial<JwtConfig> = {}): JwtConfig {
  return { jwksUrl: server.url, secret: undefined, issuer: ISSUER, audience: [AUDIENCE], userClaim: 'sub', ...over }
}

async function refusal (p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    if (err instanceof JwtRefusal) return err.reason
    throw err
  }
  return 'accepted'
}

t.test('every asymmetric algorithm of the allow-list is accepted from the JWKS', async t => {
  const keys = await Promise.all([makeKey('RS256', 'rs'), makeKey('PS256', 'ps'), makeKey('ES256', 'es'), makeKey('EdDSA', 'ed')])
  const server = await startJwksServer(keys)
  t.teardown(server.close)
  const verifier = createJwtVerifier(jwksConfig(server))
  for (const key of keys) {
    t.same(await verifier.verify(await signToken(key, `user-${key.alg}`)), { issuer: ISSUER, subject: `user-${key.alg}` }, key.alg)
  }
  t.equal(server.requests, 1, 'the JWKS was fetched once and cached for every key')
  t.equal(verifier.jwksFetches, 1)
})

t.test('refusals, each with its reason', async t => {
  const key = await makeKey('RS256', 'k1')
  const stranger = await makeKey('RS256', 'k1')
  const es = await makeKey('ES256', 'es')
  const server = await startJwksServer([key, es])
  t.teardown(server.close)
  const verifier = createJwtVerifier(jwksConfig(server))
  const v = async (token: string): Promise<string> => await refusal(verifier.verify(token))

  t.equal(await v(await signToken(key, 'alice', { exp: -61 })), 'expired', 'expired beyond the 60 s leeway')
  t.equal(await v(await signToken(key, 'alice', { exp: -30 })), 'accepted', 'expired within the 60 s leeway is accepted')
  t.equal(await v(await signToken(key, 'alice', { exp: null })), 'missing exp', 'exp is required')
  t.equal(await v(await signToken(key, 'alice', { nbf: 120 })), 'not yet valid')
  t.equal(await v(await signToken(key, 'alice', { aud: 'another-api' })), 'wrong audience')
  t.equal(await v(await signToken(key, 'alice', { iss: 'https://evil.example.com' })), 'wrong issuer')
  t.equal(await v(await signToken(stranger, 'alice')), 'bad signature', 'same kid, another key')
  const good = await signToken(key, 'alice')
  const [h, p, s] = good.split('.') as [string, string, string]
  const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'bob' })).toString('base64url')
  t.equal(await v(`${h}.${forgedPayload}.${s}`), 'bad signature', 'a payload changed after signing')
  t.equal(await v(unsecuredToken('alice')), 'algorithm not allowed', 'alg none')
  t.equal(await v(await signToken(SECRET, 'alice')), 'algorithm not allowed', 'an HS256 token where a JWKS is configured')
  // An RS256 header on an EC key: the key type does not match the algorithm.
  t.equal(await v(await signToken(key, 'alice', { kid: 'es' })), 'unknown key', 'an RS256 token naming an EC key: no key of that type matches')
  t.equal(await v('not.a.jwt'), 'malformed token')
  t.equal(await v('abc'), 'malformed token')
  t.equal(await v(await signToken(key, null)), 'missing user claim')
  t.equal(await v(await signToken(key, 'x'.repeat(300))), 'missing user claim', 'an absurdly long user id')
  t.equal(await v(await signToken(key, 'alice', { kid: 'nope' })), 'unknown key')
  t.equal(refusalReason(new Error('x')), 'malformed token')
  t.equal(refusalReason({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'jti' }), 'invalid claims')
  t.equal(refusalReason(null), 'malformed token')
})

t.test('key rotation: an unknown kid refetches the JWKS, at most once per 30 s', async t => {
  const old = await makeKey('ES256', 'old')
  const server = await startJwksServer([old])
  t.teardown(server.close)
  let now = Date.now()
  const verifier = createJwtVerifier(jwksConfig(server), { now: () => now })
  t.equal((await verifier.verify(await signToken(old, 'alice', { now }))).subject, 'alice')
  t.equal(server.requests, 1)

  // The platform rotates: a new key is published next to the old one.
  const next = await makeKey('ES256', 'next')
  server.keys = [old, next]
  now += 5000
  t.equal(await refusal(verifier.verify(await signToken(next, 'alice', { now }))), 'unknown key', 'within 30 s of the last fetch, no refetch')
  t.equal(server.requests, 1)
  now += JWKS_REFETCH_COOLDOWN_MS
  t.equal((await verifier.verify(await signToken(next, 'alice', { now }))).subject, 'alice', 'the new key is found by refetching')
  t.equal(server.requests, 2, 'one refetch for the unknown kid')

  // A burst of tokens with kids nobody published: no refetch within 30 s of the last one.
  for (let i = 0; i < 20; i++) {
    t.equal(await refusal(verifier.verify(await signToken(next, 'alice', { now, kid: `bogus-${i}` }))), 'unknown key')
  }
  t.equal(server.requests, 2, 'unknown kids within the cooldown do not reach the JWKS')

  // The next rotation drops the old key and adds a third one.
  const third = await makeKey('ES256', 'third')
  server.keys = [next, third]
  t.equal(await refusal(verifier.verify(await signToken(third, 'alice', { now }))), 'unknown key', 'still cooling down')
  now += JWKS_REFETCH_COOLDOWN_MS + 1
  t.equal((await verifier.verify(await signToken(third, 'alice', { now }))).subject, 'alice', 'after 30 s the set is refetched')
  t.equal(server.requests, 3)
  t.equal(await refusal(verifier.verify(await signToken(old, 'alice', { now }))), 'unknown key', 'a retired key is refused')
  t.equal(server.requests, 3, 'and does not refetch during the cooldown')
})

t.test('a JWKS that is down does not block tokens whose key is cached', async t => {
  const key = await makeKey('RS256', 'k')
  const server = await startJwksServer([key])
  t.teardown(server.close)
  let now = Date.now()
  const errors: string[] = []
  const verifier = createJwtVerifier(jwksConfig(server), { now: () => now, onJwksError: (m) => errors.push(m) })
  t.equal((await verifier.verify(await signToken(key, 'alice', { now }))).subject, 'alice')
  server.down = true
  // Past the cache's age: a background refresh is attempted (and fails), the cached key still answers.
  now += JWKS_MAX_AGE_MS + 1
  t.equal((await verifier.verify(await signToken(key, 'alice', { now }))).subject, 'alice', 'stale cache, JWKS down: still accepted')
  await new Promise(resolve => setTimeout(resolve, 50))
  t.equal(server.requests, 2, 'one background refresh was attempted')
  t.match(errors, [/HTTP 503/], 'the failure is reported')
  t.equal((await verifier.verify(await signToken(key, 'bob', { now }))).subject, 'bob', 'and the cached key keeps working')
  now += JWKS_REFETCH_COOLDOWN_MS + 1
  t.equal(await refusal(verifier.verify(await signToken(key, 'alice', { now, kid: 'new' }))), 'unknown key', 'an unknown kid while the JWKS is down')
  t.equal((await verifier.verify(await signToken(key, 'carol', { now }))).subject, 'carol')
})

t.test('a JWKS that is down at the first token: refused, and retried only after the cooldown', async t => {
  const key = await makeKey('RS256', 'k')
  const server = await startJwksServer([key])
  t.teardown(server.close)
  server.down = true
  let now = Date.now()
  const verifier = createJwtVerifier(jwksConfig(server), { now: () => now })
  t.equal(await refusal(verifier.verify(await signToken(key, 'alice', { now }))), 'key set unavailable')
  t.equal(await refusal(verifier.verify(await signToken(key, 'alice', { now }))), 'key set unavailable')
  t.equal(server.requests, 1, 'no second fetch within 30 s')
  server.down = false
  now += JWKS_REFETCH_COOLDOWN_MS + 1
  t.equal((await verifier.verify(await signToken(key, 'alice', { now }))).subject, 'alice')
  t.equal(server.requests, 2)
})

t.test('a JWKS that answers garbage or too much is not used', async t => {
  const { createServer } = await import('node:http')
  let body = 'not json'
  const server = createServer((_req, res) => { res.end(body) })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks`
  const key = await makeKey('RS256', 'k')
  let now = Date.now()
  const verifier = createJwtVerifier({ jwksUrl: url, secret: undefined, issuer: ISSUER, audience: [AUDIENCE], userClaim: 'sub' }, { now: () => now })
  t.equal(await refusal(verifier.verify(await signToken(key, 'alice', { now }))), 'key set unavailable')
  body = 'x'.repeat(600 * 1024)
  now += JWKS_REFETCH_COOLDOWN_MS + 1
  t.equal(await refusal(verifier.verify(await signToken(key, 'alice', { now }))), 'key set unavailable', 'larger than 512 KB')
})

t.test('an HS256 secret: HS256 only; the user claim is configurable; several audiences', async t => {
  const verifier = createJwtVerifier({ jwksUrl: undefined, secret: SECRET, issuer: ISSUER, audience: ['a1', AUDIENCE], userClaim: 'uid' })
  t.same(await verifier.verify(await signToken(SECRET, null, { claims: { uid: 'u-42' } })), { issuer: ISSUER, subject: 'u-42' })
  t.same(await verifier.verify(await signToken(SECRET, null, { aud: 'a1', claims: { uid: 42 } })), { issuer: ISSUER, subject: '42' }, 'a numeric id')
  t.equal(await refusal(verifier.verify(await signToken(SECRET, 'alice'))), 'missing user claim', 'sub is not the configured claim')
  t.equal(await refusal(verifier.verify(await signToken(SECRET.replace('a', 'b'), null, { claims: { uid: 'u' } }))), 'bad signature')
  const rs = await makeKey('RS256', 'k')
  t.equal(await refusal(verifier.verify(await signToken(rs, null, { claims: { uid: 'u' } }))), 'algorithm not allowed', 'RS256 where only HS256 is allowed')
  t.equal(await refusal(verifier.verify(unsecuredToken('u'))), 'algorithm not allowed')
  t.equal(verifier.jwksFetches, 0)
})

t.test('an accepted token is remembered until it expires or a minute has passed, a refused one never', async t => {
  const key = await makeKey('ES256', 'es')
  const server = await startJwksServer([key])
  t.teardown(server.close)
  let now = Date.now()
  const verifier = createJwtVerifier(jwksConfig(server), { now: () => now })
  const token = await signToken(key, 'alice', { now, exp: 3600 })
  for (let i = 0; i < 3; i++) t.same(await verifier.verify(token), { issuer: ISSUER, subject: 'alice' })
  t.equal(verifier.verifications, 1, 'checked once, then remembered')
  t.same(await verifier.verify(await signToken(key, 'bob', { now })), { issuer: ISSUER, subject: 'bob' })
  t.equal(verifier.verifications, 2, 'another token is checked')

  now += REMEMBERED_TOKEN_MS
  t.same(await verifier.verify(token), { issuer: ISSUER, subject: 'alice' })
  t.equal(verifier.verifications, 3, 'after a minute the token is checked again')

  // Remembered until exp + the leeway, exactly as long as jose would accept it.
  const short = await signToken(key, 'carol', { now, exp: 10 })
  await verifier.verify(short)
  now += 10_000 + CLOCK_LEEWAY_SECONDS * 1000 - 1000
  t.same(await verifier.verify(short), { issuer: ISSUER, subject: 'carol' }, 'within exp + leeway')
  now += 2000
  t.equal(await refusal(verifier.verify(short)), 'expired', 'past exp + leeway: refused, not served from memory')

  const wrongAudience = await signToken(key, 'mallory', { now, aud: 'someone-else' })
  t.equal(await refusal(verifier.verify(wrongAudience)), 'wrong audience')
  const before = verifier.verifications
  t.equal(await refusal(verifier.verify(wrongAudience)), 'wrong audience')
  t.equal(verifier.verifications, before + 1, 'a refusal is checked again every time')
})

t.test('the memory of accepted tokens is bounded', async t => {
  const now = Date.now()
  const verifier = createJwtVerifier({ jwksUrl: undefined, secret: SECRET, issuer: ISSUER, audience: [AUDIENCE], userClaim: 'sub' }, { now: () => now, rememberedTokens: 2 })
  const tokens = await Promise.all(['a', 'b', 'c'].map(async sub => await signToken(SECRET, sub, { now })))
  for (const token of tokens) await verifier.verify(token)
  t.equal(verifier.verifications, 3)
  await verifier.verify(tokens[2] as string)
  await verifier.verify(tokens[1] as string)
  t.equal(verifier.verifications, 3, 'the two newest are remembered')
  await verifier.verify(tokens[0] as string)
  t.equal(verifier.verifications, 4, 'the oldest was dropped')
})
