/**
 * The storage interface. Async and dialect-neutral: callers never see Drizzle or SQLite, so a
 * PostgreSQL implementation can be added without touching them. Token values cross this
 * boundary in plaintext only in memory; implementations must store them sealed.
 */

export type ConnectionStatus = 'ACTIVE' | 'REVOKED'

export interface UserRecord {
  id: string
  /** For a platform (JWT) user: the token's issuer and user-claim value. Null for a cookie-session user. */
  issuer: string | null
  subject: string | null
  /** Written into the user's session cookies; a cookie of an older generation is refused. */
  sessionGeneration: number
  createdAt: Date
}

/** Where a connect flow started from and where its result goes. */
export interface ConnectTarget {
  /** A validated same-origin path to land on afterwards (redirect mode). */
  returnTo: string
  mode: 'redirect' | 'popup'
  /** Popup mode: the one origin the result may be posted to (ours, or one of ALLOWED_ORIGINS). */
  messageOrigin: string
}

export interface ConnectSessionInput extends ConnectTarget {
  /** SHA-256 (base64url) of the one-time token; the token itself is never stored. */
  tokenHash: string
  userId: string
  expiresAt: Date
}

export interface ConnectSessionRecord extends ConnectTarget {
  userId: string
  expiresAt: Date
}

export type TakeConnectSessionResult =
  | { status: 'ok', session: ConnectSessionRecord }
  | { status: 'used' | 'expired', session: ConnectSessionRecord }
  | { status: 'unknown', session: null }

export interface ConnectFlowInput extends ConnectTarget {
  /** SHA-256 (base64url) of the OAuth `state`. */
  stateHash: string
  /** The platform user the connection will belong to; null: create one on success. */
  userId: string | null
  /** Started by the session cookie, or by a connect session (the cookie is then left alone). */
  via: 'cookie' | 'connect-session'
  expiresAt: Date
}

export interface ConnectFlowRecord extends ConnectTarget {
  userId: string | null
  via: 'cookie' | 'connect-session'
  expiresAt: Date
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
  /** When Sentry last issued this connection's token pair (connect or refresh); null before it was recorded. */
  tokensIssuedAt: Date | null
  organizations: OrganizationRecord[]
}

/** What the metrics read at scrape time. */
export interface ConnectionStats {
  byStatus: Record<ConnectionStatus, number>
  /** The soonest access-token expiry among ACTIVE connections; null when none expires. */
  soonestExpiry: Date | null
}

export interface ConnectionFilter {
  status?: ConnectionStatus
  userId?: string
  /** At most this many, oldest first (default: all). */
  limit?: number
}

export interface UserSummary {
  id: string
  createdAt: Date
  connections: number
  activeConnections: number
}

/** An ACTIVE connection whose tokens were issued before the keep-alive cut-off. */
export interface StaleConnection {
  id: string
  /** When its tokens were issued (null: never recorded, treated as stale). */
  tokensIssuedAt: Date | null
}

export interface TokenRecord {
  connectionId: string
  accessToken: string
  refreshToken: string | null
  expiresAt: Date | null
  /** Incremented on every write; writers compare-and-swap on it. */
  version: number
}

/** A token row without its refresh token: what every API call needs (the refresh token stays sealed). */
export type AccessTokenRecord = Omit<TokenRecord, 'refreshToken'>

/**
 * What a GraphQL request needs about its viewer, read in one statement: the user, the user's
 * connections with their organizations, and each connection's access-token row. Only the
 * access token's ciphertext is read (the refresh token stays in the database); it is opened
 * on first ask, so a request that never calls Sentry decrypts nothing.
 */
export interface ViewerRecord {
  user: UserRecord
  /** As listConnections answers them. */
  connections: ConnectionRecord[]
  /** The connection's access-token row as read with the rest (opened now, once); null without a token row. */
  accessToken (connectionId: string): AccessTokenRecord | null
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
  /** The platform user (issuer, subject), created on first sight; two issuers never share a user. */
  ensureUserByIdentity (issuer: string, subject: string): Promise<UserRecord>
  /** The platform user (issuer, subject), or null when it was never seen. */
  findUserByIdentity (issuer: string, subject: string): Promise<UserRecord | null>
  /** Bumps the user's session generation (every earlier session cookie is refused); returns the new one. */
  revokeSessions (userId: string): Promise<number | null>
  /** Stores a one-time connect session (and deletes expired ones). */
  createConnectSession (input: ConnectSessionInput): Promise<void>
  /** Marks the connect session used, once: a second take answers `used`. */
  takeConnectSession (tokenHash: string, now: Date): Promise<TakeConnectSessionResult>
  /** Stores the server-side half of an OAuth flow (and deletes expired ones). */
  saveConnectFlow (input: ConnectFlowInput): Promise<void>
  /** Deletes and returns the flow: single-use, whatever the outcome. Null when unknown or already taken. */
  takeConnectFlow (stateHash: string): Promise<ConnectFlowRecord | null>
  /**
   * Creates the connection, or updates the existing one of the same platform user, Sentry user
   * and scoping organization: status becomes ACTIVE, tokens and organizations are replaced.
   */
  saveConnection (input: SaveConnectionInput): Promise<ConnectionRecord>
  getConnection (id: string): Promise<ConnectionRecord | null>
  listConnections (userId: string): Promise<ConnectionRecord[]>
  /** The user, connections and access-token rows in one statement (one pool checkout); null for an unknown user. */
  viewer (userId: string): Promise<ViewerRecord | null>
  /** Deletes the connection, its organizations and its tokens. False when the user has no such connection. */
  deleteConnection (userId: string, connectionId: string): Promise<boolean>
  /** Both tokens, decrypted: for refreshing. */
  getTokens (connectionId: string): Promise<TokenRecord | null>
  /** The access token only (the refresh token is not decrypted): for API calls. */
  getAccessToken (connectionId: string): Promise<AccessTokenRecord | null>
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
  /** Connections by status and the soonest access-token expiry (for the metrics). */
  connectionStats (): Promise<ConnectionStats>
  /** Every connection (all users), oldest first, optionally filtered (the admin command). */
  listAllConnections (filter?: ConnectionFilter): Promise<ConnectionRecord[]>
  /** Every platform user with connection counts, oldest first (the admin command). */
  listUsers (): Promise<UserSummary[]>
  /**
   * ACTIVE connections holding a refresh token whose tokens were issued before `issuedBefore`
   * (or never recorded), least recently issued first: the keep-alive's work.
   */
  staleConnections (issuedBefore: Date, limit: number): Promise<StaleConnection[]>
  /** Re-seals every token row under the current key. */
  reencryptAll (): Promise<ReencryptResult>
  close (): Promise<void>
}
