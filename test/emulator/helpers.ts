/** Shared helpers for the emulator's own tests: start/close, tokens, and raw HTTP calls. */
import type { Test } from 'tap'
import { type EmulatorClient, type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/index.js'

export const CLIENT: EmulatorClient = {
  clientId: 'emu-test-client',
  clientSecret: 'emu-test-secret-0123456789abcdef',
  name: 'Emulator Test App',
  redirectUris: ['http://127.0.0.1/callback', 'https://app.example.com/oauth/callback?keep=1']
}

export const READ_SCOPES = ['org:read', 'project:read', 'team:read', 'member:read', 'event:read']

export async function start (t: Test, opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = await startEmulator({ ...opts, clients: [CLIENT, ...(opts.clients ?? [])] })
  t.teardown(() => emulator.close())
  return emulator
}

export function tokenFor (emulator: RunningEmulator, scopes: string[] = READ_SCOPES, extra: { organizationSlug?: string, expiresInSeconds?: number } = {}): string {
  return emulator.control.issueToken({ clientId: CLIENT.clientId, scopes, ...extra }).access_token
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
  return { client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret }
}

/** The hidden `tx` field of the consent page. */
export function txOf (html: string): string {
  const m = /name="tx" value="([^"]+)"/.exec(html)
  if (m?.[1] === undefined) throw new Error('no tx on the consent page')
  return m[1]
}

/** Runs the browser part of the code flow (consent page → approve) and returns the redirect URL. */
export async function approve (emulator: RunningEmulator, params: Record<string, string>, extraForm: Record<string, string> = {}): Promise<URL> {
  const page = await call(`${emulator.url}/oauth/authorize/?${new URLSearchParams({ response_type: 'code', client_id: CLIENT.clientId, ...params }).toString()}`)
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

/** A fresh authorization code for CLIENT's first redirect URI. */
export async function codeFor (emulator: RunningEmulator, params: Record<string, string> = {}): Promise<string> {
  const url = await approve(emulator, { redirect_uri: 'http://127.0.0.1:4000/callback', scope: 'org:read event:read', force_prompt: '1', ...params })
  const code = url.searchParams.get('code')
  if (code === null) throw new Error(`no code in ${url.href}`)
  return code
}
