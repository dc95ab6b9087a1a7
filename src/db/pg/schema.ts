import { pgTable, text, integer, timestamp, primaryKey, uniqueIndex, index } from 'drizzle-orm/pg-core'

/**
 * The PostgreSQL twin of src/db/sqlite/schema.ts: the same tables, column names, keys and
 * indexes (test/db/schema-parity.test.ts compares them). Drizzle has no dialect-neutral schema
 * builder (drizzle-team/drizzle-orm issue #1196), so each dialect declares its own.
 * Instants are `timestamptz` with millisecond precision, so the refresh lease can compare
 * against the database's own clock (`now()`), never an instance's.
 */
const instant = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' })

/** Platform users. Identity is our own; a platform login can replace how the id is obtained. */
export const usersTable = pgTable('users', {
  id: text('id').primaryKey(),
  createdAt: instant('created_at').notNull()
})

/**
 * One connection = one Sentry OAuth grant of one platform user. Reconnecting the same Sentry
 * user (and, for org-level apps, the same organization) updates the row instead of adding one.
 */
export const sentryConnectionsTable = pgTable('sentry_connections', {
  id: text('id').primaryKey(),
  userId: text('user_id').notNull().references(() => usersTable.id, { onDelete: 'cascade' }),
  sentryUserId: text('sentry_user_id').notNull(),
  sentryUserName: text('sentry_user_name'),
  sentryUserEmail: text('sentry_user_email'),
  /** Space-separated scopes Sentry granted. */
  scopes: text('scopes').notNull(),
  /** ACTIVE or REVOKED. */
  status: text('status').notNull(),
  statusReason: text('status_reason'),
  statusChangedAt: instant('status_changed_at').notNull(),
  /** Access-token expiry; null when Sentry says it never expires. */
  expiresAt: instant('expires_at'),
  /** Sentry's organization_id for org-scoped tokens, '' for user-level tokens (so the unique index holds). */
  scopingOrgId: text('scoping_org_id').notNull(),
  createdAt: instant('created_at').notNull(),
  updatedAt: instant('updated_at').notNull()
}, t => [
  uniqueIndex('sentry_connections_identity').on(t.userId, t.sentryUserId, t.scopingOrgId)
])

/** The organizations a connection reaches, from GET /api/0/organizations/ at connect time. */
export const sentryOrganizationsTable = pgTable('sentry_organizations', {
  connectionId: text('connection_id').notNull().references(() => sentryConnectionsTable.id, { onDelete: 'cascade' }),
  orgId: text('org_id').notNull(),
  slug: text('slug').notNull(),
  name: text('name').notNull(),
  regionUrl: text('region_url').notNull()
}, t => [
  primaryKey({ columns: [t.connectionId, t.orgId] }),
  index('sentry_organizations_slug').on(t.slug)
])

/**
 * Token material, always encrypted (AES-256-GCM, AAD bound to the row). `version` lets writers
 * compare-and-swap; the lease columns let one instance at a time refresh.
 */
export const sentryTokensTable = pgTable('sentry_tokens', {
  connectionId: text('connection_id').primaryKey().references(() => sentryConnectionsTable.id, { onDelete: 'cascade' }),
  keyId: text('key_id').notNull(),
  accessTokenCiphertext: text('access_token_ciphertext').notNull(),
  refreshTokenCiphertext: text('refresh_token_ciphertext'),
  version: integer('version').notNull(),
  leaseOwner: text('lease_owner'),
  /** Set from the database's clock: now() + the lease TTL. */
  leaseExpiresAt: instant('lease_expires_at'),
  updatedAt: instant('updated_at').notNull()
})
