import t from 'tap'
import { getTableConfig as pgConfig } from 'drizzle-orm/pg-core'
import { getTableConfig as sqliteConfig } from 'drizzle-orm/sqlite-core'
import * as pgSchema from '../../../src/db/pg/schema.js'
import * as sqliteSchema from '../../../src/db/sqlite/schema.js'

/** The dialect-neutral shape of a table: what both stores must agree on. */
function shape (c: ReturnType<typeof pgConfig> | ReturnType<typeof sqliteConfig>): unknown {
  return {
    name: c.name,
    columns: c.columns.map(col => ({ name: col.name, notNull: col.notNull, primary: col.primary })).sort((a, b) => a.name.localeCompare(b.name)),
    primaryKeys: c.primaryKeys.map(pk => pk.columns.map(col => col.name)),
    indexes: c.indexes.map(i => ({ name: i.config.name, unique: i.config.unique, columns: i.config.columns.map(col => (col as { name: string }).name) })),
    foreignKeys: c.foreignKeys.map(fk => {
      const ref = fk.reference()
      return { columns: ref.columns.map(col => col.name), onDelete: fk.onDelete, to: ref.foreignColumns.map(col => col.name) }
    })
  }
}

t.test('the PostgreSQL schema is the twin of the SQLite schema: same tables, columns, keys, indexes', async t => {
  const names = ['usersTable', 'sentryConnectionsTable', 'sentryOrganizationsTable', 'sentryTokensTable'] as const
  t.same(Object.keys(pgSchema).sort(), Object.keys(sqliteSchema).sort(), 'the same exported tables')
  for (const name of names) {
    t.same(shape(pgConfig(pgSchema[name])), shape(sqliteConfig(sqliteSchema[name])), name)
  }
})
