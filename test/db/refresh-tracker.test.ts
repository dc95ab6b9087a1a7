import t from 'tap'
import { trackRefreshes } from '../../src/db/refresh-tracker.js'
import type { Store } from '../../src/db/store.js'

function fakeStore (log: string[]): Store {
  return {
    acquireRefreshLease: async (id: string, owner: string) => { log.push(`acquire ${id} ${owner}`); return owner !== 'loser' },
    releaseRefreshLease: async (id: string, owner: string) => { log.push(`release ${id} ${owner}`) },
    replaceTokens: async () => { log.push('replaceTokens'); return null },
    close: async () => { log.push('close') }
  } as unknown as Store
}

t.test('close waits until every held refresh lease is released (the rotated tokens are stored first)', async t => {
  const log: string[] = []
  const { store } = trackRefreshes(fakeStore(log), 60_000)
  t.ok(await store.acquireRefreshLease('c1', 'me', 1000))
  t.ok(await store.acquireRefreshLease('c1', 'me', 1000), 'a renewal holds the same lease')
  t.ok(await store.acquireRefreshLease('c2', 'me', 1000))
  t.notOk(await store.acquireRefreshLease('c3', 'loser', 1000), 'a lease not obtained is not waited for')
  let closed = false
  const closing = store.close().then(() => { closed = true })
  await new Promise(resolve => setImmediate(resolve))
  t.notOk(closed, 'close waits while refreshes hold leases')
  await store.replaceTokens('c1', 1, { accessToken: 'a', refreshToken: 'r', expiresAt: null })
  await store.releaseRefreshLease('c1', 'me')
  await new Promise(resolve => setImmediate(resolve))
  t.notOk(closed, 'one lease is still held')
  await store.releaseRefreshLease('c2', 'me')
  await closing
  t.ok(closed)
  t.same(log.slice(-4), ['replaceTokens', 'release c1 me', 'release c2 me', 'close'], 'the tokens were stored before the database closed')
})

t.test('close does not wait when no lease is held, and waits at most maxWaitMs', async t => {
  const log: string[] = []
  const { store: idle } = trackRefreshes(fakeStore(log), 60_000)
  await idle.close()
  t.same(log, ['close'])
  const { store: stuck } = trackRefreshes(fakeStore(log), 50)
  await stuck.acquireRefreshLease('c1', 'me', 1000)
  await stuck.close()
  t.equal(log.at(-1), 'close', 'a refresh that never ends does not block shutdown forever')
})

t.test('whenIdle resolves when the last lease is released, or after its bound', async t => {
  const log: string[] = []
  const tracker = trackRefreshes(fakeStore(log))
  await tracker.whenIdle(60_000)
  await tracker.store.acquireRefreshLease('c1', 'me', 1000)
  let idle = false
  const waiting = tracker.whenIdle(60_000).then(() => { idle = true })
  await new Promise(resolve => setImmediate(resolve))
  t.notOk(idle)
  await tracker.store.releaseRefreshLease('c1', 'me')
  await waiting
  t.ok(idle)
  await tracker.store.acquireRefreshLease('c2', 'me', 1000)
  await tracker.whenIdle(20)
  t.pass('bounded')
})
