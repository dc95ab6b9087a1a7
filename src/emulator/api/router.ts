/**
 * The request pipeline shared by every /api/0/ route, in Sentry's order:
 * count → injected fault → rate limit (headers on every response, docs/sentry.md §4) → authentication (401) →
 * org-scoped token check (401) → scopes (403) → organization (404/403) → latency → handler.
 * Routes are declared with the spec's path pattern, e.g. /api/0/organizations/{organization_id_or_slug}/.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type FaultSpec, faultResponse } from '../faults.js'
import { ApiError, forbidden, notFound, pathOf, queryOf, unauthorized } from '../http.js'
import type { OrgRec } from '../model.js'
import { hasAnyScope } from '../scopes.js'
import type { RouteRateLimit } from '../rate-limit.js'
import type { EmulatorState, TokenRec } from '../state.js'
import { hexId } from '../util.js'

export type Origin = 'main' | 'region'

export interface ApiContext {
  state: EmulatorState
  request: FastifyRequest
  reply: FastifyReply
  params: Record<string, string>
  query: URLSearchParams
  token: TokenRec
  /** The organization of the path, when the route has {organization_id_or_slug}. */
  org: OrgRec | undefined
}

export interface ApiRoute {
  method: 'GET' | 'PUT'
  /** The path exactly as in openapi.json. */
  path: string
  /** Any one of these is enough (ScopedPermission). */
  scopes: readonly string[]
  /** The endpoint's own `rate_limits`, when lower than Sentry's default (applies while the limiter has its defaults). */
  rateLimit?: RouteRateLimit
  handler: (ctx: ApiContext) => unknown
}

export function requireOrg (ctx: ApiContext): OrgRec {
  if (ctx.org === undefined) throw new Error('route has no organization')
  return ctx.org
}

function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}

function bearerOf (header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^bearer(?:\s+(.*))?$/i.exec(header.trim())
  return m === null ? undefined : (m[1] ?? '').trim()
}

/** `UserAuthTokenAuthentication` (docs/sentry.md §4): which 401 detail for which token. */
function authenticate (state: EmulatorState, header: string | undefined): TokenRec {
  const value = bearerOf(header)
  // No header, or another scheme: DRF finds no credentials at all.
  if (value === undefined) throw unauthorized('Authentication credentials were not provided.')
  if (value === '') throw unauthorized('Invalid token header. No credentials provided.')
  if (/\s/.test(value)) throw unauthorized('Invalid token header. Token string should not contain spaces.')
  const token = state.tokenByAccess(value)
  if (token === undefined) throw unauthorized('Invalid token')
  if (token.expiresAt <= state.now()) throw unauthorized('Token expired')
  return token
}

/** Answer with the body but hold it back after the headers (to test client body timeouts). */
function stallBody (reply: FastifyReply, body: unknown, ms: number): FastifyReply {
  const json = JSON.stringify(body)
  const headers: Record<string, string | number | string[]> = {}
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v
  reply.hijack()
  reply.raw.writeHead(reply.statusCode, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) })
  reply.raw.flushHeaders()
  const timer = setTimeout(() => reply.raw.end(json), ms)
  reply.raw.once('close', () => clearTimeout(timer))
  return reply
}

/** Applies an injected fault; true when it already answered (or killed) the request. */
async function answerFault (state: EmulatorState, request: FastifyRequest, reply: FastifyReply, fault: FaultSpec, params: Record<string, string>): Promise<boolean> {
  if (fault.delayMs !== undefined) await sleep(fault.delayMs)
  if (fault.reset === true) {
    reply.hijack()
    request.raw.socket.destroy()
    return true
  }
  if (fault.status === undefined) return false
  const r = faultResponse(fault, fault.status, { baseUrl: state.mainUrl, orgSlug: params.organization_id_or_slug })
  void reply.code(r.status).headers(r.headers).type(r.contentType).send(r.body)
  return true
}

