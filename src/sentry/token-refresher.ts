import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { AccessTokenRecord, Store, TokenRecord } from '../db/store.js'
import { GatewayError, isGatewayError, reconnectRequired, upstreamTimeout } from '../errors.js'
import type { RequestTelemetry } from '../telemetry/request-context.js'
import { type RefreshOutcome, type Signals, noopSignals } from '../telemetry/signals.js'
import type { AccessToken, TokenSource } from './auth.js'
import type { Deadline } from './deadline.js'
import { InvalidGrantError, type TokenEndpoint } from './token-endpoint.js'
import type { Logger } from './transport.js'

/**
 * Where a token gets refreshed: the token lifecycle of stored connections (docs/sentry.md §2–3).
 * The one TokenSource of stored connections (`tokenSource`) and the refresh under a lease; the
 * refresh POST itself is src/sentry/token-endpoint.ts.
 *
 * Sentry rotates BOTH tokens on every refresh, in place and without locking: two refreshes of one
 * connection leave one caller with dead tokens, and the loser's next refresh gets invalid_grant.
 * So a connection is refreshed by at most one caller at a time:
 *  - in-process, concurrent callers share one promise per connection (single flight);
 *  - across processes sharing the database, the refresher takes the row's lease first; a process
 *    that cannot get it polls until the token row's version moves (someone refreshed: use those
 *    tokens) or the lease expires (its holder died: take over). The lease is short and renewed
 *    while the holder's POST runs, so a crashed holder blocks nobody for long; each caller gives
 *    up at its own deadline with UPSTREAM_TIMEOUT, while the refresh itself runs to its end
 *    (its rotated tokens must be stored, whoever still waits).
 * The rotated pair is saved (compare-and-swap on the version) before anyone uses it. Only an
 * invalid_grant on a row nobody has touched meanwhile marks the connection REVOKED.
 */

export interface TokenRefresherOptions {
  store: Store
  /** Sentry's token endpoint (only `refresh` is used). */
  endpoint: Pick<TokenEndpoint, 'refresh'>
  /** Refresh when the access token expires within this many seconds. */
  refreshWindowSeconds: number
  now?: () => number
  /** The lease owner id: unique per app instance. */
  owner?: string
  /** How long a lease lasts unless renewed; renewed every third of it while the refresh runs. */
  leaseTtlMs?: number
  /** How often a process waiting on another one's lease re-reads the token row. */
  pollIntervalMs?: number
  /** The longest wait for another holder's lease before UPSTREAM_TIMEOUT (default lease TTL + 5 s). */
  maxLeaseWaitMs?: number
  logger?: Logger
  /** Where refreshes and lease waits are reported (metrics, tracing). */
  signals?: Signals
}

export interface TokenRefresher {
  readonly owner: string
  /** A token to use now; refreshed first when it expires within the refresh window. */
  current (connectionId: string, deadline?: Deadline): Promise<AccessToken>
  /** After a 401 "Token expired"/"Invalid token" on `used`: refresh unless someone already did. */
  afterUnauthorized (connectionId: string, used: AccessToken, deadline?: Deadline): Promise<void>
  /** Single-flight refresh of the row at `staleVersion` (a no-op if the row has moved on). */
  refresh (connectionId: string, staleVersion: number): Promise<AccessTokenRecord>
  /**
   * The connection's TokenSource. With `memo`, the token row is read and decrypted once per
   * source (one unit of work, e.g. a GraphQL request), not once per call; a 401 drops the memo
   * so the retry sees the refreshed row, and a failed read is not remembered. `primed` (with
   * `memo`) is the row the unit of work has already read: it stands for the first read only,
   * and goes through the same refresh-window check.
   */
  tokenSource (connectionId: string, options?: { memo?: boolean, primed?: () => AccessTokenRecord | null }): TokenSource
}

/** Why a connection is marked REVOKED after Sentry refused its refresh token. */
export const REVOKED_INVALID_GRANT = 'Sentry refused the refresh token (access revoked or expired)'
export const REVOKED_NO_REFRESH_TOKEN = 'the access token expired and there is no refresh token'

/** Short, because a crashed holder's lease blocks its connection until it expires; renewed while held. */
export const DEFAULT_LEASE_TTL_MS = 10_000

