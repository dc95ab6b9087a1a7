import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import pg from 'pg'
import { drizzle } from 'drizzle-orm/node-postgres'
import { drizzle as liteDrizzle } from 'drizzle-orm/better-sqlite3'
import * as sqliteSchema from './sqlite/schema.js'
import * as pgSchema from './pg/schema.js'
import { runPgMigrations } from './pg/store.js'

export interface CopyResult {
  users: number
  connections: number
  organizations: number
  tokens: number
}

export class CopyRefused extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'CopyRefused'
  }
}

const TABLES = ['users', 'sentry_connections', 'sentry_organizations', 'sentry_tokens'] as const
const at = (ms: number): Date => new Date(ms)
const atOrNull = (ms: number | null): Date | null => ms === null ? null : new Date(ms)

/** Rows per INSERT: well under PostgreSQL's 65535 bind parameters for the widest table (13 columns). */
const BATCH = 1000

function batches<T> (rows: T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < rows.length; i += BATCH) out.push(rows.slice(i, i + BATCH))
  return out
}

/**
 * Copies a SQLite installation into an empty PostgreSQL database: users, connections,
 * organizations and token rows. Tokens stay sealed as they are: the ciphertexts, key ids and
 * connection ids (their AAD) are kept, so the same TOKEN_ENCRYPTION_KEY opens them on PostgreSQL
 * and nobody has to reconnect. Refuses a target that holds any of these rows. All or nothing:
 * one transaction on the target. The source is opened read-only and must be migrated (a gateway
 * has run on it).
 */
export async function copySqliteToPg (fromPath: string, toUrl: string): Promise<CopyResult> {
  if (!existsSync(fromPath)) throw new CopyRefused(`--from ${fromPath}: no such SQLite file.`)
  const sqlite = new Database(fromPath, { readonly: true, fileMustExist: true })
  const pool = new pg.Pool({ connectionString: toUrl, max: 2, connectionTimeoutMillis: 10_000 })
  try {
    const present = new Set((sqlite.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>).map(r => r.name))
    const missing = TABLES.filter(name => !present.has(name))
    if (missing.length > 0) throw new CopyRefused(`--from ${fromPath}: not a gateway database (no table ${missing.join(', ')}).`)
    const lite = liteDrizzle(sqlite)
    const source = {
      users: lite.select().from(sqliteSchema.usersTable).all(),
      connections: lite.select().from(sqliteSchema.sentryConnectionsTable).all(),
      organizations: lite.select().from(sqliteSchema.sentryOrganizationsTable).all(),
      tokens: lite.select().from(sqliteSchema.sentryTokensTable).all()
    }

    await runPgMigrations(pool)
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      // Lock the tables so that a gateway started meanwhile cannot write between the check and the copy.
      await client.query(`LOCK TABLE ${TABLES.join(', ')} IN EXCLUSIVE MODE`)
      for (const table of TABLES) {
        const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from ${table}`)
        if ((rows[0]?.n ?? 0) > 0) {
          throw new CopyRefused(`--to: the PostgreSQL database is not empty (${table} has ${rows[0]?.n ?? 0} rows); copy into a new, empty database.`)
        }
      }
      const db = drizzle({ client })
      // Column names are the same in both dialects (test/db/pg/schema.test.ts); only instants
      // change type (epoch milliseconds → timestamptz).
      const users = source.users.map(u => ({ id: u.id, createdAt: at(u.createdAt) }))
      const connections = source.connections.map(c => ({
        ...c,
        statusChangedAt: at(c.statusChangedAt),
        expiresAt: atOrNull(c.expiresAt),
        createdAt: at(c.createdAt),
        updatedAt: at(c.updatedAt)
      }))
      const organizations = source.organizations
      // A lease belongs to a running process: none survives the move.
      const tokens = source.tokens.map(r => ({ ...r, leaseOwner: null, leaseExpiresAt: null, updatedAt: at(r.updatedAt) }))
      for (const b of batches(users)) await db.insert(pgSchema.usersTable).values(b)
      for (const b of batches(connections)) await db.insert(pgSchema.sentryConnectionsTable).values(b)
      for (const b of batches(organizations)) await db.insert(pgSchema.sentryOrganizationsTable).values(b)
      for (const b of batches(tokens)) await db.insert(pgSchema.sentryTokensTable).values(b)
      await client.query('COMMIT')
      return { users: users.length, connections: connections.length, organizations: organizations.length, tokens: tokens.length }
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
