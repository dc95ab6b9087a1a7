import type { Store } from './store.js'

/**
 * Defers `close()` until every refresh lease this process holds has been released, for at most
 * `maxWaitMs`. A refresh holds its lease from before the refresh POST until after the rotated
 * pair is stored (src/sentry/token-refresher.ts releases it in `finally`); Sentry rotates both
 * tokens and the old ones die at once (docs/sentry.md), so closing the database between the
 * POST and the save would lose the only working pair and kill the connection. Shutdown
 * therefore waits for refreshes in flight, not only for HTTP requests in flight.
 */
export function closeAfterRefreshes (store: Store, maxWaitMs: number): Store {
  const held = new Set<string>()
  let idle: (() => void) | undefined
  const key = (connectionId: string, owner: string): string => `${connectionId}\u0000${owner}`
  return {
    ...store,
    async acquireRefreshLease (connectionId, owner, ttlMs) {
      const got = await store.acquireRefreshLease(connectionId, owner, ttlMs)
      if (got) held.add(key(connectionId, owner))
      return got
    },
    async releaseRefreshLease (connectionId, owner) {
      try {
        await store.releaseRefreshLease(connectionId, owner)
      } finally {
        held.delete(key(connectionId, owner))
        if (held.size === 0) idle?.()
      }
    },
    async close () {
      if (held.size > 0) {
        await new Promise<void>(resolve => {
          const timer = setTimeout(resolve, maxWaitMs)
          idle = () => { clearTimeout(timer); resolve() }
        })
      }
      await store.close()
    }
  }
}