export function createTokenRefresher (options: TokenRefresherOptions): TokenRefresher {
  const { store, endpoint, logger } = options
  const signals = options.signals ?? noopSignals
  const now = options.now ?? Date.now
  const owner = options.owner ?? randomUUID()
  const leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS
  const pollIntervalMs = options.pollIntervalMs ?? 25
  const maxLeaseWaitMs = options.maxLeaseWaitMs ?? leaseTtlMs + 5000
  const windowMs = options.refreshWindowSeconds * 1000
  const inflight = new Map<string, { version: number, promise: Promise<AccessTokenRecord> }>()

  const expiresWithinWindow = (row: AccessTokenRecord): boolean =>
    row.expiresAt !== null && row.expiresAt.getTime() - now() <= windowMs
  const isExpired = (row: AccessTokenRecord): boolean =>
    row.expiresAt !== null && row.expiresAt.getTime() <= now()

  /** No token row: the connection was revoked (tokens are deleted with it) or removed. */
  async function missingTokens (connectionId: string): Promise<GatewayError> {
    const connection = await store.getConnection(connectionId)
    if (connection?.status === 'REVOKED') {
      return reconnectRequired(connectionId, connection.statusReason ?? 'access revoked')
    }
    return new GatewayError('NOT_CONNECTED', 'This Sentry connection no longer exists. Connect to Sentry first.')
  }

  /** The access token row (the refresh token stays sealed). */
  async function readRow (connectionId: string): Promise<AccessTokenRecord> {
    const row = await store.getAccessToken(connectionId)
    if (row === null) throw await missingTokens(connectionId)
    return row
  }

  /** Both tokens: only under the lease, right before the refresh POST. */
  async function readBoth (connectionId: string): Promise<TokenRecord> {
    const row = await store.getTokens(connectionId)
    if (row === null) throw await missingTokens(connectionId)
    return row
  }

  /** The refresh POST itself, under the lease, for the row at `row.version`. */
  async function rotate (connectionId: string, row: TokenRecord, forRequest: RequestTelemetry | undefined): Promise<AccessTokenRecord> {
    if (row.refreshToken === null) {
      if (!isExpired(row)) return row
      if (await store.markRevoked(connectionId, REVOKED_NO_REFRESH_TOKEN, row.version)) {
        throw reconnectRequired(connectionId, REVOKED_NO_REFRESH_TOKEN)
      }
      return await readRow(connectionId)
    }
    const span = signals.refresh()
    let outcome: RefreshOutcome = 'upstream_error'
    try {
      let tokens
      try {
        tokens = await endpoint.refresh(row.refreshToken, { forRequest })
      } catch (err) {
        if (!(err instanceof InvalidGrantError)) throw err
        // Another process may have rotated the pair (its lease expired, or an older gateway
        // without leases): then the row has moved on and its tokens are good.
        const current = await store.getAccessToken(connectionId)
        if (current !== null && current.version !== row.version) {
          outcome = 'lost_race'
          return current
        }
        if (await store.markRevoked(connectionId, REVOKED_INVALID_GRANT, row.version)) {
          outcome = 'revoked'
          logger?.warn({ connectionId }, 'sentry connection revoked: refresh token refused')
          throw reconnectRequired(connectionId, REVOKED_INVALID_GRANT)
        }
        outcome = 'lost_race'
        return await readRow(connectionId)
      }
      // Sentry always rotates; keep the old refresh token if a server does not (RFC 6749 §6).
      const saved = await store.replaceTokens(connectionId, row.version, {
        ...tokens, refreshToken: tokens.refreshToken ?? row.refreshToken
      })
      outcome = saved === null ? 'lost_race' : 'ok'
      if (saved !== null) return saved
      // The row changed under our lease (a reconnect stored a new grant): the stored tokens win.
      return await readRow(connectionId)
    } finally {
      span.end(outcome)
    }
  }

  /** Keeps our lease alive while `work` runs (a short lease that a crashed holder cannot keep). */
  async function renewingLease<T> (connectionId: string, work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      store.acquireRefreshLease(connectionId, owner, leaseTtlMs).catch(() => {})
    }, Math.max(10, Math.floor(leaseTtlMs / 3)))
    timer.unref()
    try {
      return await work()
    } finally {
      clearInterval(timer)
    }
  }

  /** `forRequest`: the request that started the refresh (its POST is counted on it). */
  async function refreshUnderLease (connectionId: string, staleVersion: number, forRequest: RequestTelemetry | undefined): Promise<AccessTokenRecord> {
    // Real time, not the injectable clock: this bounds an actual wait.
    const giveUpAt = Date.now() + maxLeaseWaitMs
    let waitingSince: number | null = null
    const waited = (): void => {
      if (waitingSince !== null) signals.leaseWait(Date.now() - waitingSince)
      waitingSince = null
    }
    for (;;) {
      const row = await readRow(connectionId).catch((err: unknown) => { waited(); throw err })
      if (row.version !== staleVersion) {
        waited()
        return row
      }
      if (await store.acquireRefreshLease(connectionId, owner, leaseTtlMs)) {
        waited()
        try {
          // Another process may have refreshed and released between our read and our lease.
          const fresh = await readBoth(connectionId)
          if (fresh.version !== staleVersion) return fresh
          return await renewingLease(connectionId, async () => await rotate(connectionId, fresh, forRequest))
        } finally {
          await store.releaseRefreshLease(connectionId, owner).catch(() => {})
        }
      }
      waitingSince ??= Date.now()
      if (Date.now() > giveUpAt) {
        waited()
        throw upstreamTimeout()
      }
      await sleep(pollIntervalMs + Math.floor(Math.random() * pollIntervalMs))
    }
  }

  function refresh (connectionId: string, staleVersion: number, forRequest?: RequestTelemetry): Promise<AccessTokenRecord> {
    const running = inflight.get(connectionId)
    if (running !== undefined) {
      if (running.version >= staleVersion) return running.promise
      // A refresh of an older row is finishing: let it land, then look again.
      return running.promise.catch(() => null).then(async () => await refresh(connectionId, staleVersion, forRequest))
    }
    const promise = refreshUnderLease(connectionId, staleVersion, forRequest).finally(() => {
      if (inflight.get(connectionId)?.promise === promise) inflight.delete(connectionId)
    })
    inflight.set(connectionId, { version: staleVersion, promise })
    return promise
  }

  async function current (connectionId: string, deadline?: Deadline, primed?: () => AccessTokenRecord | null): Promise<AccessToken> {
    let row = primed?.() ?? await readRow(connectionId)
    if (expiresWithinWindow(row)) {
      try {
        const refreshing = refresh(connectionId, row.version, deadline?.telemetry)
        row = deadline === undefined ? await refreshing : await deadline.race(refreshing)
      } catch (err) {
        // Refreshing early failed for a passing reason: the current token still works until it expires.
        const passing = isGatewayError(err) && (err.code === 'UPSTREAM_ERROR' || err.code === 'UPSTREAM_TIMEOUT' || err.code === 'RATE_LIMITED')
        if (!passing || isExpired(row)) throw err
        logger?.warn({ connectionId, code: (err as GatewayError).code }, 'sentry token refresh ahead of expiry failed; using the current token')
      }
    }
    return { value: row.accessToken, version: row.version }
  }

  async function afterUnauthorized (connectionId: string, used: AccessToken, deadline?: Deadline): Promise<void> {
    const refreshing = refresh(connectionId, used.version, deadline?.telemetry)
    await (deadline === undefined ? refreshing : deadline.race(refreshing))
  }

  return {
    owner,
    current: async (connectionId, deadline) => await current(connectionId, deadline),
    refresh,
    afterUnauthorized,
    tokenSource (connectionId, options = {}) {
      if (options.memo !== true) {
        return {
          current: async (deadline) => await current(connectionId, deadline),
          afterUnauthorized: async (used, deadline) => { await afterUnauthorized(connectionId, used, deadline) }
        }
      }
      let memo: Promise<AccessToken> | null = null
      let primed = options.primed
      return {
        current: async (deadline) => {
          if (memo === null) {
            const row = primed
            primed = undefined
            memo = current(connectionId, deadline, row).catch((err: unknown) => { memo = null; throw err })
          }
          return await memo
        },
        afterUnauthorized: async (used, deadline) => {
          memo = null
          await afterUnauthorized(connectionId, used, deadline)
        }
      }
    }
  }
}
