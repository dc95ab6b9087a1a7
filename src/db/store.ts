/**
 * The storage interface. Async and dialect-neutral: callers never see Drizzle or SQLite, so a
 * PostgreSQL implementation can be added without touching them. Token values cross this
 * boundary in plaintext only in memory; implementations must store them sealed.
 */

export type ConnectionStatus = 'ACTIVE' | 'REVOKED'

export interface UserRecord {
  id: string
  createdAt: Date
}

export interface SentryUserInfo {
  id: string
  name: string | null
  email: string | null
}

export interface OrganizationRecord {
  orgId: string
  slug: string
  name: string
  /** `links.regionUrl` of the organization: where its org-scoped API calls go. */
  regionUrl: string
}

export interface ConnectionRecord {
  id: string
  userId: string
  sentryUser: SentryUserInfo
  scopes: string[]
  status: ConnectionStatus
  statusReason: string | null
  statusChangedAt: Date
  expiresAt: Date | null
  /** Sentry's organization id for an org-scoped token, null for a user-level token. */
  scopingOrgId: string | null
  createdAt: Date
  updatedAt: Date
  organizations: OrganizationRecord[]
}

export interface TokenRecord {
  connectionId: string
  accessToken: string
  refreshToken: string | null
  expiresAt: Date | null
  /** Incremented on every write; writers compare-and-swap on it. */
  version: number
}

export interface SaveConnectionInput {
  userId: string
  sentryUser: SentryUserInfo
  scopes: string[]
  scopingOrgId: string | null
  expiresAt: Date | null
  accessToken: string
  refreshToken: string | null
  organizations: OrganizationRecord[]
}

export interface NewTokens {
  accessToken: string
  refreshToken: string | null
  expiresAt: Date | null
}

export interface ReencryptResult {
  total: number
  rewritten: number
}

export interface Store {
  /** Throws when the database does not answer. */
  ping (): Promise<void>
  createUser (): Promise<UserRecord>
  getUser (id: string): Promise<UserRecord | null>
  /**
   * Creates the connection, or updates the existing one of the same platform user, Sentry user
   * and scoping organization: status becomes ACTIVE, tokens and organizations are replaced.
   */
  saveConnection (input: SaveConnectionInput): Promise<ConnectionRecord>
  getConnection (id: string): Promise<ConnectionRecord | null>
  listConnections (userId: string): Promise<ConnectionRecord[]>
  /** Deletes the connection, its organizations and its tokens. False when the user has no such connection. */
  deleteConnection (userId: string, connectionId: string): Promise<boolean>
  getTokens (connectionId: string): Promise<TokenRecord | null>
  /** Compare-and-swap: writes only if the row is still at `expectedVersion`. Null on conflict. */
  replaceTokens (connectionId: string, expectedVersion: number, tokens: NewTokens): Promise<TokenRecord | null>
  /** Takes the refresh lease when it is free, expired, or already ours. */
  acquireRefreshLease (connectionId: string, owner: string, ttlMs: number): Promise<boolean>
  releaseRefreshLease (connectionId: string, owner: string): Promise<void>
  /**
   * Marks the connection REVOKED and deletes its token material, but only while the token row
   * is still at `expectedVersion` (another process may have refreshed meanwhile). True if marked.
   */
  markRevoked (connectionId: string, reason: string, expectedVersion: number): Promise<boolean>
  /** Re-seals every token row under the current key. */
  reencryptAll (): Promise<ReencryptResult>
  close (): Promise<void>
}
