/**
 * Test helpers for the GraphQL API: a signed-in viewer with a real Sentry connection (tokens
 * minted by the emulator's test-only control API, organizations read from the emulator with
 * that token), a session cookie, and a small client for /graphql.
 */
import type { FastifyInstance } from 'fastify'
import type { LightMyRequestResponse } from 'fastify'
import type { ConnectionRecord } from '../../src/db/store.js'
import { SESSION_COOKIE } from '../../src/plugins/session.js'
import type { RunningEmulator, TokenResponseBody } from '../../src/emulator/index.js'
import { TEST_CLIENT_ID, type TestApp } from './app.js'

export const ALL_READ_SCOPES = ['org:read', 'project:read', 'team:read', 'member:read', 'event:read', 'event:write']

export interface ConnectOptions {
  scopes?: string[]
  /** The Sentry user the token acts for (emulator seed: "1" is a member of acme and globex). */
  sentryUserId?: string
  /** An org-scoped token for this organization. */
  organizationSlug?: string
  /** Add the connection to this platform user instead of a new one. */
  platformUserId?: string
}

export interface TestViewer {
  userId: string
  cookie: string
  connection: ConnectionRecord
  tokens: TokenResponseBody
}

export async function emulatorCall<T = unknown> (emulator: RunningEmulator, method: 'GET' | 'POST' | 'DELETE' | 'PUT', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`emulator ${method} ${path} answered ${res.status}: ${text}`)
  return (text === '' ? null : JSON.parse(text)) as T
}

/** The cookie header value of a secure session holding `userId`. */
export function sessionCookie (app: FastifyInstance, userId: string): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(app.encodeSecureSession(app.createSecureSession({ userId })))}`
}

/** A platform user with one stored Sentry connection, and its session cookie. */
export async function connectViewer ({ app, emulator }: TestApp, options: ConnectOptions = {}): Promise<TestViewer> {
  const tokens = await emulatorCall<TokenResponseBody>(emulator, 'POST', '/_emulator/tokens', {
    clientId: TEST_CLIENT_ID,
    scopes: options.scopes ?? ALL_READ_SCOPES,
    ...(options.sentryUserId === undefined ? {} : { userId: options.sentryUserId }),
    ...(options.organizationSlug === undefined ? {} : { organizationSlug: options.organizationSlug })
  })
  const orgs = await emulatorCall<Array<{ id: string, slug: string, name: string, links: { regionUrl: string } }>>(
    emulator, 'GET', '/api/0/organizations/', undefined, { authorization: `Bearer ${tokens.access_token}` })
  const userId = options.platformUserId ?? (await app.store.createUser()).id
  const connection = await app.store.saveConnection({
    userId,
    sentryUser: { id: tokens.user.id, name: tokens.user.name, email: tokens.user.email },
    scopes: tokens.scope.split(' ').filter((s) => s !== ''),
    scopingOrgId: tokens.organization_id ?? null,
    expiresAt: new Date(tokens.expires_at),
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    organizations: orgs.map((o) => ({ orgId: o.id, slug: o.slug, name: o.name, regionUrl: o.links.regionUrl }))
  })
  return { userId, cookie: sessionCookie(app, userId), connection, tokens }
}

export interface GqlResponse<T = Record<string, unknown>> {
  status: number
  headers: LightMyRequestResponse['headers']
  body: {
    data?: T | null
    errors?: Array<{ message: string, path?: Array<string | number>, extensions?: Record<string, unknown> & { code?: string } }>
  }
  ms: number
}

export interface GqlOptions {
  cookie?: string
  variables?: Record<string, unknown>
  operationName?: string
  headers?: Record<string, string>
}

/** POSTs an operation to /graphql as JSON. */
export async function gql<T = any> (app: FastifyInstance, query: string, options: GqlOptions = {}): Promise<GqlResponse<T>> {
  const started = performance.now()
  const res = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', ...(options.cookie === undefined ? {} : { cookie: options.cookie }), ...options.headers },
    payload: JSON.stringify({ query, variables: options.variables, operationName: options.operationName })
  })
  const ms = performance.now() - started
  return { status: res.statusCode, headers: res.headers, body: res.json(), ms }
}

/** The codes of a response's errors, in order. */
export const codes = (res: GqlResponse): Array<string | undefined> => (res.body.errors ?? []).map((e) => e.extensions?.code)

export async function counters (emulator: RunningEmulator): Promise<{ apiRequests: number, byRoute: Record<string, number> }> {
  return await emulatorCall(emulator, 'GET', '/_emulator/counters')
}

export async function resetCounters (emulator: RunningEmulator): Promise<void> {
  await emulatorCall(emulator, 'POST', '/_emulator/counters/reset')
}
