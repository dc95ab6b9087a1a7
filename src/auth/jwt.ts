/**
 * Bearer JWT verification for platform identity (issue 13), with `jose`
 * (https://github.com/panva/jose): signature, `iss`, `aud`, `exp` (required), `nbf`, with 60 s
 * of clock leeway, and an allow-list of algorithms per key source: asymmetric algorithms for a
 * JWKS, HS256 for a shared secret. `none` is never accepted, and an HS256 token presented where
 * a JWKS is configured is refused before any key is looked at.
 *
 * The JWKS is fetched and cached here (jose's createLocalJWKSet picks and imports the key):
 *  - a token whose `kid` is not in the cached set refetches it, at most once per 30 s;
 *  - the cached set is refreshed in the background after 10 minutes, and a failed refresh
 *    keeps the cached keys, so a JWKS that is down never blocks tokens whose key is cached.
 */
import { createHash } from 'node:crypto'
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import { request as undiciRequest } from 'undici'
import type { JwtConfig } from '../config.js'

export const JWKS_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519']
export const SECRET_ALGORITHMS = ['HS256']
export const CLOCK_LEEWAY_SECONDS = 60
/** An unknown `kid` refetches the JWKS at most this often. */
export const JWKS_REFETCH_COOLDOWN_MS = 30_000
/** A cached JWKS older than this is refreshed in the background (the cached keys stay usable). */
export const JWKS_MAX_AGE_MS = 10 * 60_000
const JWKS_TIMEOUT_MS = 5_000
const JWKS_MAX_BYTES = 512 * 1024

/** Why a token was refused; sent to the client as `extensions.reason`. Never contains token content. */
export type JwtRefusalReason =
  | 'malformed token'
  | 'algorithm not allowed'
  | 'unknown key'
  | 'key set unavailable'
  | 'bad signature'
  | 'expired'
  | 'not yet valid'
  | 'missing exp'
  | 'wrong issuer'
  | 'wrong audience'
  | 'missing user claim'
  | 'invalid claims'

export class JwtRefusal extends Error {
  readonly reason: JwtRefusalReason
  constructor (reason: JwtRefusalReason) {
    super(`The bearer token was refused: ${reason}.`)
    this.name = 'JwtRefusal'
    this.reason = reason
  }
}

export interface VerifiedUser {
  issuer: string
  /** The value of the configured user claim. */
  subject: string
}

export interface JwtVerifier {
  verify (token: string): Promise<VerifiedUser>
  /** JWKS fetch attempts so far (0 with a secret). */
  readonly jwksFetches: number
  /** Signature and claim checks run so far (a remembered token is not checked again). */
  readonly verifications: number
}

/** How many accepted tokens a verifier remembers, and for how long at most. */
export const REMEMBERED_TOKENS = 1024
export const REMEMBERED_TOKEN_MS = 60_000

export interface JwtVerifierOptions {
  now?: () => number
  /** At most this many accepted tokens are remembered (REMEMBERED_TOKENS). */
  rememberedTokens?: number
  /** Reports a JWKS fetch failure (no secret or token in it). */
  onJwksError?: (message: string) => void
}

interface JoseLikeError { code?: unknown, claim?: unknown, reason?: unknown }

/** Maps jose's errors (by their stable `code`) to a reason a client can act on. */
export function refusalReason (err: unknown): JwtRefusalReason {
  if (err instanceof JwtRefusal) return err.reason
  const e = (typeof err === 'object' && err !== null ? err : {}) as JoseLikeError
  switch (e.code) {
    case 'ERR_JWT_EXPIRED': return 'expired'
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED': return 'bad signature'
    case 'ERR_JOSE_ALG_NOT_ALLOWED': return 'algorithm not allowed'
    case 'ERR_JOSE_NOT_SUPPORTED': return 'algorithm not allowed'
    case 'ERR_JWKS_NO_MATCHING_KEY': return 'unknown key'
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS': return 'unknown key'
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.claim === 'exp' && e.reason === 'missing') return 'missing exp'
      if (e.claim === 'aud') return 'wrong audience'
      if (e.claim === 'iss') return 'wrong issuer'
      if (e.claim === 'nbf') return 'not yet valid'
      return 'invalid claims'
    default: return 'malformed token'
  }
}

class JwksCache {
  readonly #url: string
  readonly #now: () => number
  readonly #onError: (message: string) => void
  #local: JWTVerifyGetKey | null = null
  #fetchedAt = 0
  #lastAttempt = -Infinity
  #inflight: Promise<void> | null = null
  fetches = 0

  constructor (url: string, now: () => number, onError: (message: string) => void) {
    this.#url = url
    this.#now = now
    this.#onError = onError
  }

