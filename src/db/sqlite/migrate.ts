import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { fromPackageRoot } from '../../paths.js'

export const MIGRATIONS_FOLDER = fromPackageRoot('drizzle', 'sqlite')

/** Applies the committed drizzle-kit migrations; idempotent. */
export function runMigrations (db: BetterSQLite3Database, migrationsFolder = MIGRATIONS_FOLDER): void {
  migrate(db, { migrationsFolder })
}
