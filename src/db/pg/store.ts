import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import { and, asc, eq, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm'
import {
  usersTable, sentryConnectionsTable, sentryOrganizationsTable, sentryTokensTable,
  connectSessionsTable, connectFlowsTable
} from './schema.js'
import type { TokenCipher } from '../token-cipher.js'
import { accessTokenOpener, openTokens, sealTokens } from '../sealed-tokens.js'
import { fromPackageRoot } from '../../paths.js'
import type {
  Store, ConnectionRecord, ConnectionStatus, OrganizationRecord, UserRecord, TakeConnectSessionResult, UserSummary, ViewerRecord
} from '../store.js'
import { type ViewerRowBase, assembleViewer } from '../viewer.js'

export const PG_MIGRATIONS_FOLDER = fromPackageRoot('drizzle', 'pg')

/**
 * The advisory lock key that serialises migrations across instances. drizzle's `migrate()`
 * takes no lock (drizzle-team/drizzle-orm issue #874): N instances starting at once on an empty
 * database would race on CREATE TABLE. A session-level lock on a dedicated connection survives
 * drizzle's inner transaction and dies with a crashed instance's session
 * (https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS).
 */
export const MIGRATION_LOCK_KEY = 'sentry-gateway:migrate'

export interface PgPoolOptions {
  /** Pool size per instance; N instances × max must stay under the server's max_connections. */
  max: number
  /** How long a query waits for a pooled connection (and a new connection for its handshake). */
  connectionTimeoutMs: number
  /** An idle pooled connection is closed after this long. */
  idleTimeoutMs: number
  /** Server-side statement_timeout for every statement. */
  statementTimeoutMs: number
}

export const DEFAULT_PG_POOL: PgPoolOptions = {
  max: 10,
  connectionTimeoutMs: 3000,
  idleTimeoutMs: 10_000,
  statementTimeoutMs: 5000
}

export interface PgStoreOptions {
  url: string
  cipher: TokenCipher
  /** Clock for the created/updated stamps (tests); leases always use the database's clock. */
  now?: () => number
  pool?: Partial<PgPoolOptions>
  /** Shown in pg_stat_activity. */
  applicationName?: string
  /** Where errors of idle pooled connections go (unhandled, they would crash the process). */
  onPoolError?: (err: Error) => void
  /** Apply migrations at open (default true). */
  migrate?: boolean
  migrationsFolder?: string
}

type ConnectionRow = typeof sentryConnectionsTable.$inferSelect
type UserRow = typeof usersTable.$inferSelect

const toUser = (row: UserRow): UserRecord => ({
  id: row.id,
  issuer: row.issuer,
  subject: row.subject,
  sessionGeneration: row.sessionGeneration,
  createdAt: row.createdAt
})

/** One row of the viewer read (src/db/viewer.ts): the user (u*), a connection (as ConnectionRow), an organization (o*), the token row (t*). */
type ViewerRow = { [K in keyof ConnectionRow]: ConnectionRow[K] | null } & ViewerRowBase & {
  uId: string
  uIssuer: string | null
  uSubject: string | null
  uSessionGeneration: number
  uCreatedAt: Date
}

/**
 * The viewer read, one statement (one pool checkout), prepared by name on each pooled
 * connection (https://node-postgres.com/features/queries#prepared-statements). Same shape as
 * SQLite's; the refresh token's column is not selected.
 */
const VIEWER_QUERY = {
  name: 'gateway-viewer',
  text: `select
  u.id as "uId", u.issuer as "uIssuer", u.subject as "uSubject", u.session_generation as "uSessionGeneration", u.created_at as "uCreatedAt",
  c.id as "id", c.user_id as "userId", c.sentry_user_id as "sentryUserId", c.sentry_user_name as "sentryUserName",
  c.sentry_user_email as "sentryUserEmail", c.scopes as "scopes", c.status as "status", c.status_reason as "statusReason",
  c.status_changed_at as "statusChangedAt", c.expires_at as "expiresAt", c.scoping_org_id as "scopingOrgId",
  c.created_at as "createdAt", c.updated_at as "updatedAt", c.tokens_issued_at as "tokensIssuedAt",
  o.org_id as "oOrgId", o.slug as "oSlug", o.name as "oName", o.region_url as "oRegionUrl",
  t.key_id as "tKeyId", t.access_token_ciphertext as "tAccess", t.version as "tVersion"
from users u
left join sentry_connections c on c.user_id = u.id
left join sentry_organizations o on o.connection_id = c.id
left join sentry_tokens t on t.connection_id = c.id
where u.id = $1
order by c.created_at, c.id, o.slug`
}

const asMode = (mode: string): 'redirect' | 'popup' => mode === 'popup' ? 'popup' : 'redirect'

/**
 * Applies the committed drizzle-kit migrations under a session advisory lock held on a
 * dedicated pooled connection, so that concurrently starting instances migrate exactly once.
 */
export async function runPgMigrations (pool: pg.Pool, migrationsFolder = PG_MIGRATIONS_FOLDER): Promise<void> {
  const client = await pool.connect()
  try {
    // A migration may legitimately run longer than the pool's statement_timeout.
    await client.query('SET statement_timeout = 0')
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK_KEY])
    try {
      await migrate(drizzle({ client }), { migrationsFolder })
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [MIGRATION_LOCK_KEY])
    }
  } finally {
    // Its session settings changed: this connection is closed rather than returned to the pool.
    client.release(true)
  }
}

