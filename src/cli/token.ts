/**
 * `npm run token -- --sub alice [--ttl 1h]`: prints a JWT for trying JWT identity locally,
 * signed (HS256) with the configured AUTH_JWT_SECRET and carrying AUTH_JWT_ISSUER,
 * AUTH_JWT_AUDIENCE and the user in AUTH_JWT_USER_CLAIM. Refused when NODE_ENV=production:
 * a platform's tokens come from its own login, not from the gateway.
 */
import { parseArgs } from 'node:util'
import { SignJWT } from 'jose'
import { loadConfig, ConfigError } from '../config.js'

/** "90s", "30m", "1h", "2d" or plain seconds → seconds (at most 30 days). */
export function parseTtl (raw: string): number | null {
  const m = /^(\d{1,7})([smhd]?)$/.exec(raw.trim())
  if (m === null) return null
  const seconds = Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2] as string]!
  return seconds > 0 && seconds <= 30 * 86400 ? seconds : null
}

function fail (message: string, code = 1): never {
  process.stderr.write(`token: ${message}\n`)
  process.exit(code)
}

let args
try {
  args = parseArgs({ options: { sub: { type: 'string' }, ttl: { type: 'string', default: '1h' } }, strict: true }).values
} catch (err) {
  fail(`${(err as Error).message}\nusage: npm run token -- --sub <user> [--ttl 1h]`, 2)
}
if (args.sub === undefined || args.sub === '') fail('--sub is required.\nusage: npm run token -- --sub <user> [--ttl 1h]', 2)
const ttl = parseTtl(args.ttl ?? '1h')
if (ttl === null) fail(`--ttl "${args.ttl}" is not a duration; use e.g. 90s, 30m, 1h or 2d (at most 30 days).`, 2)

try {
  const config = loadConfig(process.env)
  if (config.production) fail('refused with NODE_ENV=production: tokens come from your platform\'s login.')
  if (config.jwt?.secret === undefined) {
    fail('AUTH_JWT_SECRET is not set; this command signs with it (HS256). Set AUTH_JWT_SECRET, AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE.')
  }
  const jwt = config.jwt
  const token = await new SignJWT({ [jwt.userClaim]: args.sub })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(jwt.issuer)
    .setAudience(jwt.audience[0] as string)
    .setIssuedAt()
    .setExpirationTime(`${ttl}s`)
    .sign(new TextEncoder().encode(jwt.secret))
  process.stdout.write(`${token}\n`)
} catch (err) {
  if (err instanceof ConfigError) fail(err.message)
  throw err
}
