import { sqliteTable, text, integer, primaryKey, uniqueIndex, index } from 'drizzle-orm/sqlite-core'

/** Platform users. Identity is our own; a platform login can replace how the id is obtained. */
export const usersTable = sqliteTable('users', {
  id: text('id').primaryKey(),
  createdAt: integer('created_at', { mode: 'number' }).notNull()
})

/**
 * One connection = one Sentry OAuth grant of one platform user. Reconnecting the same Sentry
 * user (and, for org-level apps, the same organization) updates the row instead of adding one.
 */
export const sentryConnectionsTable = sqliteTable('sentry_connections', {
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
  statusChangedAt: integer('status_changed_at', { mode: 'number' }).notNull(),
  /** Access-token expiry, epoch ms; null when Sentry says it never expires. */
  expiresAt: integer('expires_at', { mode: 'number' }),
  /** Sentry's organization_id for org-scoped tokens, '' for user-level tokens (so the unique index holds). */
  scopingOrgId: text('scoping_org_id').notNull(),
  createdAt: integer('created_at', { mode: 'number' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'number' }).notNull()
}, t => [
  uniqueIndex('sentry_connections_identity').on(t.userId, t.sentryUserId, t.scopingOrgId)
])

/** The organizations a connection reaches, from GET /api/0/organizations/ at connect time. */
export const sentryOrganizationsTable = sqliteTable('sentry_organizations', {
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
 * compare-and-swap; the lease columns let one process at a time refresh.
 */
export const sentryTokensTable = sqliteTable('sentry_tokens', {
  connectionId: text('connection_id').primaryKey().references(() => sentryConnectionsTable.id, { onDelete: 'cascade' }),
  keyId: text('key_id').notNull(),
  accessTokenCiphertext: text('access_token_ciphertext').notNull(),
  refreshTokenCiphertext: text('refresh_token_ciphertext'),
  version: integer('version').notNull(),
  leaseOwner: text('lease_owner'),
  leaseExpiresAt: integer('lease_expires_at', { mode: 'number' }),
  updatedAt: integer('updated_at', { mode: 'number' }).notNull()
})
