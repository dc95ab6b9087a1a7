import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import pg from 'pg'
import { getTableColumns, getTableName } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import type { SQLiteTable } from 'drizzle-orm/sqlite-core'
import { drizzle } from 'drizzle-orm/node-postgres'
import { drizzle as liteDrizzle } from 'drizzle-orm/better-sqlite3'
import * as sqliteSchema from './sqlite/schema.js'
import * as pgSchema from './pg/schema.js'
import { runPgMigrations } from './pg/store.js'

/** Rows copied, by table name. */
export type CopyResult = Record<string, number>

export class CopyRefused extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'CopyRefused'
  }
}

/**
 * Every table, parents before children (foreign keys). The two schemas are twins with the same
 * table, column and key names (test/db/pg/schema.test.ts); only instants change type, from epoch
 * milliseconds (SQLite) to timestamptz (PostgreSQL).
 */
const TABLES: Array<[SQLiteTable, PgTable]> = [
  [sqliteSchema.usersTable, pgSchema.usersTable],
  [sqliteSchema.connectSessionsTable, pgSchema.connectSessionsTable],
  [sqliteSchema.connectFlowsTable, pgSchema.connectFlowsTable],
  [sqliteSchema.sentryConnectionsTable, pgSchema.sentryConnectionsTable],
  [sqliteSchema.sentryOrganizationsTable, pgSchema.sentryOrganizationsTable],
  [sqliteSchema.sentryTokensTable, pgSchema.sentryTokensTable]
]

/** Rows per INSERT: well under PostgreSQL's 65535 bind parameters for the widest table. */
const BATCH = 1000

/** A SQLite row as its PostgreSQL twin: epoch milliseconds become Dates in timestamp columns. */
function convert (row: Record<string, unknown>, table: PgTable): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row }
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    if (column.columnType === 'PgTimestamp' && typeof out[key] === 'number') out[key] = new Date(out[key])
  }
  // A refresh lease belongs to a running process: none survives the move.
  if (table === pgSchema.sentryTokensTable) Object.assign(out, { leaseOwner: null, leaseExpiresAt: null })
  return out
}

/**
 * Copies a SQLite installation into an empty PostgreSQL database: every table (users,
 * connections, organizations, token rows, and connect flows in progress). Tokens stay sealed
 * as they are: ciphertexts, key ids and connection ids (their AAD) are kept, so the same
 * TOKEN_ENCRYPTION_KEY opens them on PostgreSQL and nobody has to reconnect. Refuses a target
 * that holds any row. All or nothing: one transaction on the target, its tables locked. The
 * source is opened read-only and must be migrated to the same version (run the gateway on it once).
 */
export async function copySqliteToPg (fromPath: string, toUrl: string): Promise<CopyResult> {
  if (!existsSync(fromPath)) throw new CopyRefused(`--from ${fromPath}: no such SQLite file.`)
  const sqlite = new Database(fromPath, { readonly: true, fileMustExist: true })
  const pool = new pg.Pool({ connectionString: toUrl, max: 2, connectionTimeoutMillis: 10_000 })
  try {
    const present = new Set((sqlite.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>).map(r => r.name))
    const missing = TABLES.map(([t]) => getTableName(t)).filter(name => !present.has(name))
    if (missing.length > 0) {
      throw new CopyRefused(`--from ${fromPath}: not a gateway database of this version (no table ${missing.join(', ')}); start the gateway on it once to migrate it.`)
    }
    const lite = liteDrizzle(sqlite)
    let source: Array<Array<Record<string, unknown>>>
    try {
      source = TABLES.map(([t]) => lite.select().from(t).all() as Array<Record<string, unknown>>)
    } catch (err) {
      throw new CopyRefused(`--from ${fromPath}: its tables do not match this version (${(err as Error).message}); start the gateway on it once to migrate it.`)
    }

    await runPgMigrations(pool)
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      const names = TABLES.map(([, t]) => getTableName(t))
      // Locked so that a gateway started meanwhile cannot write between the check and the copy.
      await client.query(`LOCK TABLE ${names.join(', ')} IN EXCLUSIVE MODE`)
      for (const name of names) {
        const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from ${name}`)
        const n = rows[0]?.n ?? 0
        if (n > 0) throw new CopyRefused(`--to: the PostgreSQL database is not empty (${name} has ${n} rows); copy into a new, empty database.`)
      }
      const db = drizzle({ client })
      const result: CopyResult = {}
      for (const [i, [, table]] of TABLES.entries()) {
        const rows = (source[i] ?? []).map(r => convert(r, table))
        for (let at = 0; at < rows.length; at += BATCH) await db.insert(table).values(rows.slice(at, at + BATCH))
        result[getTableName(table)] = rows.length
      }
      await client.query('COMMIT')
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      client.release()
    }
  } finally {
    sqlite.close()
    await pool.end()
  }
}
