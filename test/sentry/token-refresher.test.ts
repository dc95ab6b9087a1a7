import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { parseTokenKeys } from '../../src/config.js'
import { createSqliteStore } from '../../src/db/sqlite/store.js'
import { createTokenCipher } from '../../src/db/token-cipher.js'
import type { NewTokens, Store } from '../../src/db/store.js'
import { InvalidGrantError } from '../../src/sentry/token-endpoint.js'
import {
  REVOKED_INVALID_GRANT, REVOKED_NO_REFRESH_TOKEN, createTokenRefresher
} from '../../src/sentry/token-refresher.js'
import { upstreamError } from '../../src/errors.js'

// The refresher's rarer branches, on a real SQLite file, with the OAuth POST replaced by a
// function (the emulator tests cover the real POST).

async function setup (t: Test, opts: { refreshToken?: string | null, expiresAt?: Date | null } = {}) {
  const store = createSqliteStore({
    path: join(t.testdir(), 'gateway.db'),
    cipher: createTokenCipher(parseTokenKeys(randomBytes(32).toString('base64')))
  })
  t.teardown(async () => { await store.close() })
  const user = await store.createUser()
  const conn = await store.saveConnection({
    userId: user.id,
    sentryUser: { id: '1', name: 'Jane', email: null },
    scopes: ['org:read'],
    scopingOrgId: null,
    expiresAt: opts.expiresAt === undefined ? new Date(Date.now() - 1000) : opts.expiresAt,
    accessToken: 'access-1',
    refreshToken: opts.refreshToken === undefined ? 'refresh-1' : opts.refreshToken,
    organizations: []
  })
  return { store, connectionId: conn.id, userId: user.id }
}

const fresh = (n: number): NewTokens => ({ accessToken: `access-${n}`, refreshToken: `refresh-${n}`, expiresAt: new Date(Date.now() + 30 * 86400_000) })

t.test('no refresh token: usable until it expires, then REVOKED', async t => {
  const expired = await setup(t, { refreshToken: null })
  let calls = 0
  const http = { refresh: async () => { calls++; return fresh(2) } }
  const r = createTokenRefresher({ store: expired.store, endpoint: http, refreshWindowSeconds: 300 })
  await t.rejects(r.current(expired.connectionId), { code: 'RECONNECT_REQUIRED' })
  const conn = await expired.store.getConnection(expired.connectionId)
  t.equal(conn?.status, 'REVOKED')
  t.equal(conn?.statusReason, REVOKED_NO_REFRESH_TOKEN)
  await t.rejects(r.current(expired.connectionId), { code: 'RECONNECT_REQUIRED', message: /no refresh token/ })

  const soon = await setup(t, { refreshToken: null, expiresAt: new Date(Date.now() + 60_000) })
  const r2 = createTokenRefresher({ store: soon.store, endpoint: http, refreshWindowSeconds: 300 })
  t.same(await r2.current(soon.connectionId), { value: 'access-1', version: 1 }, 'still valid: used as is')
  t.equal(calls, 0)

  // A reconnect lands between our read and markRevoked: its tokens are used.
  const raced = await setup(t, { refreshToken: null })
  const racing: Store = {
    ...raced.store,
    markRevoked: async (id, reason, version) => {
      await raced.store.replaceTokens(id, version, fresh(4))
      return await raced.store.markRevoked(id, reason, version)
    }
  }
  const r4 = createTokenRefresher({ store: racing, endpoint: http, refreshWindowSeconds: 300 })
  t.equal((await r4.current(raced.connectionId)).value, 'access-4')

  const never = await setup(t, { expiresAt: null })
  const r3 = createTokenRefresher({ store: never.store, endpoint: http, refreshWindowSeconds: 300 })
  t.same(await r3.current(never.connectionId), { value: 'access-1', version: 1 }, 'no expiry: never refreshed ahead')
  t.equal(calls, 0)
})

t.test('invalid_grant on an untouched row revokes; a row that moves at the last moment wins', async t => {
  const a = await setup(t)
  const r = createTokenRefresher({ store: a.store, endpoint: { refresh: async () => { throw new InvalidGrantError() } }, refreshWindowSeconds: 0 })
  await t.rejects(r.current(a.connectionId), { code: 'RECONNECT_REQUIRED', extensions: { connectionId: a.connectionId } })
  t.equal((await a.store.getConnection(a.connectionId))?.statusReason, REVOKED_INVALID_GRANT)

  // Another process stores new tokens between our re-read and markRevoked.
  const b = await setup(t)
  const racing: Store = {
    ...b.store,
    markRevoked: async (id, reason, version) => {
      await b.store.replaceTokens(id, version, fresh(3))
      return await b.store.markRevoked(id, reason, version)
    }
  }
  const r2 = createTokenRefresher({ store: racing, endpoint: { refresh: async () => { throw new InvalidGrantError() } }, refreshWindowSeconds: 0 })
  t.same(await r2.current(b.connectionId), { value: 'access-3', version: 2 })
  t.equal((await b.store.getConnection(b.connectionId))?.status, 'ACTIVE')
})

t.test('a reconnect during the refresh POST: the reconnect\'s tokens win', async t => {
  const { store, connectionId, userId } = await setup(t)
  const http = {
    refresh: async (): Promise<NewTokens> => {
      await store.saveConnection({
        userId,
        sentryUser: { id: '1', name: 'Jane', email: null },
        scopes: ['org:read'],
        scopingOrgId: null,
        expiresAt: new Date(Date.now() + 86400_000),
        accessToken: 'access-reconnected',
        refreshToken: 'refresh-reconnected',
        organizations: []
      })
      return fresh(2)
    }
  }
  const r = createTokenRefresher({ store, endpoint: http, refreshWindowSeconds: 0 })
  t.equal((await r.current(connectionId)).value, 'access-reconnected')
})

