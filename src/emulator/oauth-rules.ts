/**
 * Sentry's OAuth validation rules (docs/sentry.md §1–2): redirect_uri matching from
 * S:src/sentry/models/apiapplication.py and the PKCE checks of oauth_authorize.py / apitoken.py.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

/** 43–128 unreserved characters, for both code_challenge and code_verifier (RFC 7636). */
export const PKCE_REGEX = /^[A-Za-z0-9\-._~]{43,128}$/

export function pkceS256 (verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url')
}

export function verifyPkce (verifier: string | undefined, challenge: string, method: string | null): boolean {
  if (method !== 'S256' || verifier === undefined || !PKCE_REGEX.test(verifier)) return false
  const a = Buffer.from(pkceS256(verifier))
  const b = Buffer.from(challenge)
  return a.length === b.length && timingSafeEqual(a, b)
}

interface UrlParts { scheme: string, host: string, port: string, path: string, rest: string }

/** urlparse-like split that keeps the text as sent (WHATWG URL would normalize it). */
function splitUrl (value: string): UrlParts | undefined {
  const m = /^([a-zA-Z][\w+.-]*):\/\/([^/?#]*)([^?#]*)(.*)$/.exec(value)
  if (m === null) return undefined
  const netloc = m[2] ?? ''
  const hm = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(netloc)
  return { scheme: (m[1] ?? '').toLowerCase(), host: (hm?.[1] ?? netloc).toLowerCase(), port: hm?.[2] ?? '', path: m[3] ?? '', rest: m[4] ?? '' }
}

/** `os.path.normpath` on the path, keeping a trailing slash: "/cb/../x" → "/x". */
function normPath (path: string): string {
  if (path === '') return ''
  const out: string[] = []
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') out.pop()
    else out.push(seg)
  }
  let res = '/' + out.join('/')
  if (path.endsWith('/') && !res.endsWith('/')) res += '/'
  return res
}

function normalizeUrl (value: string): string {
  const p = splitUrl(value)
  if (p === undefined) return value
  return `${p.scheme}://${p.host}${p.port === '' ? '' : ':' + p.port}${normPath(p.path)}${p.rest}`
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

/**
 * `ApiApplication.is_valid_redirect_uri`: exact match, then loopback with any port when the registered
 * URI has none (RFC 8252), then the legacy prefix match that version-0 apps still get.
 */
export function isValidRedirectUri (value: string, registered: readonly string[]): boolean {
  const v = normalizeUrl(value)
  const vp = splitUrl(v)
  return registered.some((raw) => {
    const r = normalizeUrl(raw)
    if (v === r) return true
    const rp = splitUrl(r)
    if (vp !== undefined && rp !== undefined && LOOPBACK.has(rp.host) && rp.port === '' &&
      vp.scheme === rp.scheme && vp.host === rp.host && vp.path === rp.path && vp.rest === rp.rest) return true
    return v.startsWith(r)
  })
}

/** Appends query parameters, keeping the redirect URI's own query (and dropping undefined values). */
export function withQuery (uri: string, params: Record<string, string | undefined>): string {
  const hash = uri.indexOf('#')
  const base = hash === -1 ? uri : uri.slice(0, hash)
  const extra = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined) extra.append(k, v)
  const qs = extra.toString()
  if (qs === '') return base
  return base + (base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?') + qs
}
