/**
 * A real JWKS server on 127.0.0.1 for the identity tests, with keys that can be rotated and an
 * outage switch, and a signer for tokens under those keys (jose).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose'

export interface SigningKey {
  kid: string
  alg: string
  privateKey: CryptoKey
  jwk: JWK
}

export async function makeKey (alg: 'RS256' | 'PS256' | 'ES256' | 'EdDSA', kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  const jwk = { ...await exportJWK(publicKey), kid, alg, use: 'sig' }
  return { kid, alg, privateKey, jwk }
}

export interface JwksServer {
  url: string
  /** Requests received so far. */
  requests: number
  /** The keys published now. */
  keys: SigningKey[]
  /** When true the server answers 503. */
  down: boolean
  close: () => Promise<void>
}

export async function startJwksServer (keys: SigningKey[]): Promise<JwksServer> {
  const state = { requests: 0, keys, down: false }
  const server: Server = createServer((req, res) => {
    state.requests++
    if (state.down) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('down')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys.map(k => k.jwk) }))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get requests () { return state.requests },
    get keys () { return state.keys },
    set keys (k: SigningKey[]) { state.keys = k },
    get down () { return state.down },
    set down (d: boolean) { state.down = d },
    close: async () => { server.closeAllConnections(); await new Promise<void>(resolve => server.close(() => resolve())) }
  }
}

export interface TokenOptions {
  iss?: string
  aud?: string | string[]
  /** Seconds relative to `now` (default +3600); null: no exp claim. */
  exp?: number | null
  nbf?: number
  now?: number
  kid?: string
  claims?: JWTPayload
}

/** Signs a JWT with a key (asymmetric) or an HS256 secret. */
export async function signToken (key: SigningKey | string, sub: string | null, o: TokenOptions = {}): Promise<string> {
  const nowSec = Math.floor((o.now ?? Date.now()) / 1000)
  const payload: JWTPayload = { ...o.claims }
  if (sub !== null) payload.sub = sub
  const header = typeof key === 'string' ? { alg: 'HS256' } : { alg: key.alg, kid: o.kid ?? key.kid }
  let jwt = new SignJWT(payload).setProtectedHeader(header).setIssuedAt(nowSec)
    .setIssuer(o.iss ?? 'https://platform.example.com').setAudience(o.aud ?? 'sentry-gateway')
  if (o.exp !== null) jwt = jwt.setExpirationTime(nowSec + (o.exp ?? 3600))
  if (o.nbf !== undefined) jwt = jwt.setNotBefore(nowSec + o.nbf)
  return await jwt.sign(typeof key === 'string' ? new TextEncoder().encode(key) : key.privateKey)
}

/** An unsecured token (`alg: none`), built by hand as an attacker would. */
export function unsecuredToken (sub: string, o: { iss?: string, aud?: string } = {}): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub, iss: o.iss ?? 'https://platform.example.com', aud: o.aud ?? 'sentry-gateway', iat: now, exp: now + 3600 })}.`
}
