import t from 'tap'
import { join } from 'node:path'
import { decodeJwt } from 'jose'
import { createJwtVerifier } from '../../src/auth/jwt.js'
import { runSource } from '../helpers/process.js'

const SECRET = 'an-hs256-secret-of-at-least-32-bytes-0123456789'

/** `npm run token`'s command, outside tap's coverage (test/helpers/process.ts). */
async function token (env: Record<string, string>, args: string[]): Promise<{ code: number | null, out: string, err: string }> {
  const { code, out, err } = await runSource('src/cli/token.ts', args, env)
  return { code, out, err }
}

t.test('npm run token -- --sub alice [--ttl 1h] prints a JWT the gateway accepts', async t => {
  const dir = t.testdir()
  const env = {
    DATABASE_URL: join(dir, 'g.db'),
    // Not trivial, so the production case below is refused by the command itself, not by the config.
    SESSION_SECRET: 'token-test-session-secret-0123456789abcdef',
    TOKEN_ENCRYPTION_KEY: Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7 + 1)).toString('base64'),
    AUTH_JWT_SECRET: SECRET,
    AUTH_JWT_ISSUER: 'https://platform.example.com',
    AUTH_JWT_AUDIENCE: 'sentry-gateway',
    AUTH_JWT_USER_CLAIM: 'uid'
  }
  const ok = await token(env, ['--sub', 'alice', '--ttl', '2m'])
  t.equal(ok.code, 0, ok.err)
  const jwt = ok.out.trim()
  const claims = decodeJwt(jwt)
  t.equal(claims.uid, 'alice')
  t.equal((claims.exp ?? 0) - (claims.iat ?? 0), 120, '--ttl 2m')
  const verifier = createJwtVerifier({ jwksUrl: undefined, secret: SECRET, issuer: env.AUTH_JWT_ISSUER, audience: ['sentry-gateway'], userClaim: 'uid' })
  t.same(await verifier.verify(jwt), { issuer: 'https://platform.example.com', subject: 'alice' })
  const hour = decodeJwt((await token(env, ['--sub', 'bob'])).out.trim())
  t.equal((hour.exp ?? 0) - (hour.iat ?? 0), 3600, 'default 1h')

  t.match(await token(env, []), { code: 2, err: /--sub is required/ })
  t.match(await token(env, ['--sub', 'a', '--ttl', 'forever']), { code: 2, err: /not a duration/ })
  t.match(await token(env, ['--sub', 'a', '--ttl', '31d']), { code: 2, err: /at most 30 days/ })
  t.match(await token(env, ['--sub', 'a', '--nope']), { code: 2, err: /usage/ })
  t.match(await token({ ...env, NODE_ENV: 'production', SENTRY_CLIENT_ID: 'x', SENTRY_CLIENT_SECRET: 'y', PUBLIC_URL: 'https://gw.example.com' }, ['--sub', 'a']), { code: 1, err: /production/ })
  const { AUTH_JWT_SECRET: _s, AUTH_JWT_ISSUER: _i, AUTH_JWT_AUDIENCE: _a, AUTH_JWT_USER_CLAIM: _c, ...noJwt } = env
  t.match(await token(noJwt, ['--sub', 'a']), { code: 1, err: /AUTH_JWT_SECRET is not set/ })
  t.match(await token({ ...env, AUTH_JWT_SECRET: 'short' }, ['--sub', 'a']), { code: 1, err: /AUTH_JWT_SECRET.*at least 32/ })
})
