import type { EmulatorCounters } from '../../src/emulator/types.js'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import type { OrganizationRecord } from '../../src/db/store.js'
import { TEST_CLIENT_ID } from '../helpers/app.js'

/** The emulator's test-only control API, over HTTP (JSON). */
export async function control (emulatorUrl: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${emulatorUrl}/_emulator/${path}`, body === undefined
    ? { method: 'GET' }
    : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const text = await res.text()
  if (!res.ok) throw new Error(`emulator control ${path} → ${res.status}: ${text}`)
  return text === '' ? null : JSON.parse(text)
}

export type Counters = EmulatorCounters

export const counters = async (emulatorUrl: string): Promise<Counters> => await control(emulatorUrl, 'counters')
export const resetCounters = async (emulatorUrl: string): Promise<void> => { await control(emulatorUrl, 'counters/reset', {}) }

export interface ConnectOptions {
  scopes?: string[]
  /** Token lifetime at the emulator. */
  expiresInSeconds?: number
  /** What the gateway's database believes about expiry (default: the emulator's expires_at). */
  storedExpiresAt?: Date | null
  organizationSlug?: string
  /** Override the stored organizations (default: what /api/0/organizations/ lists). */
  organizations?: OrganizationRecord[]
}

export const ALL_SCOPES = ['org:read', 'project:read', 'team:read', 'member:read', 'event:read', 'event:write']

/** Puts a connection in the gateway's database, with tokens issued by the emulator. */
export async function connect (app: FastifyInstance, emulatorUrl: string, options: ConnectOptions = {}): Promise<{ connectionId: string, accessToken: string, refreshToken: string }> {
  const tokens = await control(emulatorUrl, 'tokens', {
    clientId: TEST_CLIENT_ID,
    scopes: options.scopes ?? ALL_SCOPES,
    ...(options.expiresInSeconds === undefined ? {} : { expiresInSeconds: options.expiresInSeconds }),
    ...(options.organizationSlug === undefined ? {} : { organizationSlug: options.organizationSlug })
  })
  let organizations = options.organizations
  if (organizations === undefined) {
    const res = await fetch(`${emulatorUrl}/api/0/organizations/`, { headers: { authorization: `Bearer ${tokens.access_token as string}` } })
    if (!res.ok) throw new Error(`organizations → ${res.status}`)
    const orgs = await res.json() as Array<{ id: string, slug: string, name: string, links: { regionUrl: string } }>
    organizations = orgs.map(o => ({ orgId: o.id, slug: o.slug, name: o.name, regionUrl: o.links.regionUrl }))
  }
  const user = await app.store.createUser()
  const saved = await app.store.saveConnection({
    userId: user.id,
    sentryUser: { id: tokens.user.id, name: tokens.user.name, email: tokens.user.email },
    scopes: String(tokens.scope).split(' '),
    scopingOrgId: tokens.organization_id ?? null,
    expiresAt: options.storedExpiresAt !== undefined ? options.storedExpiresAt : new Date(tokens.expires_at),
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    organizations
  })
  return { connectionId: saved.id, accessToken: tokens.access_token, refreshToken: tokens.refresh_token }
}

/** Settles every promise; returns the values and the error codes. */
export async function settle<T> (promises: Array<Promise<T>>): Promise<{ ok: T[], codes: string[], errors: unknown[] }> {
  const results = await Promise.allSettled(promises)
  const ok: T[] = []
  const codes: string[] = []
  const errors: unknown[] = []
  for (const r of results) {
    if (r.status === 'fulfilled') {
      ok.push(r.value)
    } else {
      errors.push(r.reason)
      codes.push(String((r.reason as { code?: unknown }).code ?? 'NO_CODE'))
    }
  }
  return { ok, codes, errors }
}

/** A fresh TOKEN_ENCRYPTION_KEY so two apps can share one database file. */
export const sharedKey = (): string => randomBytes(32).toString('base64')

export const count = (codes: string[], code: string): number => codes.filter(c => c === code).length

/**
 * A database file outside the test directory: buildTestApp calls t.testdir(), which recreates
 * that directory, so a second app in the same test would delete the first app's file.
 */
export function sharedDatabasePath (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-shared-db-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  return join(dir, 'gateway.db')
}
