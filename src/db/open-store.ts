import type { Config } from '../config.js'
import type { Store } from './store.js'
import { createSqliteStore } from './sqlite/store.js'
import { createTokenCipher } from './token-cipher.js'
import { guardUnavailable } from './unavailable.js'

export interface OpenStoreOptions {
  /** Clock for created/updated stamps (tests). */
  now?: () => number
  /** Where errors of idle PostgreSQL connections are reported. */
  onPoolError?: (err: Error) => void
  /** Shown in PostgreSQL's pg_stat_activity. */
  applicationName?: string
}

/**
 * The store DATABASE_URL selects: PostgreSQL for a postgres:// or postgresql:// URL, else the
 * SQLite file. The PostgreSQL driver is imported only then, so a SQLite installation never
 * loads it. Either store is migrated before it is returned; its errors for an unreachable
 * database are DATABASE_UNAVAILABLE.
 */
export async function openStore (config: Pick<Config, 'postgres' | 'databasePath' | 'tokenKeys'>, options: OpenStoreOptions = {}): Promise<Store> {
  const cipher = createTokenCipher(config.tokenKeys)
  const finish = guardUnavailable
  if (config.postgres === undefined) {
    return finish(createSqliteStore({ path: config.databasePath, cipher, now: options.now }))
  }
  const { createPgStore } = await import('./pg/store.js')
  const pg = config.postgres
  return finish(await createPgStore({
    url: pg.url,
    cipher,
    now: options.now,
    applicationName: options.applicationName,
    onPoolError: options.onPoolError,
    pool: {
      max: pg.poolMax,
      connectionTimeoutMs: pg.connectionTimeoutMs,
      idleTimeoutMs: pg.idleTimeoutMs,
      statementTimeoutMs: pg.statementTimeoutMs
    }
  }))
}
