/**
 * The one way tests reach the Sentry emulator (src/emulator/): start it on 127.0.0.1:0 with the
 * test OAuth applications registered (closed at teardown), its test-only control API
 * (/_emulator/*, docs/sentry.md) typed per path, a stored gateway connection with tokens it minted,
 * and raw HTTP calls for the emulator's own tests.
 */
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import type { OrganizationRecord } from '../../src/db/store.js'
import {
  startEmulator, type EmulatorClient, type EmulatorCounters, type EmulatorOptions, type FaultSpec,
  type IssueTokenRequest, type RateLimitInput, type RunningEmulator, type TokenResponseBody
} from '../../src/emulator/index.js'
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET } from './env.js'

export type { RunningEmulator }

/** The gateway's OAuth application (the TEST_CLIENT_ID every test app is configured with). */
export const GATEWAY_CLIENT: EmulatorClient = {
  clientId: TEST_CLIENT_ID,
  clientSecret: TEST_CLIENT_SECRET,
  name: 'Test Gateway',
  redirectUris: ['http://127.0.0.1/oauth/sentry/callback', 'http://localhost/oauth/sentry/callback']
}

/** A third-party application for the emulator's own OAuth tests. */
export const EMULATOR_CLIENT: EmulatorClient = {
  clientId: 'emu-test-client',
  clientSecret: 'emu-test-secret-0123456789abcdef',
  name: 'Emulator Test App',
  redirectUris: ['http://127.0.0.1/callback', 'https://app.example.com/oauth/callback?keep=1']
}

export const READ_SCOPES = ['org:read', 'project:read', 'team:read', 'member:read', 'event:read']
export const ALL_SCOPES = [...READ_SCOPES, 'event:write']

/**
 * A real emulator on 127.0.0.1 (a free port), closed at teardown. GATEWAY_CLIENT and
 * EMULATOR_CLIENT are registered, then `opts.clients` (a client with the same id replaces them).
 */
export async function startTestEmulator (t: Test, opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = await startEmulator({ host: '127.0.0.1', port: 0, ...opts, clients: [GATEWAY_CLIENT, EMULATOR_CLIENT, ...(opts.clients ?? [])] })
  t.teardown(() => emulator.close())
  return emulator
}

type Target = RunningEmulator | string
const baseUrl = (emulator: Target): string => typeof emulator === 'string' ? emulator : emulator.url

/** POST /_emulator/<path>: each path's body and answer (src/emulator/control.ts). */
export interface ControlCalls {
  clients: [EmulatorClient, { ok: true }]
  tokens: [IssueTokenRequest, TokenResponseBody]
  'tokens/expire': [Record<string, never>, { expired: number }]
  'tokens/revoke': [{ clientId?: string }, { revoked: number }]
  'rate-limit': [RateLimitInput, { ok: true }]
  faults: [FaultSpec, { ok: true }]
  'counters/reset': [Record<string, never>, { ok: true }]
  'org-features': [{ org: string, features: string[] | null }, { ok: true }]
  reset: [Record<string, never>, { ok: true }]
}