t.test('keeps the old refresh token when the server does not rotate it', async t => {
  const { store, connectionId } = await setup(t)
  const r = createTokenRefresher({ store, endpoint: { refresh: async () => ({ ...fresh(2), refreshToken: null }) }, refreshWindowSeconds: 0 })
  await r.current(connectionId)
  t.equal((await store.getTokens(connectionId))?.refreshToken, 'refresh-1')
})

t.test('waits for another owner\'s lease: takes over when it expires, gives up after the bound', async t => {
  const { store, connectionId } = await setup(t)
  t.ok(await store.acquireRefreshLease(connectionId, 'another-process', 200), 'someone else holds the lease')
  let calls = 0
  const r = createTokenRefresher({ store, endpoint: { refresh: async () => { calls++; return fresh(2) } }, refreshWindowSeconds: 0, owner: 'me', pollIntervalMs: 10 })
  const started = Date.now()
  t.equal((await r.current(connectionId)).value, 'access-2')
  t.ok(Date.now() - started >= 150, 'waited for the lease to expire')
  t.equal(calls, 1)

  const stuck = await setup(t)
  const neverFree: Store = { ...stuck.store, acquireRefreshLease: async () => false }
  const r2 = createTokenRefresher({ store: neverFree, endpoint: { refresh: async () => fresh(2) }, refreshWindowSeconds: 0, pollIntervalMs: 5, maxLeaseWaitMs: 100 })
  await t.rejects(r2.current(stuck.connectionId), { code: 'UPSTREAM_TIMEOUT' })
})

t.test('a 401 on a token newer than the refresh in flight refreshes again after it', async t => {
  const { store, connectionId } = await setup(t, { expiresAt: new Date(Date.now() + 86400_000) })
  let calls = 0
  let release: (() => void) | undefined
  const gate = new Promise<void>(resolve => { release = resolve })
  const http = {
    refresh: async (): Promise<NewTokens> => {
      calls++
      if (calls === 1) await gate
      return fresh(calls + 1)
    }
  }
  const r = createTokenRefresher({ store, endpoint: http, refreshWindowSeconds: 0 })
  const first = r.refresh(connectionId, 1)
  const shared = r.refresh(connectionId, 1)
  const newer = r.refresh(connectionId, 2)
  release?.()
  t.equal((await first).version, 2)
  t.equal(await shared, await first, 'same version: one flight')
  t.equal((await newer).version, 3, 'refreshed again for the newer token')
  t.equal(calls, 2)
  await r.afterUnauthorized(connectionId, { value: 'stale', version: 1 })
  t.equal(calls, 2, 'a 401 on an old token just uses the stored one')
})

t.test('a passing failure ahead of expiry keeps the current token; other failures surface', async t => {
  const { store, connectionId } = await setup(t, { expiresAt: new Date(Date.now() + 60_000) })
  const r = createTokenRefresher({ store, endpoint: { refresh: async () => { throw upstreamError() } }, refreshWindowSeconds: 300 })
  t.equal((await r.current(connectionId)).value, 'access-1')
  const r2 = createTokenRefresher({ store, endpoint: { refresh: async () => { throw new Error('bug') } }, refreshWindowSeconds: 300 })
  await t.rejects(r2.current(connectionId), { message: 'bug' })
})

t.test('attack (issue 10, defect 4): the lease is short, renewed while its holder refreshes, and no waiter outlives its deadline', async t => {
  const { store, connectionId } = await setup(t)
  let calls = 0
  const slow = {
    refresh: async (): Promise<NewTokens> => {
      calls++
      await new Promise(resolve => setTimeout(resolve, 1500))
      return fresh(2)
    }
  }
  // A holds a 500 ms lease for a 1.5 s refresh: renewed, so B never takes over (one refresh).
  const a = createTokenRefresher({ store, endpoint: slow, refreshWindowSeconds: 0, owner: 'a', leaseTtlMs: 500, pollIntervalMs: 10 })
  const b = createTokenRefresher({ store, endpoint: slow, refreshWindowSeconds: 0, owner: 'b', leaseTtlMs: 500, pollIntervalMs: 10 })
  const first = a.current(connectionId)
  await new Promise(resolve => setTimeout(resolve, 50))
  const second = b.current(connectionId)
  t.equal((await first).value, 'access-2')
  t.equal((await second).value, 'access-2', 'B used A\'s tokens')
  t.equal(calls, 1, 'one refresh: the renewed lease kept B out')

  // A crashed holder (its lease is never renewed nor released): a waiter with a deadline gives
  // up at it with UPSTREAM_TIMEOUT, and the refresh is taken over once the lease has expired.
  const crashed = await setup(t)
  t.ok(await crashed.store.acquireRefreshLease(crashed.connectionId, 'crashed', 400))
  const c = createTokenRefresher({ store: crashed.store, endpoint: { refresh: async () => fresh(3) }, refreshWindowSeconds: 0, owner: 'c', pollIntervalMs: 10 })
  const { Deadline } = await import('../../src/sentry/deadline.js')
  await t.rejects(c.current(crashed.connectionId, Deadline.after(50)), { code: 'UPSTREAM_TIMEOUT' }, 'the deadline comes before the lease expires')
  t.equal((await c.current(crashed.connectionId, Deadline.after(5000))).value, 'access-3', 'after the lease expired: taken over')
})
