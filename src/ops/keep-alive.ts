import { setTimeout as sleep } from 'node:timers/promises'
import type { AccessTokenRecord, Store } from '../db/store.js'
import { isGatewayError } from '../errors.js'
import type { KeepAliveOutcome } from '../telemetry/metrics.js'

/**
 * Keeps idle connections alive. Sentry's cleanup job deletes a token row 30 days after its access
 * token expired, and the access token lasts 30 days, so a refresh token dies about 60 days after
 * its last refresh (docs/sentry.md §2, "Lifetimes"): a connection nobody queries for that long
 * silently dies. This task refreshes ACTIVE connections whose tokens were issued more than
 * SENTRY_KEEPALIVE_DAYS ago, through the gateway's own refresher (same single flight, same
 * database lease), so it never races a request or another instance.
 */

export interface KeepAliveOptions {
  store: Pick<Store, 'staleConnections' | 'getTokens' | 'getConnection'>
  /** The gateway's refresher (app.sentry.refreshTokens): single flight + lease. */
  refresh: (connectionId: string, expectedVersion: number) => Promise<AccessTokenRecord>
  /** Tokens issued more than this many days ago are refreshed. */
  days: number
  /** Time between passes; the refreshes of one pass are spread over it. */
  intervalMs: number
  /** Most connections refreshed per pass (the rest wait for the next one). */
  batchSize?: number
  /** Longest pause between two refreshes of one pass. */
  maxSpacingMs?: number
  now?: () => number
  random?: () => number
  metrics?: { keepAliveRun: (stale: number) => void, keepAliveRefresh: (outcome: KeepAliveOutcome) => void }
  logger?: { info: (obj: object, msg: string) => void, warn: (obj: object, msg: string) => void }
}

export interface KeepAliveResult {
  stale: number
  refreshed: number
  skipped: number
  revoked: number
  failed: number
}

export interface KeepAlive {
  /** Starts the periodic passes (the first after a random fraction of one interval, at most a minute). */
  start (): void
  /** One pass now; resolves when it is done (or stopped). */
  runOnce (): Promise<KeepAliveResult>
  /** Stops: no new pass or refresh starts; resolves when the refresh in flight (if any) has ended. */
  stop (): Promise<void>
}

const DAY_MS = 86_400_000

export function createKeepAlive (options: KeepAliveOptions): KeepAlive {
  const { store, refresh, metrics, logger } = options
  const now = options.now ?? Date.now
  const random = options.random ?? Math.random
  const batchSize = options.batchSize ?? 200
  const maxSpacingMs = options.maxSpacingMs ?? 60_000
  const abort = new AbortController()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<KeepAliveResult> | undefined

  const isStale = (issuedAt: Date | null, cutoff: number): boolean => issuedAt === null || issuedAt.getTime() < cutoff

  async function refreshOne (connectionId: string, cutoff: number): Promise<KeepAliveOutcome> {
    // Re-read: a request or another instance may have refreshed since the list was taken.
    const [connection, row] = await Promise.all([store.getConnection(connectionId), store.getTokens(connectionId)])
    if (connection === null || row === null || connection.status !== 'ACTIVE' || !isStale(connection.tokensIssuedAt, cutoff)) return 'skipped'
    try {
      const after = await refresh(connectionId, row.version)
      return after.version === row.version ? 'skipped' : 'refreshed'
    } catch (err) {
      if (isGatewayError(err) && err.code === 'RECONNECT_REQUIRED') return 'revoked'
      logger?.warn({ connectionId, code: isGatewayError(err) ? err.code : 'INTERNAL' }, 'keep-alive refresh failed')
      return 'failed'
    }
  }

  async function pass (): Promise<KeepAliveResult> {
    const cutoff = now() - options.days * DAY_MS
    const stale = await store.staleConnections(new Date(cutoff), batchSize)
    metrics?.keepAliveRun(stale.length)
    const result: KeepAliveResult = { stale: stale.length, refreshed: 0, skipped: 0, revoked: 0, failed: 0 }
    // Spread the pass over the interval so a backlog does not hit Sentry's token endpoint at once.
    const spacing = Math.min(maxSpacingMs, options.intervalMs / (stale.length + 1))
    for (const [i, { id }] of stale.entries()) {
      if (abort.signal.aborted) break
      if (i > 0 && spacing > 0) {
        try {
          await sleep(spacing * (0.5 + random()), undefined, { signal: abort.signal })
        } catch {
          break
        }
      }
      const outcome = await refreshOne(id, cutoff)
      result[outcome]++
      metrics?.keepAliveRefresh(outcome)
    }
    if (stale.length > 0) logger?.info({ ...result }, 'keep-alive pass done')
    return result
  }

  function runOnce (): Promise<KeepAliveResult> {
    running ??= pass().finally(() => { running = undefined })
    return running
  }

  function schedule (delayMs: number): void {
    if (abort.signal.aborted) return
    timer = setTimeout(() => {
      runOnce().catch((err: unknown) => { logger?.warn({ err }, 'keep-alive pass failed') })
        .finally(() => { schedule(options.intervalMs) })
    }, delayMs)
    timer.unref()
  }

  return {
    start () {
      if (timer === undefined) schedule(Math.floor(random() * Math.min(options.intervalMs, 60_000)))
    },
    runOnce,
    async stop () {
      abort.abort()
      if (timer !== undefined) clearTimeout(timer)
      await running?.catch(() => {})
    }
  }
}
