import { type GatewayError, badUserInput, upstreamError } from '../errors.js'
import type { Deadline } from './deadline.js'
import { MAX_PAGE_SIZE, type Page, type PageArgs, toPage } from './pagination.js'
import { type Send, type UpstreamResponse, firstHeader } from './pipeline.js'
import { errorForResponse, parseJson } from './responses.js'
import type { HttpMethod } from './scopes.js'
import { TransportError } from './transport.js'

/**
 * Where a Sentry call described by a resource module (src/sentry/issues.ts, …) becomes an HTTP
 * request: the path template is filled, the query built, the request sent through the
 * connection's pipeline (pipeline.ts), and the answer turned into data or a GatewayError.
 * Resource modules never see a URL or a token.
 */

export type QueryValue = string | number | boolean | null | undefined | ReadonlyArray<string | number>

export interface CallSpec {
  method: HttpMethod
  /** A path template exactly as in openapi.json, e.g. '/api/0/organizations/{organization_id_or_slug}/issues/'. */
  path: string
  /** Values for the template's `{placeholders}`; each is URL-encoded as one path segment. */
  params?: Record<string, string>
  query?: Record<string, QueryValue>
  /** JSON request body (PUT/POST). */
  body?: unknown
  /** What a 404 names, e.g. 'The issue'. */
  what?: string
  /**
   * 'region' (default) sends calls with an `organization_id_or_slug` to that organization's
   * region; 'control' keeps them on SENTRY_URL (the region lookup itself).
   */
  route?: 'region' | 'control'
  /**
   * Endpoint-specific answers for a final non-2xx response (e.g. the query endpoints pass Sentry's
   * 400 `detail` through, scrubbed); undefined falls back to errorForResponse.
   */
  errors?: (status: number, body: unknown) => GatewayError | undefined
}

export interface SentryResponse<T> {
  status: number
  data: T
  headers: UpstreamResponse['headers']
}

/** What resource modules call: a Sentry call bound to one connection and one unit of work. */
export interface SentryCaller {
  json<T>(spec: CallSpec): Promise<T>
  /** A list endpoint: the array plus the cursors of its `Link` header. */
  page<T>(spec: CallSpec): Promise<Page<T>>
  /** A list inside an object body (e.g. `{data, meta}`): the body plus the cursors of its `Link` header. */
  pageOf<T>(spec: CallSpec): Promise<{ body: T, nextCursor: string | null, prevCursor: string | null }>
}

const PLACEHOLDER = /\{([A-Za-z0-9_]+)\}/g

/**
 * Templates seen, split once into literal text and placeholder names (the code holds a few dozen).
 * A memo of a pure function, shared by every app in the process: what it answers depends on the
 * template alone.
 */
const MAX_TEMPLATES = 512
const templates = new Map<string, string[]>()

/** `'/a/{x}/b/'` → `['/a/', 'x', '/b/']`: literal text at even indexes, placeholder names at odd ones. */
function templateParts (template: string): string[] {
  let parts = templates.get(template)
  if (parts === undefined) {
    parts = template.split(PLACEHOLDER)
    if (templates.size >= MAX_TEMPLATES) templates.clear()
    templates.set(template, parts)
  }
  return parts
}

/** Fills a path template; every value becomes exactly one URL-encoded path segment. */
export function fillPath (template: string, params: Record<string, string> = {}): string {
  const parts = templateParts(template)
  let path = parts[0] as string
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i] as string
    const value = params[name]
    if (typeof value !== 'string' || value === '' || value === '.' || value === '..') {
      throw badUserInput(`A non-empty ${name.replace(/_/g, ' ')} is required.`, { argument: name })
    }
    path += encodeURIComponent(value) + (parts[i + 1] as string)
  }
  return path
}