  /** One fetch at a time; failures keep the cached set. */
  async #load (): Promise<void> {
    this.#inflight ??= (async () => {
      this.#lastAttempt = this.#now()
      this.fetches++
      try {
        const res = await undiciRequest(this.#url, {
          headers: { accept: 'application/json' },
          headersTimeout: JWKS_TIMEOUT_MS,
          bodyTimeout: JWKS_TIMEOUT_MS
        })
        if (res.statusCode !== 200) {
          await res.body.dump()
          throw new Error(`the JWKS answered HTTP ${res.statusCode}`)
        }
        let size = 0
        const chunks: Buffer[] = []
        for await (const chunk of res.body) {
          size += (chunk as Buffer).length
          if (size > JWKS_MAX_BYTES) {
            res.body.destroy()
            throw new Error('the JWKS is larger than 512 KB')
          }
          chunks.push(chunk as Buffer)
        }
        const jwks = JSON.parse(Buffer.concat(chunks).toString('utf8')) as JSONWebKeySet
        this.#local = createLocalJWKSet(jwks)
        this.#fetchedAt = this.#now()
      } catch (err) {
        this.#onError(`fetching the JWKS failed: ${(err as Error).message}`)
        throw new JwtRefusal(this.#local === null ? 'key set unavailable' : 'unknown key')
      } finally {
        this.#inflight = null
      }
    })()
    await this.#inflight
  }

  #coolingDown (): boolean {
    return this.#now() - this.#lastAttempt < JWKS_REFETCH_COOLDOWN_MS
  }

  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (this.#local === null) {
      if (this.#coolingDown()) throw new JwtRefusal('key set unavailable')
      await this.#load()
    } else if (this.#now() - this.#fetchedAt > JWKS_MAX_AGE_MS && !this.#coolingDown()) {
      // Stale: refresh in the background and answer from the cached set meanwhile.
      this.#load().catch(() => {})
    }
    const local = this.#local as JWTVerifyGetKey
    try {
      return await local(header, token)
    } catch (err) {
      if ((err as JoseLikeError).code !== 'ERR_JWKS_NO_MATCHING_KEY' || this.#coolingDown()) throw err
      await this.#load()
      return await (this.#local as JWTVerifyGetKey)(header, token)
    }
  }
}

export function createJwtVerifier (config: JwtConfig, options: JwtVerifierOptions = {}): JwtVerifier {
  const now = options.now ?? Date.now
  const jwks = config.jwksUrl === undefined ? null : new JwksCache(config.jwksUrl, now, options.onJwksError ?? (() => {}))
  const secret = config.secret === undefined ? null : new TextEncoder().encode(config.secret)
  const algorithms = jwks !== null ? JWKS_ALGORITHMS : SECRET_ALGORITHMS
  const audience = config.audience.length === 1 ? config.audience[0] as string : config.audience

  // A browser or SPA sends the same token with every request until it expires, and checking it
  // again (jose: signature, then claims) was ~0.2–0.4 ms of CPU per request (npm run
  // bench:identity). An accepted token is remembered, by its SHA-256 (the token itself is not
  // kept), until it expires (exp + the leeway jose allows, so the answer is the one jose would
  // give) or REMEMBERED_TOKEN_MS have passed, whichever comes first: a key removed from the JWKS
  // stops a token it signed within that minute. Refusals are never remembered.
  const maxRemembered = options.rememberedTokens ?? REMEMBERED_TOKENS
  const remembered = new Map<string, { user: VerifiedUser, until: number }>()
  let verifications = 0

  return {
    get jwksFetches () { return jwks?.fetches ?? 0 },
    get verifications () { return verifications },
    async verify (token) {
      const key = createHash('sha256').update(token).digest('base64')
      const at = now()
      const known = remembered.get(key)
      if (known !== undefined) {
        if (at < known.until) return known.user
        remembered.delete(key)
      }
      const user = await check(token, at)
      const until = Math.min(user.expiresAt, at + REMEMBERED_TOKEN_MS)
      if (until > at && maxRemembered > 0) {
        if (remembered.size >= maxRemembered) remembered.delete(remembered.keys().next().value as string)
        remembered.set(key, { user: user.user, until })
      }
      return user.user
    }
  }

  async function check (token: string, at: number): Promise<{ user: VerifiedUser, expiresAt: number }> {
    verifications++
    let payload: JWTPayload
    try {
      const options = {
        issuer: config.issuer,
        audience,
        algorithms,
        clockTolerance: CLOCK_LEEWAY_SECONDS,
        requiredClaims: ['exp'],
        currentDate: new Date(at)
      }
      const result = jwks !== null
        ? await jwtVerify(token, jwks.getKey, options)
        : await jwtVerify(token, secret as Uint8Array, options)
      payload = result.payload
    } catch (err) {
      throw new JwtRefusal(refusalReason(err))
    }
    const value = payload[config.userClaim]
    const subject = typeof value === 'string' ? value : typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : ''
    if (subject === '' || subject.length > 255) throw new JwtRefusal('missing user claim')
    // `exp` is a required claim (jose checked it is a number); jose accepts the token until exp + leeway.
    return { user: { issuer: config.issuer, subject }, expiresAt: ((payload.exp as number) + CLOCK_LEEWAY_SECONDS) * 1000 }
  }
}
