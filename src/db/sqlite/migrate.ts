import { fileURLToPath } from 'node:url'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../drizzle/sqlite', import.meta.url))

/** Applies the committed drizzle-kit migrations; idempotent. */
export function runMigrations (db: BetterSQLite3Database, migrationsFolder = MIGRATIONS_FOLDER): void {
  migrate(db, { migrationsFolder })
}
