/**
 * TEST-ONLY control API: /_emulator/* over HTTP and the same operations in-process (`control`).
 * It lets tests and the zero-config start register apps, mint/expire/revoke tokens, shape rate
 * limits, inject faults and read counters. The production gateway never exposes it: it embeds the
 * emulator only when no Sentry credentials are configured and NODE_ENV is not production.
 */
import type { FastifyInstance } from 'fastify'
import { type FaultSpec, validateFault } from './faults.js'
import type { RateLimitInput } from './rate-limit.js'
import { SENTRY_SCOPES } from '../sentry/scopes.js'
import { DEFAULT_USER_ID } from './seed.js'
import type { EmulatorState } from './state.js'
import type { EmulatorClient, EmulatorControl, EmulatorCounters, IssueTokenRequest, TokenResponseBody } from './types.js'
import { isRecord } from './util.js'
import { objectOrNothing } from '../http/schemas.js'

function validateClient (input: unknown): EmulatorClient {
  if (!isRecord(input)) throw new TypeError('client must be an object')
  const { clientId, clientSecret, name, redirectUris } = input
  if (typeof clientId !== 'string' || clientId === '') throw new TypeError('clientId is required')
  if (typeof clientSecret !== 'string' || clientSecret === '') throw new TypeError('clientSecret is required')
  if (!Array.isArray(redirectUris) || redirectUris.length === 0 || !redirectUris.every((u) => typeof u === 'string' && /^[a-z][\w+.-]*:\/\//i.test(u))) {
    throw new TypeError('redirectUris must be a non-empty array of absolute URIs')
  }
  return { clientId, clientSecret, name: typeof name === 'string' && name !== '' ? name : clientId, redirectUris: redirectUris as string[] }
}

export class Control implements EmulatorControl {
  constructor (private readonly state: EmulatorState) {}

  registerClient = (client: EmulatorClient): void => {
    const c = validateClient(client)
    this.state.clients.set(c.clientId, c)
  }

  issueToken = (req: IssueTokenRequest): TokenResponseBody => {
    const { state } = this
    if (!isRecord(req) || typeof req.clientId !== 'string' || !state.clients.has(req.clientId)) throw new TypeError('clientId must be a registered client')
    if (!Array.isArray(req.scopes) || !req.scopes.every((s) => typeof s === 'string' && SENTRY_SCOPES.has(s))) throw new TypeError('scopes must be an array of Sentry scopes')
    const userId = req.userId ?? DEFAULT_USER_ID
    if (!state.data.users.some((u) => u.id === userId)) throw new TypeError(`unknown user ${userId}`)
    let orgId: string | null = null
    if (req.organizationSlug !== undefined) {
      const org = state.data.orgs.find((o) => o.slug === req.organizationSlug)
      if (org === undefined || !state.isMember(org.id, userId)) throw new TypeError(`user ${userId} is not a member of ${req.organizationSlug}`)
      orgId = org.id
    }
    if (req.expiresInSeconds !== undefined && !Number.isInteger(req.expiresInSeconds)) throw new TypeError('expiresInSeconds must be an integer')
    state.authorize({ userId, clientId: req.clientId, scopes: new Set(req.scopes), orgId })
    const token = state.createToken({ clientId: req.clientId, userId, scopes: [...req.scopes], orgId }, req.expiresInSeconds)
    return state.tokenResponse(token)
  }

  expireTokens = (): number => {
    const now = this.state.now()
    const tokens = this.state.allTokens()
    for (const t of tokens) t.expiresAt = Math.min(t.expiresAt, now)
    return tokens.length
  }

  revokeTokens = (clientId?: string): number => this.state.revoke({ clientId })

  setRateLimit = (config: RateLimitInput = {}): void => { this.state.rateLimiter.configure(config) }

  addFault = (fault: FaultSpec): void => { this.state.faults.add(validateFault(fault)) }

  clearFaults = (): void => { this.state.faults.clear() }

  counters = (): EmulatorCounters => structuredClone(this.state.counters)

  resetCounters = (): void => { this.state.resetCounters() }

  setOrgFeatures = (org: string, features: string[] | null): void => {
    const rec = this.state.orgBySlugOrId(org)
    if (rec === undefined) throw new TypeError(`unknown organization ${org}`)
    if (features !== null && !(Array.isArray(features) && features.every((f) => typeof f === 'string'))) throw new TypeError('features must be an array of strings or null')
    if (features === null) delete rec.features
    else rec.features = [...features]
  }

  reset = (): void => { this.state.resetWorld() }
}

const STRING = { type: 'string' }
const INTEGER = { type: 'integer' }
const STRINGS = { type: 'array', items: STRING }
const CLIENT_BODY = {
  type: 'object',
  required: ['clientId', 'clientSecret', 'redirectUris'],
  properties: { clientId: STRING, clientSecret: STRING, name: STRING, redirectUris: STRINGS }
}
const TOKEN_BODY = {
  type: 'object',
  required: ['clientId', 'scopes'],
  properties: { clientId: STRING, scopes: STRINGS, userId: STRING, organizationSlug: STRING, expiresInSeconds: INTEGER }
}
const RATE_LIMIT_BODY = objectOrNothing({
  limit: INTEGER, windowSeconds: { type: 'number' }, concurrentLimit: INTEGER, body429: { enum: ['string', 'detail'] }
})
const FAULT_BODY = {
  type: 'object',
  properties: {
    count: INTEGER,
    status: INTEGER,
    delayMs: INTEGER,
    reset: { type: 'boolean' },
    bodyDelayMs: INTEGER,
    pathPrefix: STRING,
    nestedDetail: STRING
  }
}
const ORG_FEATURES_BODY = {
  type: 'object',
  required: ['org'],
  // null first: Ajv (coerceTypes) would turn null into [''] in the array branch.
  properties: { org: STRING, features: { anyOf: [{ type: 'null' }, STRINGS] } }
}

export function registerControlRoutes (app: FastifyInstance, control: Control): void {
  app.setErrorHandler((err: Error & { statusCode?: number }, _request, reply) => {
    const status = err instanceof TypeError ? 400 : err.statusCode ?? 500
    return reply.code(status).send({ error: err.message })
  })
  app.addHook('onSend', async (_request, reply) => { reply.header('X-Emulator-Control', 'test-only') })

  // Bodies: Fastify checks their shape (the schemas below), the control methods their meaning.
  app.post<{ Body: EmulatorClient }>('/_emulator/clients', { schema: { body: CLIENT_BODY } }, async (request, reply) => {
    control.registerClient(request.body)
    return reply.code(201).send({ ok: true })
  })
  app.post<{ Body: IssueTokenRequest }>('/_emulator/tokens', { schema: { body: TOKEN_BODY } }, async (request, reply) =>
    reply.code(201).send(control.issueToken(request.body)))
  app.post('/_emulator/tokens/expire', async () => ({ expired: control.expireTokens() }))
  app.post<{ Body: { clientId?: string } | null }>('/_emulator/tokens/revoke', { schema: { body: objectOrNothing({ clientId: { type: 'string' } }) } }, async (request) =>
    ({ revoked: control.revokeTokens(request.body?.clientId) }))
  app.post<{ Body: RateLimitInput | null }>('/_emulator/rate-limit', { schema: { body: RATE_LIMIT_BODY } }, async (request) => {
    control.setRateLimit(request.body ?? {})
    return { ok: true }
  })
  app.post<{ Body: FaultSpec }>('/_emulator/faults', { schema: { body: FAULT_BODY } }, async (request, reply) => {
    control.addFault(request.body)
    return reply.code(201).send({ ok: true })
  })
  app.delete('/_emulator/faults', async () => {
    control.clearFaults()
    return { ok: true }
  })
  app.get('/_emulator/counters', async () => control.counters())
  app.post('/_emulator/counters/reset', async () => {
    control.resetCounters()
    return { ok: true }
  })
  app.post<{ Body: { org: string, features?: string[] | null } }>('/_emulator/org-features', { schema: { body: ORG_FEATURES_BODY } }, async (request) => {
    control.setOrgFeatures(request.body.org, request.body.features ?? null)
    return { ok: true }
  })
  app.post('/_emulator/reset', async () => {
    control.reset()
    return { ok: true }
  })
}
