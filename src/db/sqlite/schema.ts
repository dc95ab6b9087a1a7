import { sqliteTable, text, integer, primaryKey, uniqueIndex, index } from 'drizzle-orm/sqlite-core'

/**
 * Platform users. A cookie-session user has no issuer/subject (the gateway invented it); a JWT
 * user is the pair (issuer, value of the user claim), so two issuers never share a user.
 * `session_generation` is written into every session cookie; bumping it (on connect, or to
 * revoke) makes every earlier cookie of the user invalid before its 30 days.
 */
export const usersTable = sqliteTable('users', {
  id: text('id').primaryKey(),
  issuer: text('issuer'),
  subject: text('subject'),
  sessionGeneration: integer('session_generation').notNull().default(0),
  createdAt: integer('created_at', { mode: 'number' }).notNull()
}, t => [
  uniqueIndex('users_identity').on(t.issuer, t.subject)
])

/**
 * One-time connect URLs (POST /connect/sessions) for apps that hold a JWT: bound to a platform
 * user, valid 10 minutes, single-use. Only the SHA-256 of the token is stored.
 */
export const connectSessionsTable = sqliteTable('connect_sessions', {
  tokenHash: text('token_hash').primaryKey(),
  userId: text('user_id').notNull().references(() => usersTable.id, { onDelete: 'cascade' }),
  returnTo: text('return_to').notNull(),
  /** redirect or popup. */
  mode: text('mode').notNull(),
  messageOrigin: text('message_origin').notNull(),
  expiresAt: integer('expires_at', { mode: 'number' }).notNull(),
  usedAt: integer('used_at', { mode: 'number' }),
  createdAt: integer('created_at', { mode: 'number' }).notNull()
}, t => [
  index('connect_sessions_expires').on(t.expiresAt)
])

/**
 * OAuth flows in progress, keyed by the SHA-256 of their `state`: the server-side half of the
 * state check, deleted when the callback takes it (so a replayed callback finds nothing).
 * `user_id` is null for a browser that has no platform user yet (created on success).
 */
export const connectFlowsTable = sqliteTable('connect_flows', {
  stateHash: text('state_hash').primaryKey(),
  userId: text('user_id').references(() => usersTable.id, { onDelete: 'cascade' }),
  /** cookie or connect-session. */
  via: text('via').notNull(),
  returnTo: text('return_to').notNull(),
  mode: text('mode').notNull(),
  messageOrigin: text('message_origin').notNull(),
  expiresAt: integer('expires_at', { mode: 'number' }).notNull(),
  createdAt: integer('created_at', { mode: 'number' }).notNull()
}, t => [
  index('connect_flows_expires').on(t.expiresAt)
])

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
  updatedAt: integer('updated_at', { mode: 'number' }).notNull(),
  /** When Sentry last issued the token pair (connect or refresh), epoch ms; the keep-alive reads it. */
  tokensIssuedAt: integer('tokens_issued_at', { mode: 'number' })
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