/** What the form encoding leaves as it is (WHATWG URL, application/x-www-form-urlencoded serializer). */
const FORM_PLAIN = /^[A-Za-z0-9*._-]*$/
/** What encodeURIComponent leaves that the form encoding escapes, and the space it writes `+`. */
const FORM_EXTRA = /%20|[!'()~]/g

/**
 * One name or value as URLSearchParams writes it: exactly its output (test/sentry/caller.test.ts
 * compares them), without building a URLSearchParams per call.
 */
export function formEncode (text: string): string {
  if (FORM_PLAIN.test(text)) return text
  try {
    return encodeURIComponent(text).replace(FORM_EXTRA, (c) => c === '%20' ? '+' : `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  } catch {
    // A lone surrogate: URLSearchParams writes U+FFFD for it, encodeURIComponent throws.
    return new URLSearchParams([['', text]]).toString().slice(1)
  }
}

/** Builds the query string; arrays repeat the key (Sentry's `project=1&project=2`). */
export function buildQuery (query: Record<string, QueryValue> = {}): string {
  let qs = ''
  for (const key of Object.keys(query)) {
    const value = query[key]
    if (value === undefined || value === null) continue
    const name = formEncode(key)
    if (Array.isArray(value)) {
      for (const v of value as ReadonlyArray<string | number>) qs += `${qs === '' ? '?' : '&'}${name}=${formEncode(String(v))}`
    } else {
      qs += `${qs === '' ? '?' : '&'}${name}=${formEncode(String(value))}`
    }
  }
  return qs
}

export interface CallerOptions {
  /** SENTRY_URL without a trailing slash (the region layer replaces it for org-scoped calls). */
  sentryUrl: string
  /** The deadline of each call: the unit of work's one deadline, or a fresh one per call. */
  deadline: () => Deadline
  /** The scopes the connection was granted, to word a 403 (null when unknown). */
  grantedScopes?: () => Promise<readonly string[] | null>
}

/** Sends one call and answers the 2xx response with its JSON body; anything else throws. */
export async function sendCall<T> (send: Send, spec: CallSpec, options: CallerOptions): Promise<SentryResponse<T>> {
  const headers: Record<string, string> = { accept: 'application/json' }
  const body = spec.body === undefined ? undefined : JSON.stringify(spec.body)
  if (body !== undefined) headers['content-type'] = 'application/json'
  const org = spec.route === 'control' ? undefined : spec.params?.organization_id_or_slug
  let res: UpstreamResponse
  try {
    res = await send({
      method: spec.method,
      template: spec.path,
      pathAndQuery: fillPath(spec.path, spec.params) + buildQuery(spec.query),
      baseUrl: options.sentryUrl,
      ...(org === undefined ? {} : { org }),
      headers,
      ...(body === undefined ? {} : { body }),
      deadline: options.deadline()
    })
  } catch (err) {
    throw err instanceof TransportError ? err.toGatewayError() : err
  }
  if (res.status >= 200 && res.status < 300) {
    const data = parseJson(res.text)
    if (data === undefined) throw upstreamError('Sentry answered with a body that is not JSON.')
    return { status: res.status, data: data as T, headers: res.headers }
  }
  const errorBody = parseJson(res.text)
  const own = spec.errors?.(res.status, errorBody)
  if (own !== undefined) throw own
  const granted = res.status === 403 && options.grantedScopes !== undefined ? await options.grantedScopes().catch(() => null) : null
  throw errorForResponse(res.status, errorBody, spec, granted)
}

export function createCaller (send: Send, options: CallerOptions): SentryCaller {
  return {
    async json<T>(spec: CallSpec): Promise<T> {
      return (await sendCall<T>(send, spec, options)).data
    },
    async page<T>(spec: CallSpec): Promise<Page<T>> {
      const res = await sendCall<unknown>(send, spec, options)
      if (!Array.isArray(res.data)) throw upstreamError('Sentry answered a list request with something that is not a list.')
      const page = toPage(res.data as T[], firstHeader(res.headers, 'link'))
      // The issue list's total: `X-Hits`, capped by `X-Max-Hits` (getsentry/sentry src/sentry/api/base.py, add_cursor_headers).
      const hits = firstHeader(res.headers, 'x-hits')
      if (hits !== undefined && /^\d+$/.test(hits)) page.hits = Number(hits)
      return page
    },
    async pageOf<T>(spec: CallSpec): Promise<{ body: T, nextCursor: string | null, prevCursor: string | null }> {
      const res = await sendCall<T>(send, spec, options)
      const { nextCursor, prevCursor } = toPage([], firstHeader(res.headers, 'link'))
      return { body: res.data, nextCursor, prevCursor }
    }
  }
}

/** Validates a page size: 1..100 (Sentry's maximum, docs/sentry.md §4). */
export function pageSize (value: number | undefined, argument = 'perPage'): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw badUserInput(`${argument} must be an integer between 1 and ${MAX_PAGE_SIZE}.`, { argument })
  }
  return value
}

/** `cursor` and `per_page` query parameters from PageArgs. */
export function pageQuery (args: PageArgs = {}): { cursor?: string, per_page?: number } {
  const query: { cursor?: string, per_page?: number } = {}
  if (typeof args.cursor === 'string' && args.cursor !== '') query.cursor = args.cursor
  const perPage = pageSize(args.perPage)
  if (perPage !== undefined) query.per_page = perPage
  return query
}
