import type { Store } from './store.js'

/**
 * Knows which refresh leases this process holds, so that shutdown can wait for refreshes in
 * flight. A refresh holds its lease from before the refresh POST until after the rotated pair is
 * stored (src/sentry/token-refresher.ts releases it in `finally`). Sentry rotates both tokens and
 * the old ones die at once (docs/sentry.md), so closing the upstream HTTP agent or the database
 * between the POST and the save would lose the only working pair and kill the connection; this
 * holds even when no HTTP request waits for that refresh any more (its client hung up).
 */
export interface RefreshTracker {
  /** The store to use: the same store, with its leases counted and `close()` waiting for them. */
  store: Store
  /** Resolves once no lease is held, or after `maxWaitMs`. */
  whenIdle (maxWaitMs: number): Promise<void>
}

export function trackRefreshes (inner: Store, closeWaitMs = 30_000): RefreshTracker {
  const held = new Set<string>()
  const waiters = new Set<() => void>()
  const key = (connectionId: string, owner: string): string => `${connectionId}\u0000${owner}`

  const whenIdle = async (maxWaitMs: number): Promise<void> => {
    if (held.size === 0) return
    await new Promise<void>(resolve => {
      const done = (): void => { clearTimeout(timer); waiters.delete(done); resolve() }
      const timer = setTimeout(done, maxWaitMs)
      waiters.add(done)
    })
  }

  const store: Store = {
    ...inner,
    async acquireRefreshLease (connectionId, owner, ttlMs) {
      const got = await inner.acquireRefreshLease(connectionId, owner, ttlMs)
      if (got) held.add(key(connectionId, owner))
      return got
    },
    async releaseRefreshLease (connectionId, owner) {
      try {
        await inner.releaseRefreshLease(connectionId, owner)
      } finally {
        held.delete(key(connectionId, owner))
        if (held.size === 0) for (const done of [...waiters]) done()
      }
    },
    async close () {
      await whenIdle(closeWaitMs)
      await inner.close()
    }
  }
  return { store, whenIdle }
}