async function controlRequest<T> (emulator: Target, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${baseUrl(emulator)}/_emulator/${path}`, body === undefined
    ? { method }
    : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const text = await res.text()
  if (!res.ok) throw new Error(`emulator control ${method} ${path} → ${res.status}: ${text}`)
  return (text === '' ? null : JSON.parse(text)) as T
}

/** The emulator's test-only control API over HTTP: POST /_emulator/<path> with a typed body. */
export async function control<P extends keyof ControlCalls> (emulator: Target, path: P, body: ControlCalls[P][0]): Promise<ControlCalls[P][1]> {
  return await controlRequest(emulator, 'POST', path, body)
}

/** GET /_emulator/counters */
export const counters = async (emulator: Target): Promise<EmulatorCounters> => await controlRequest(emulator, 'GET', 'counters')
/** POST /_emulator/counters/reset */
export const resetCounters = async (emulator: Target): Promise<void> => { await control(emulator, 'counters/reset', {}) }
/** API requests the emulator counted since the last reset: all of them, or one route's ("GET /api/0/…/"). */
export async function upstreamCalls (emulator: Target, route?: string): Promise<number> {
  const c = await counters(emulator)
  return route === undefined ? c.apiRequests : c.byRoute[route] ?? 0
}

/** An absolute, past hour (the last full hour but one): the emulator's spans in it never change. */
export function pastHourWindow (): { start: string, end: string } {
  const end = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000)
  const start = new Date(end.getTime() - 3_600_000)
  return { start: start.toISOString(), end: end.toISOString() }
}

/** DELETE /_emulator/faults */
export const clearFaults = async (emulator: Target): Promise<void> => { await controlRequest(emulator, 'DELETE', 'faults') }

/** A JSON call to the emulator's REST API; throws unless 2xx. */
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

export interface ConnectOptions {
  scopes?: string[]
  /** The Sentry user the token acts for (emulator seed: "1" is a member of acme and globex). */
  sentryUserId?: string
  /** An org-scoped token for this organization. */
  organizationSlug?: string
  /** Token lifetime at the emulator. */
  expiresInSeconds?: number
  /** What the gateway's database believes about expiry (default: the emulator's expires_at). */
  storedExpiresAt?: Date | null
  /** Override the stored organizations (default: what /api/0/organizations/ lists). */
  organizations?: OrganizationRecord[]
  /** Add the connection to this platform user instead of a new one. */
  platformUserId?: string
}

export interface StoredConnection {
  connectionId: string
  userId: string
  accessToken: string
  refreshToken: string
  tokens: TokenResponseBody
  connection: Awaited<ReturnType<FastifyInstance['store']['saveConnection']>>
}

/** Puts a connection in the gateway's database, with tokens the emulator minted for GATEWAY_CLIENT. */
export async function connect (app: FastifyInstance, emulator: Target, options: ConnectOptions = {}): Promise<StoredConnection> {
  const tokens = await control(emulator, 'tokens', {
    clientId: TEST_CLIENT_ID,
    scopes: options.scopes ?? ALL_SCOPES,
    ...(options.sentryUserId === undefined ? {} : { userId: options.sentryUserId }),
    ...(options.expiresInSeconds === undefined ? {} : { expiresInSeconds: options.expiresInSeconds }),
    ...(options.organizationSlug === undefined ? {} : { organizationSlug: options.organizationSlug })
  })
  let organizations = options.organizations
  if (organizations === undefined) {
    const res = await fetch(`${baseUrl(emulator)}/api/0/organizations/`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    if (!res.ok) throw new Error(`organizations → ${res.status}`)
    const orgs = await res.json() as Array<{ id: string, slug: string, name: string, links: { regionUrl: string } }>
    organizations = orgs.map(o => ({ orgId: o.id, slug: o.slug, name: o.name, regionUrl: o.links.regionUrl }))
  }
  const userId = options.platformUserId ?? (await app.store.createUser()).id
  const connection = await app.store.saveConnection({
    userId,
    sentryUser: { id: tokens.user.id, name: tokens.user.name, email: tokens.user.email },
    scopes: tokens.scope.split(' ').filter((s) => s !== ''),
    scopingOrgId: tokens.organization_id ?? null,
    expiresAt: options.storedExpiresAt !== undefined ? options.storedExpiresAt : new Date(tokens.expires_at),
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    organizations
  })
  return { connectionId: connection.id, userId, accessToken: tokens.access_token, refreshToken: tokens.refresh_token, tokens, connection }
}

/** A token for EMULATOR_CLIENT, without the browser flow. */
export function tokenFor (emulator: RunningEmulator, scopes: string[] = READ_SCOPES, extra: { organizationSlug?: string, expiresInSeconds?: number } = {}): string {
  return emulator.control.issueToken({ clientId: EMULATOR_CLIENT.clientId, scopes, ...extra }).access_token
}

export interface Res {
  status: number
  headers: Headers
  text: string
  body: unknown
}

export async function call (url: string, init: RequestInit = {}): Promise<Res> {
  const res = await fetch(url, { redirect: 'manual', ...init })
  const text = await res.text()
  let body: unknown = text
  try { body = JSON.parse(text) } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, body }
}

/** An authenticated API call; `path` starts with /api/0/. */
export async function api (emulator: RunningEmulator, path: string, token?: string, init: RequestInit = {}, base = emulator.url): Promise<Res> {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) }
  if (token !== undefined) headers.authorization = `Bearer ${token}`
  return await call(base + path, { ...init, headers })
}

export async function putJson (emulator: RunningEmulator, path: string, token: string, body: unknown): Promise<Res> {
  return await api(emulator, path, token, { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
}

/** POST /oauth/token/ form-encoded; `basic` sends the client credentials as HTTP Basic instead. */
export async function tokenRequest (emulator: RunningEmulator, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Res> {
  return await call(`${emulator.url}/oauth/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString()
  })
}

export function clientFields (): Record<string, string> {
  return { client_id: EMULATOR_CLIENT.clientId, client_secret: EMULATOR_CLIENT.clientSecret }
}

/** The hidden `tx` field of the consent page. */
export function txOf (html: string): string {
  const m = /name="tx" value="([^"]+)"/.exec(html)
  if (m?.[1] === undefined) throw new Error('no tx on the consent page')
  return m[1]
}

/** Runs the browser part of the code flow (consent page → approve) and returns the redirect URL. */
export async function approve (emulator: RunningEmulator, params: Record<string, string>, extraForm: Record<string, string> = {}): Promise<URL> {
  const page = await call(`${emulator.url}/oauth/authorize/?${new URLSearchParams({ response_type: 'code', client_id: EMULATOR_CLIENT.clientId, ...params }).toString()}`)
  let location: string | null
  if (page.status === 302) {
    location = page.headers.get('location')
  } else {
    const res = await call(`${emulator.url}/oauth/authorize/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ tx: txOf(page.text), op: 'approve', ...extraForm }).toString()
    })
    location = res.headers.get('location')
  }
  if (location === null) throw new Error('no redirect')
  return new URL(location)
}

/** A fresh authorization code for EMULATOR_CLIENT's first redirect URI. */
export async function codeFor (emulator: RunningEmulator, params: Record<string, string> = {}): Promise<string> {
  const url = await approve(emulator, { redirect_uri: 'http://127.0.0.1:4000/callback', scope: 'org:read event:read', force_prompt: '1', ...params })
  const code = url.searchParams.get('code')
  if (code === null) throw new Error(`no code in ${url.href}`)
  return code
}