/** A fixed window per caller × endpoint (the caller is the token, or the IP); true when it answered 429. */
function rateLimited (state: EmulatorState, request: FastifyRequest, reply: FastifyReply, routeKey: string, routeLimit?: RouteRateLimit): boolean {
  const rlKey = `${bearerOf(request.headers.authorization) ?? `ip:${request.ip}`} ${routeKey}`
  const decision = state.rateLimiter.enter(rlKey, state.now(), routeLimit)
  reply.raw.once('close', () => { state.rateLimiter.leave(rlKey) })
  reply.headers(decision.headers)
  if (!decision.limited) return false
  state.counters.rateLimited++
  // Django's HttpResponse default content type; no Retry-After (docs/sentry.md §4).
  void reply.code(429).type('text/html; charset=utf-8').send(decision.body)
  return true
}

/** 401 (token, org scoping) → 403 (scopes) → 404 (organization) → 403 (membership). */
function authorize (state: EmulatorState, route: ApiRoute, params: Record<string, string>, header: string | undefined): { token: TokenRec, org: OrgRec | undefined } {
  const token = authenticate(state, header)
  const orgParam = params.organization_id_or_slug
  if (token.orgId !== null) {
    const scoped = state.data.orgs.find((o) => o.id === token.orgId)
    if (orgParam === undefined && route.path !== '/api/0/organizations/') throw unauthorized('This token access is limited to organization endpoints.')
    if (orgParam !== undefined && orgParam !== token.orgId && orgParam !== scoped?.slug) throw unauthorized('Unauthorized organization access.')
  }
  if (!hasAnyScope(token.scopes, route.scopes)) throw forbidden()
  if (orgParam === undefined) return { token, org: undefined }
  const org = state.orgBySlugOrId(orgParam)
  if (org === undefined) throw notFound()
  if (!state.isMember(org.id, token.userId)) throw forbidden()
  return { token, org }
}

export function registerApiRoutes (app: FastifyInstance, state: EmulatorState, origin: Origin, routes: readonly ApiRoute[]): void {
  const byUrl = new Map<string, ApiRoute>()
  const contexts = new WeakMap<FastifyRequest, { ctx: ApiContext, stallMs: number | undefined }>()

  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    if (err instanceof ApiError) return reply.code(err.statusCode).headers(err.headers).send(err.body)
    const status = err.statusCode ?? 500
    // Body parsing errors and the like, in DRF's {"detail": …} form.
    if (status >= 400 && status < 500) return reply.code(status).send({ detail: err.message })
    request.log.error({ err }, 'emulator API handler failed')
    return reply.code(500).send({ detail: 'Internal Error', errorId: hexId('error', Date.now(), Math.random()) })
  })

  // Path parameters as find-my-way gives them: strings, by the route table's {names}.
  app.addHook<{ Params: Record<string, string> }>('onRequest', async (request, reply) => {
    // Fastify answers HEAD with the GET route.
    const route = byUrl.get(`${request.method === 'HEAD' ? 'GET' : request.method} ${request.routeOptions.url ?? ''}`)
    if (route === undefined) return
    const key = `${route.method} ${route.path}`
    const c = state.counters
    c.apiRequests++
    c.byRoute[key] = (c.byRoute[key] ?? 0) + 1
    c.byOrigin[origin] = (c.byOrigin[origin] ?? 0) + 1
    const params = request.params

    const fault = state.faults.take(pathOf(request.url))
    if (fault !== undefined && await answerFault(state, request, reply, fault, params)) return reply
    if (!state.options.selfHosted && rateLimited(state, request, reply, key, route.rateLimit)) return reply
    const { token, org } = authorize(state, route, params, request.headers.authorization)
    // Artificial latency counts as time in flight (after the rate limiter has seen the request).
    if (state.options.latencyMs > 0) await sleep(state.options.latencyMs)
    contexts.set(request, {
      ctx: { state, request, reply, params, query: queryOf(request.url), token, org },
      stallMs: fault?.bodyDelayMs
    })
  })

  for (const route of routes) {
    const url = route.path.replace(/\{(\w+)\}/g, ':$1')
    byUrl.set(`${route.method} ${url}`, route)
    app.route({
      method: route.method,
      url,
      handler: async (request, reply) => {
        const entry = contexts.get(request)
        if (entry === undefined) throw new Error('API context missing')
        const body = await route.handler(entry.ctx)
        return entry.stallMs === undefined ? body : stallBody(reply, body, entry.stallMs)
      }
    })
  }
}
