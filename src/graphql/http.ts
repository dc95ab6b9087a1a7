/**
 * GraphQL over HTTP details mercurius leaves to us: content negotiation of
 * `application/graphql-response+json` (the spec's media type) against `application/json`.
 * @see https://graphql.github.io/graphql-over-http/draft/#sec-Accept
 */
import type { FastifyRequest } from 'fastify'

export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json'
export const APPLICATION_JSON = 'application/json'

export type ResponseMediaType = typeof GRAPHQL_RESPONSE_JSON | typeof APPLICATION_JSON

/**
 * The media type to answer with: graphql-response+json when the client accepts it at least as
 * much as application/json (by q-value), else application/json (also for a missing Accept).
 */
export function negotiate (accept: string | undefined): ResponseMediaType {
  if (accept === undefined || accept === '') return APPLICATION_JSON
  let gqlQ = 0
  let jsonQ = 0
  for (const part of accept.split(',')) {
    const [rawType, ...params] = part.split(';')
    const type = rawType?.trim().toLowerCase()
    let q = 1
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)
      if (m !== null) q = Number(m[1])
    }
    if (!Number.isFinite(q)) continue
    if (type === GRAPHQL_RESPONSE_JSON) gqlQ = Math.max(gqlQ, q)
    else if (type === APPLICATION_JSON) jsonQ = Math.max(jsonQ, q)
  }
  return gqlQ > 0 && gqlQ >= jsonQ ? GRAPHQL_RESPONSE_JSON : APPLICATION_JSON
}

/**
 * Accept values seen and what they negotiate to: clients send a handful (bounded in number and
 * length). A memo of negotiate, a pure function, shared by every app in the process.
 */
const MAX_ACCEPT_VALUES = 256
const MAX_REMEMBERED_ACCEPT_LENGTH = 512
const negotiated = new Map<string, ResponseMediaType>()

/** The media type for this request's Accept header (negotiate, remembered per header value). */
export function responseMediaType (request: FastifyRequest): ResponseMediaType {
  const accept = request.headers.accept
  if (accept === undefined) return APPLICATION_JSON
  if (accept.length > MAX_REMEMBERED_ACCEPT_LENGTH) return negotiate(accept)
  let type = negotiated.get(accept)
  if (type === undefined) {
    type = negotiate(accept)
    if (negotiated.size >= MAX_ACCEPT_VALUES) negotiated.clear()
    negotiated.set(accept, type)
  }
  return type
}

/**
 * Headers a browser sends only after a CORS preflight, so their presence proves the request
 * was allowed by our CORS policy (or is not from a browser). The first three are the ones
 * common clients can be told to send (Apollo Client, Apollo Server's own list, mercurius).
 * @see https://www.apollographql.com/docs/apollo-server/security/cors#preventing-cross-site-request-forgery-csrf
 */
export const PREFLIGHT_HEADERS = ['graphql-require-preflight', 'apollo-require-preflight', 'x-apollo-operation-name', 'mercurius-require-preflight', 'x-mercurius-operation-name']

/** Content types a cross-site form or fetch can send without a preflight (Fetch §CORS-safelisted). */
const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'])

export interface SiteCheckInput {
  method: string
  headers: Record<string, string | string[] | undefined>
  /** PUBLIC_URL's origin and the ALLOWED_ORIGINS: the sites trusted to call /graphql. */
  trustedOrigins: ReadonlySet<string>
}

/**
 * Cross-site request forgery prevention for /graphql, decided from Fetch Metadata and the
 * preflight rules (https://web.dev/articles/fetch-metadata,
 * https://www.w3.org/TR/fetch-metadata/#sec-fetch-site-header). A request passes when:
 * 1. a browser would have preflighted it (a non-simple Content-Type such as application/json,
 *    or one of PREFLIGHT_HEADERS): CORS then decided whether it could be sent; or
 * 2. `Sec-Fetch-Site` says `same-origin` or `none` (typed in the address bar); or
 * 3. its `Origin` is one we trust (PUBLIC_URL, ALLOWED_ORIGINS); or
 * 4. it carries neither `Sec-Fetch-Site` nor `Origin`: not a browser's cross-site request
 *    (browsers send Origin on every cross-origin fetch and form POST), e.g. a server-side or
 *    test client. A legacy browser's cross-site `<img>`/link GET would also land here: the
 *    session cookie is SameSite=Lax, so such a subresource request carries no session, a
 *    top-level link runs one query (GET refuses mutations) whose answer only the user sees.
 * Anything else (a simple cross-site or same-site request) is refused. Returns null to pass,
 * else the refusal message naming what would pass.
 */
export function checkSite ({ method, headers, trustedOrigins }: SiteCheckInput): string | null {
  if (PREFLIGHT_HEADERS.some((h) => headers[h] !== undefined)) return null
  const rawType = headers['content-type']
  const contentType = typeof rawType === 'string' ? (rawType.split(';')[0] ?? '').trim().toLowerCase() : ''
  if (method === 'POST' && contentType !== '' && !SIMPLE_CONTENT_TYPES.has(contentType)) return null
  const site = headers['sec-fetch-site']
  if (site === 'same-origin' || site === 'none') return null
  const origin = typeof headers.origin === 'string' ? headers.origin : undefined
  if (origin !== undefined && trustedOrigins.has(origin)) return null
  if (site === undefined && origin === undefined) return null
  const from = site !== undefined ? `Sec-Fetch-Site: ${String(site)}` : `Origin: ${String(origin)}`
  return `This request was refused as a possible cross-site request forgery (${from}, no preflight). ` +
    'A request passes when it is sent from this site or an ALLOWED_ORIGINS origin, or when it forces a CORS preflight: ' +
    `POST with Content-Type application/json, or any method with one of the headers ${PREFLIGHT_HEADERS.join(', ')}.`
}

/**
 * Headers on every /graphql answer: answers depend on the session and are never cached by a
 * browser or proxy; `Vary` names every request header that changes the answer (content
 * negotiation, CORS, the session, CSRF checks).
 */
export const GRAPHQL_CACHE_CONTROL = 'private, no-store'
export const GRAPHQL_VARY = ['Accept', 'Origin', 'Cookie', 'Sec-Fetch-Site', 'Content-Type']
/** GRAPHQL_VARY as a header value, for an answer that has no Vary yet (mergeVary's answer then). */
export const GRAPHQL_VARY_VALUE = GRAPHQL_VARY.join(', ')

/** Merges names into an existing Vary header value (case-insensitive, no duplicates). */
export function mergeVary (existing: unknown, names: readonly string[]): string {
  const current = typeof existing === 'string' && existing !== '' ? existing.split(',').map((s) => s.trim()).filter((s) => s !== '') : []
  if (current.includes('*')) return '*'
  const seen = new Set(current.map((s) => s.toLowerCase()))
  for (const n of names) {
    if (!seen.has(n.toLowerCase())) {
      current.push(n)
      seen.add(n.toLowerCase())
    }
  }
  return current.join(', ')
}