/** Opens a pool on a PostgreSQL database, migrates it, and returns the Store over it. */
export async function createPgStore (options: PgStoreOptions): Promise<Store> {
  const now = options.now ?? Date.now
  const { cipher } = options
  const openAccess = accessTokenOpener(cipher)
  const poolOptions = { ...DEFAULT_PG_POOL, ...options.pool }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: poolOptions.max,
    connectionTimeoutMillis: poolOptions.connectionTimeoutMs,
    idleTimeoutMillis: poolOptions.idleTimeoutMs,
    statement_timeout: poolOptions.statementTimeoutMs,
    // A transaction left open by a stalled instance must not hold row locks for long.
    idle_in_transaction_session_timeout: Math.max(poolOptions.statementTimeoutMs, 10_000),
    application_name: options.applicationName ?? 'sentry-graphql-gateway'
  })
  // node-postgres emits an idle client's error (server restart, network cut) on the pool.
  pool.on('error', err => { options.onPoolError?.(err) })
  const db: NodePgDatabase = drizzle({ client: pool })

  try {
    if (options.migrate !== false) await runPgMigrations(pool, options.migrationsFolder)
  } catch (err) {
    await pool.end().catch(() => {})
    throw err
  }

  const at = (ms: number): Date => new Date(ms)

  const toConnection = (row: ConnectionRow, orgs: OrganizationRecord[]): ConnectionRecord => ({
    id: row.id,
    userId: row.userId,
    sentryUser: { id: row.sentryUserId, name: row.sentryUserName, email: row.sentryUserEmail },
    scopes: row.scopes === '' ? [] : row.scopes.split(' '),
    status: row.status as ConnectionStatus,
    statusReason: row.statusReason,
    statusChangedAt: row.statusChangedAt,
    expiresAt: row.expiresAt,
    scopingOrgId: row.scopingOrgId === '' ? null : row.scopingOrgId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    tokensIssuedAt: row.tokensIssuedAt,
    organizations: orgs
  })

  const groupOrgs = (rows: Array<typeof sentryOrganizationsTable.$inferSelect>): Map<string, OrganizationRecord[]> => {
    const byConnection = new Map<string, OrganizationRecord[]>()
    for (const r of rows) {
      const list = byConnection.get(r.connectionId) ?? []
      list.push({ orgId: r.orgId, slug: r.slug, name: r.name, regionUrl: r.regionUrl })
      byConnection.set(r.connectionId, list)
    }
    return byConnection
  }

  const getConnection = async (id: string): Promise<ConnectionRecord | null> => {
    const [row] = await db.select().from(sentryConnectionsTable).where(eq(sentryConnectionsTable.id, id))
    if (row === undefined) return null
    const orgs = await db.select().from(sentryOrganizationsTable)
      .where(eq(sentryOrganizationsTable.connectionId, id)).orderBy(sentryOrganizationsTable.slug)
    return toConnection(row, groupOrgs(orgs).get(id) ?? [])
  }

  let closed = false

  return {
    async ping () {
      await pool.query('select 1')
    },

    async createUser (): Promise<UserRecord> {
      const user = { id: randomUUID(), issuer: null, subject: null, sessionGeneration: 0, createdAt: at(now()) }
      await db.insert(usersTable).values(user)
      return user
    },

    async getUser (id) {
      const [row] = await db.select().from(usersTable).where(eq(usersTable.id, id))
      return row === undefined ? null : toUser(row)
    },

    async findUserByIdentity (issuer, subject) {
      const [row] = await db.select().from(usersTable).where(and(eq(usersTable.issuer, issuer), eq(usersTable.subject, subject)))
      return row === undefined ? null : toUser(row)
    },

    async ensureUserByIdentity (issuer, subject) {
      const [existing] = await db.select().from(usersTable).where(and(eq(usersTable.issuer, issuer), eq(usersTable.subject, subject)))
      if (existing !== undefined) return toUser(existing)
      // Two first requests of one user race: the unique index lets one insert, the other reads it.
      await db.insert(usersTable).values({ id: randomUUID(), issuer, subject, sessionGeneration: 0, createdAt: at(now()) })
        .onConflictDoNothing()
      const [row] = await db.select().from(usersTable).where(and(eq(usersTable.issuer, issuer), eq(usersTable.subject, subject)))
      /* c8 ignore next: the row was inserted (or already there) just above */
      if (row === undefined) throw new Error('user vanished after insert')
      return toUser(row)
    },

    async revokeSessions (userId) {
      const [row] = await db.update(usersTable).set({ sessionGeneration: sql`${usersTable.sessionGeneration} + 1` })
        .where(eq(usersTable.id, userId)).returning({ generation: usersTable.sessionGeneration })
      return row?.generation ?? null
    },

    async createConnectSession (input) {
      const t = now()
      await db.delete(connectSessionsTable).where(lt(connectSessionsTable.expiresAt, at(t - 24 * 3600_000)))
      await db.insert(connectSessionsTable).values({
        tokenHash: input.tokenHash,
        userId: input.userId,
        returnTo: input.returnTo,
        mode: input.mode,
        messageOrigin: input.messageOrigin,
        expiresAt: input.expiresAt,
        usedAt: null,
        createdAt: at(t)
      })
    },

    async takeConnectSession (tokenHash, when): Promise<TakeConnectSessionResult> {
      // One conditional UPDATE decides who takes it: concurrent takers wait for the row lock and
      // re-check `used_at is null`, so exactly one of them gets the row back.
      const [taken] = await db.update(connectSessionsTable).set({ usedAt: when })
        .where(and(eq(connectSessionsTable.tokenHash, tokenHash), isNull(connectSessionsTable.usedAt)))
        .returning()
      const row = taken ?? (await db.select().from(connectSessionsTable).where(eq(connectSessionsTable.tokenHash, tokenHash)))[0]
      if (row === undefined) return { status: 'unknown', session: null }
      const session = { userId: row.userId, returnTo: row.returnTo, mode: asMode(row.mode), messageOrigin: row.messageOrigin, expiresAt: row.expiresAt }
      if (taken === undefined) return { status: 'used', session }
      return { status: row.expiresAt.getTime() <= when.getTime() ? 'expired' : 'ok', session }
    },

    async saveConnectFlow (input) {
      const t = now()
      await db.delete(connectFlowsTable).where(lt(connectFlowsTable.expiresAt, at(t)))
      await db.insert(connectFlowsTable).values({
        stateHash: input.stateHash,
        userId: input.userId,
        via: input.via,
        returnTo: input.returnTo,
        mode: input.mode,
        messageOrigin: input.messageOrigin,
        expiresAt: input.expiresAt,
        createdAt: at(t)
      })
    },

    async takeConnectFlow (stateHash) {
      const [row] = await db.delete(connectFlowsTable).where(eq(connectFlowsTable.stateHash, stateHash)).returning()
      if (row === undefined) return null
      return {
        userId: row.userId,
        via: row.via === 'connect-session' ? 'connect-session' : 'cookie',
        returnTo: row.returnTo,
        mode: asMode(row.mode),
        messageOrigin: row.messageOrigin,
        expiresAt: row.expiresAt
      }
    },

    async saveConnection (input) {
      const t = at(now())
      const scopingOrgId = input.scopingOrgId ?? ''
      const values = {
        sentryUserName: input.sentryUser.name,
        sentryUserEmail: input.sentryUser.email,
        scopes: input.scopes.join(' '),
        status: 'ACTIVE',
        statusReason: null,
        statusChangedAt: t,
        expiresAt: input.expiresAt,
        updatedAt: t,
        tokensIssuedAt: t
      }
      const id = await db.transaction(async tx => {
        // Select-then-insert is race-free only under SQLite's BEGIN IMMEDIATE; under PostgreSQL's
        // READ COMMITTED two callers would both insert and one would hit the unique index. An
        // upsert on that index instead waits for the other's row lock, then updates its row
        // (https://www.postgresql.org/docs/current/sql-insert.html#SQL-ON-CONFLICT).
        const [row] = await tx.insert(sentryConnectionsTable).values({
          id: randomUUID(), userId: input.userId, sentryUserId: input.sentryUser.id, scopingOrgId, createdAt: t, ...values
        }).onConflictDoUpdate({
          target: [sentryConnectionsTable.userId, sentryConnectionsTable.sentryUserId, sentryConnectionsTable.scopingOrgId],
          set: values
        }).returning({ id: sentryConnectionsTable.id })
        /* c8 ignore next: an upsert always returns its row */
        if (row === undefined) throw new Error('upsert returned no row')
        const connectionId = row.id
        // The connection row is locked by the upsert until commit: organizations and tokens
        // of this connection are written by one transaction at a time.
        await tx.delete(sentryOrganizationsTable).where(eq(sentryOrganizationsTable.connectionId, connectionId))
        if (input.organizations.length > 0) {
          await tx.insert(sentryOrganizationsTable).values(input.organizations.map(o => ({ connectionId, ...o })))
        }
        const sealed = sealTokens(cipher, connectionId, input.accessToken, input.refreshToken)
        await tx.insert(sentryTokensTable).values({ connectionId, ...sealed, version: 1, leaseOwner: null, leaseExpiresAt: null, updatedAt: t })
          .onConflictDoUpdate({
            target: sentryTokensTable.connectionId,
            set: { ...sealed, version: sql`${sentryTokensTable.version} + 1`, leaseOwner: null, leaseExpiresAt: null, updatedAt: t }
          })
        return connectionId
      })
      const saved = await getConnection(id)
      /* c8 ignore next: the row was committed above */
      if (saved === null) throw new Error('connection vanished after save')
      return saved
    },

    getConnection,

    async listConnections (userId) {
      const rows = await db.select().from(sentryConnectionsTable)
        .where(eq(sentryConnectionsTable.userId, userId)).orderBy(sentryConnectionsTable.createdAt, sentryConnectionsTable.id)
      if (rows.length === 0) return []
      const orgs = groupOrgs(await db.select().from(sentryOrganizationsTable)
        .where(inArray(sentryOrganizationsTable.connectionId, rows.map(r => r.id)))
        .orderBy(sentryOrganizationsTable.slug))
      return rows.map(r => toConnection(r, orgs.get(r.id) ?? []))
    },

    async viewer (userId): Promise<ViewerRecord | null> {
      const { rows } = await pool.query<ViewerRow>({ ...VIEWER_QUERY, values: [userId] })
      return assembleViewer(rows, {
        user: (r) => toUser({ id: r.uId, issuer: r.uIssuer, subject: r.uSubject, sessionGeneration: r.uSessionGeneration, createdAt: r.uCreatedAt }),
        connection: (r) => toConnection(r as ConnectionRow, []),
        openAccess
      })
    },

    async deleteConnection (userId, connectionId) {
      const rows = await db.delete(sentryConnectionsTable).where(and(
        eq(sentryConnectionsTable.id, connectionId), eq(sentryConnectionsTable.userId, userId)
      )).returning({ id: sentryConnectionsTable.id })
      return rows.length === 1
    },

    async getTokens (connectionId) {
      const [row] = await db.select({ token: sentryTokensTable, expiresAt: sentryConnectionsTable.expiresAt })
        .from(sentryTokensTable)
        .innerJoin(sentryConnectionsTable, eq(sentryConnectionsTable.id, sentryTokensTable.connectionId))
        .where(eq(sentryTokensTable.connectionId, connectionId))
      return row === undefined ? null : openTokens(cipher, row.token, row.expiresAt)
    },

    async getAccessToken (connectionId) {
      const [row] = await db.select({ token: sentryTokensTable, expiresAt: sentryConnectionsTable.expiresAt })
        .from(sentryTokensTable)
        .innerJoin(sentryConnectionsTable, eq(sentryConnectionsTable.id, sentryTokensTable.connectionId))
        .where(eq(sentryTokensTable.connectionId, connectionId))
      if (row === undefined) return null
      // The refresh token stays sealed: it is opened only when refreshing (getTokens).
      return {
        connectionId: row.token.connectionId,
        accessToken: openAccess(row.token.connectionId, row.token.keyId, row.token.accessTokenCiphertext),
        expiresAt: row.expiresAt,
        version: row.token.version
      }
    },

    async replaceTokens (connectionId, expectedVersion, tokens) {
      const t = at(now())
      const sealed = sealTokens(cipher, connectionId, tokens.accessToken, tokens.refreshToken)
      const row = await db.transaction(async tx => {
        // The compare-and-swap is judged by the row RETURNING gives back, not a row count.
        const [updated] = await tx.update(sentryTokensTable)
          .set({ ...sealed, version: expectedVersion + 1, updatedAt: t })
          .where(and(eq(sentryTokensTable.connectionId, connectionId), eq(sentryTokensTable.version, expectedVersion)))
          .returning()
        if (updated === undefined) return null
        await tx.update(sentryConnectionsTable).set({ expiresAt: tokens.expiresAt, updatedAt: t, tokensIssuedAt: t })
          .where(eq(sentryConnectionsTable.id, connectionId))
        return updated
      })
      return row === null ? null : openTokens(cipher, row, tokens.expiresAt)
    },

    async acquireRefreshLease (connectionId, owner, ttlMs) {
      // One autocommit statement on the database's clock: instances' clocks never decide who
      // holds a lease. Under READ COMMITTED, concurrent UPDATEs of the row wait for each other and
      // re-check the WHERE on the new row version, so exactly one of them matches
      // (https://www.postgresql.org/docs/current/transaction-iso.html#XACT-READ-COMMITTED).
      const rows = await db.update(sentryTokensTable)
        .set({ leaseOwner: owner, leaseExpiresAt: sql`now() + make_interval(secs => ${ttlMs / 1000})` })
        .where(and(
          eq(sentryTokensTable.connectionId, connectionId),
          or(isNull(sentryTokensTable.leaseOwner), lt(sentryTokensTable.leaseExpiresAt, sql`now()`), eq(sentryTokensTable.leaseOwner, owner))
        )).returning({ id: sentryTokensTable.connectionId })
      return rows.length === 1
    },

    async releaseRefreshLease (connectionId, owner) {
      await db.update(sentryTokensTable).set({ leaseOwner: null, leaseExpiresAt: null })
        .where(and(eq(sentryTokensTable.connectionId, connectionId), eq(sentryTokensTable.leaseOwner, owner)))
    },

    async markRevoked (connectionId, reason, expectedVersion) {
      const t = at(now())
      return await db.transaction(async tx => {
        const deleted = await tx.delete(sentryTokensTable).where(and(
          eq(sentryTokensTable.connectionId, connectionId), eq(sentryTokensTable.version, expectedVersion)
        )).returning({ id: sentryTokensTable.connectionId })
        if (deleted.length !== 1) return false
        await tx.update(sentryConnectionsTable)
          .set({ status: 'REVOKED', statusReason: reason, statusChangedAt: t, updatedAt: t })
          .where(eq(sentryConnectionsTable.id, connectionId))
        return true
      })
    },

    async connectionStats () {
      const byStatus: Record<ConnectionStatus, number> = { ACTIVE: 0, REVOKED: 0 }
      const rows = await db.select({ status: sentryConnectionsTable.status, n: sql<number>`count(*)::int` })
        .from(sentryConnectionsTable).groupBy(sentryConnectionsTable.status)
      for (const r of rows) byStatus[r.status as ConnectionStatus] = r.n
      const [soonest] = await db.select({ at: sql<Date | null>`min(${sentryConnectionsTable.expiresAt})`.mapWith(sentryConnectionsTable.expiresAt) })
        .from(sentryConnectionsTable).where(eq(sentryConnectionsTable.status, 'ACTIVE'))
      return { byStatus, soonestExpiry: soonest?.at ?? null }
    },

    async listAllConnections (filter = {}) {
      const conditions = []
      if (filter.status !== undefined) conditions.push(eq(sentryConnectionsTable.status, filter.status))
      if (filter.userId !== undefined) conditions.push(eq(sentryConnectionsTable.userId, filter.userId))
      let query = db.select().from(sentryConnectionsTable).where(and(...conditions))
        .orderBy(asc(sentryConnectionsTable.createdAt), asc(sentryConnectionsTable.id)).$dynamic()
      if (filter.limit !== undefined) query = query.limit(filter.limit)
      const rows = await query
      if (rows.length === 0) return []
      const orgs = groupOrgs(await db.select().from(sentryOrganizationsTable)
        .where(inArray(sentryOrganizationsTable.connectionId, rows.map(r => r.id)))
        .orderBy(sentryOrganizationsTable.slug))
      return rows.map(r => toConnection(r, orgs.get(r.id) ?? []))
    },

    async listUsers (): Promise<UserSummary[]> {
      const rows = await db.select({
        id: usersTable.id,
        createdAt: usersTable.createdAt,
        connections: sql<number>`count(${sentryConnectionsTable.id})::int`,
        active: sql<number>`coalesce(sum(case when ${sentryConnectionsTable.status} = 'ACTIVE' then 1 else 0 end), 0)::int`
      }).from(usersTable)
        .leftJoin(sentryConnectionsTable, eq(sentryConnectionsTable.userId, usersTable.id))
        .groupBy(usersTable.id).orderBy(asc(usersTable.createdAt), asc(usersTable.id))
      return rows.map(r => ({ id: r.id, createdAt: r.createdAt, connections: r.connections, activeConnections: r.active }))
    },

    async staleConnections (issuedBefore, limit) {
      const rows = await db.select({ id: sentryConnectionsTable.id, tokensIssuedAt: sentryConnectionsTable.tokensIssuedAt })
        .from(sentryConnectionsTable)
        .innerJoin(sentryTokensTable, eq(sentryTokensTable.connectionId, sentryConnectionsTable.id))
        .where(and(
          eq(sentryConnectionsTable.status, 'ACTIVE'),
          isNotNull(sentryTokensTable.refreshTokenCiphertext),
          or(isNull(sentryConnectionsTable.tokensIssuedAt), lt(sentryConnectionsTable.tokensIssuedAt, issuedBefore))
        ))
        .orderBy(sql`${sentryConnectionsTable.tokensIssuedAt} asc nulls first`, asc(sentryConnectionsTable.id))
        .limit(limit)
      return rows.map(r => ({ id: r.id, tokensIssuedAt: r.tokensIssuedAt }))
    },

    async reencryptAll () {
      const rows = await db.select().from(sentryTokensTable)
      let rewritten = 0
      // Row by row, each a compare-and-swap on its version: a refresh running meanwhile in
      // another instance wins, and only rows actually rewritten are counted.
      for (const row of rows) {
        if (row.keyId === cipher.currentKeyId) continue
        const plain = openTokens(cipher, row, null)
        const sealed = sealTokens(cipher, row.connectionId, plain.accessToken, plain.refreshToken)
        const updated = await db.update(sentryTokensTable).set({ ...sealed, version: row.version + 1, updatedAt: at(now()) })
          .where(and(eq(sentryTokensTable.connectionId, row.connectionId), eq(sentryTokensTable.version, row.version)))
          .returning({ id: sentryTokensTable.connectionId })
        rewritten += updated.length
      }
      return { total: rows.length, rewritten }
    },

    async close () {
      if (closed) return
      closed = true
      await pool.end()
    }
  }
}
