import { randomUUID } from 'node:crypto'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { and, asc, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm'
import { runMigrations } from './migrate.js'
import {
  usersTable, sentryConnectionsTable, sentryOrganizationsTable, sentryTokensTable,
  connectSessionsTable, connectFlowsTable
} from './schema.js'
import type { TokenCipher } from '../token-cipher.js'
import { accessTokenOpener, openTokens, sealTokens } from '../sealed-tokens.js'
import { type ViewerRowBase, assembleViewer } from '../viewer.js'
import { createViewerMemo } from './viewer-memo.js'
import type {
  Store, ConnectionRecord, ConnectionStatus, OrganizationRecord, UserRecord, TakeConnectSessionResult, UserSummary, ViewerRecord
} from '../store.js'

export interface SqliteStoreOptions {
  path: string
  cipher: TokenCipher
  now?: () => number
  /** Milliseconds a writer waits for a lock held by another process. */
  busyTimeoutMs?: number
}

type ConnectionRow = typeof sentryConnectionsTable.$inferSelect
type UserRow = typeof usersTable.$inferSelect

/**
 * One row of the viewer read: the user (u_*), one of its connections (named as ConnectionRow,
 * null when the user has none), one organization of it (o_*) and its access-token row (t_*).
 */
type ViewerRow = { [K in keyof ConnectionRow]: ConnectionRow[K] | null } & ViewerRowBase & {
  uId: string
  uIssuer: string | null
  uSubject: string | null
  uSessionGeneration: number
  uCreatedAt: number
}

/**
 * The viewer read (ViewerRecord): users ⟕ connections ⟕ organizations ⟕ tokens, one row per
 * organization, connections in listConnections' order, organizations by slug. The refresh
 * token's column is not selected.
 */
const VIEWER_SQL = `select
  u.id as uId, u.issuer as uIssuer, u.subject as uSubject, u.session_generation as uSessionGeneration, u.created_at as uCreatedAt,
  c.id as id, c.user_id as userId, c.sentry_user_id as sentryUserId, c.sentry_user_name as sentryUserName,
  c.sentry_user_email as sentryUserEmail, c.scopes as scopes, c.status as status, c.status_reason as statusReason,
  c.status_changed_at as statusChangedAt, c.expires_at as expiresAt, c.scoping_org_id as scopingOrgId,
  c.created_at as createdAt, c.updated_at as updatedAt, c.tokens_issued_at as tokensIssuedAt,
  o.org_id as oOrgId, o.slug as oSlug, o.name as oName, o.region_url as oRegionUrl,
  t.key_id as tKeyId, t.access_token_ciphertext as tAccess, t.version as tVersion
from users u
left join sentry_connections c on c.user_id = u.id
left join sentry_organizations o on o.connection_id = c.id
left join sentry_tokens t on t.connection_id = c.id
where u.id = ?
order by c.created_at, c.id, o.slug`

const toUser = (row: UserRow): UserRecord => ({
  id: row.id,
  issuer: row.issuer,
  subject: row.subject,
  sessionGeneration: row.sessionGeneration,
  createdAt: new Date(row.createdAt)
})

const asMode = (mode: string): 'redirect' | 'popup' => mode === 'popup' ? 'popup' : 'redirect'

/** The only module that touches Drizzle. Opens (and migrates) the SQLite file. */
export function createSqliteStore (options: SqliteStoreOptions): Store {
  const now = options.now ?? Date.now
  const { cipher } = options
  const openAccess = accessTokenOpener(cipher)
  mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 })
  // The file holds names and emails: created 0600 (SQLite gives its -wal and -shm files the
  // database file's permissions; https://www.sqlite.org/tempfiles.html).
  closeSync(openSync(options.path, 'a', 0o600))
  const sqlite = new Database(options.path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`)
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('synchronous = NORMAL')
  const db: BetterSQLite3Database = drizzle(sqlite)
  runMigrations(db)

  const toConnection = (row: ConnectionRow, orgs: OrganizationRecord[]): ConnectionRecord => ({
    id: row.id,
    userId: row.userId,
    sentryUser: { id: row.sentryUserId, name: row.sentryUserName, email: row.sentryUserEmail },
    scopes: row.scopes === '' ? [] : row.scopes.split(' '),
    status: row.status as ConnectionStatus,
    statusReason: row.statusReason,
    statusChangedAt: new Date(row.statusChangedAt),
    expiresAt: row.expiresAt === null ? null : new Date(row.expiresAt),
    scopingOrgId: row.scopingOrgId === '' ? null : row.scopingOrgId,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
    tokensIssuedAt: row.tokensIssuedAt === null ? null : new Date(row.tokensIssuedAt),
    organizations: orgs
  })

  const orgsOf = (connectionIds: string[]): Map<string, OrganizationRecord[]> => {
    const byConnection = new Map<string, OrganizationRecord[]>()
    if (connectionIds.length === 0) return byConnection
    const rows = db.select().from(sentryOrganizationsTable)
      .where(sql`${sentryOrganizationsTable.connectionId} in ${connectionIds}`)
      .orderBy(sentryOrganizationsTable.slug).all()
    for (const r of rows) {
      const list = byConnection.get(r.connectionId) ?? []
      list.push({ orgId: r.orgId, slug: r.slug, name: r.name, regionUrl: r.regionUrl })
      byConnection.set(r.connectionId, list)
    }
    return byConnection
  }

  // The reads every GraphQL request makes (user, connections, tokens) are prepared once: building
  // and preparing them per call was about a third of the gateway's CPU in the benchmark.
  const userById = db.select().from(usersTable).where(eq(usersTable.id, sql.placeholder('id'))).prepare()
  const userByIdentity = db.select().from(usersTable).where(and(
    eq(usersTable.issuer, sql.placeholder('issuer')), eq(usersTable.subject, sql.placeholder('subject'))
  )).prepare()
  const connectionsOfUser = db.select().from(sentryConnectionsTable)
    .where(eq(sentryConnectionsTable.userId, sql.placeholder('userId')))
    // Ties (two connections made within a millisecond) by id, as Store.viewer and PostgreSQL order them.
    .orderBy(sentryConnectionsTable.createdAt, sentryConnectionsTable.id).prepare()
  const organizationsOfUser = db.select({ org: sentryOrganizationsTable }).from(sentryOrganizationsTable)
    .innerJoin(sentryConnectionsTable, eq(sentryConnectionsTable.id, sentryOrganizationsTable.connectionId))
    .where(eq(sentryConnectionsTable.userId, sql.placeholder('userId')))
    .orderBy(sentryOrganizationsTable.slug).prepare()
  const tokensOf = db.select({ token: sentryTokensTable, expiresAt: sentryConnectionsTable.expiresAt })
    .from(sentryTokensTable)
    .innerJoin(sentryConnectionsTable, eq(sentryConnectionsTable.id, sentryTokensTable.connectionId))
    .where(eq(sentryTokensTable.connectionId, sql.placeholder('connectionId'))).prepare()

  const viewerOf = sqlite.prepare<[string], ViewerRow>(VIEWER_SQL)
  const viewers = createViewerMemo(sqlite)

  const getConnectionSync = (id: string): ConnectionRecord | null => {
    const row = db.select().from(sentryConnectionsTable).where(eq(sentryConnectionsTable.id, id)).get()
    return row === undefined ? null : toConnection(row, orgsOf([id]).get(id) ?? [])
  }

  return {
    async ping () {
      sqlite.prepare('select 1').get()
    },

    async createUser (): Promise<UserRecord> {
      const user = { id: randomUUID(), issuer: null, subject: null, sessionGeneration: 0, createdAt: now() }
      db.insert(usersTable).values(user).run()
      return toUser(user)
    },

    async getUser (id) {
      const row = userById.get({ id })
      return row === undefined ? null : toUser(row)
    },

    async findUserByIdentity (issuer, subject) {
      const row = userByIdentity.get({ issuer, subject })
      return row === undefined ? null : toUser(row)
    },

    async ensureUserByIdentity (issuer, subject) {
      const existing = userByIdentity.get({ issuer, subject })
      if (existing !== undefined) return toUser(existing)
      db.insert(usersTable).values({ id: randomUUID(), issuer, subject, sessionGeneration: 0, createdAt: now() })
        .onConflictDoNothing().run()
      const row = userByIdentity.get({ issuer, subject })
      /* c8 ignore next: the row was inserted (or already there) just above */
      if (row === undefined) throw new Error('user vanished after insert')
      return toUser(row)
    },

    async revokeSessions (userId) {
      const row = db.update(usersTable).set({ sessionGeneration: sql`${usersTable.sessionGeneration} + 1` })
        .where(eq(usersTable.id, userId)).returning({ generation: usersTable.sessionGeneration }).get()
      return row?.generation ?? null
    },

    async createConnectSession (input) {
      const t = now()
      db.transaction(tx => {
        tx.delete(connectSessionsTable).where(lt(connectSessionsTable.expiresAt, t - 24 * 3600_000)).run()
        tx.insert(connectSessionsTable).values({
          tokenHash: input.tokenHash,
          userId: input.userId,
          returnTo: input.returnTo,
          mode: input.mode,
          messageOrigin: input.messageOrigin,
          expiresAt: input.expiresAt.getTime(),
          usedAt: null,
          createdAt: t
        }).run()
      }, { behavior: 'immediate' })
    },

    async takeConnectSession (tokenHash, at) {
      return db.transaction((tx): TakeConnectSessionResult => {
        const row = tx.select().from(connectSessionsTable).where(eq(connectSessionsTable.tokenHash, tokenHash)).get()
        if (row === undefined) return { status: 'unknown', session: null }
        const session = { userId: row.userId, returnTo: row.returnTo, mode: asMode(row.mode), messageOrigin: row.messageOrigin, expiresAt: new Date(row.expiresAt) }
        if (row.usedAt !== null) return { status: 'used', session }
        // Used or not, an expired session is spent too.
        tx.update(connectSessionsTable).set({ usedAt: at.getTime() }).where(eq(connectSessionsTable.tokenHash, tokenHash)).run()
        return { status: row.expiresAt <= at.getTime() ? 'expired' : 'ok', session }
      }, { behavior: 'immediate' })
    },

    async saveConnectFlow (input) {
      const t = now()
      db.transaction(tx => {
        tx.delete(connectFlowsTable).where(lt(connectFlowsTable.expiresAt, t)).run()
        tx.insert(connectFlowsTable).values({
          stateHash: input.stateHash,
          userId: input.userId,
          via: input.via,
          returnTo: input.returnTo,
          mode: input.mode,
          messageOrigin: input.messageOrigin,
          expiresAt: input.expiresAt.getTime(),
          createdAt: t
        }).run()
      }, { behavior: 'immediate' })
    },

    async takeConnectFlow (stateHash) {
      const row = db.delete(connectFlowsTable).where(eq(connectFlowsTable.stateHash, stateHash)).returning().get()
      if (row === undefined) return null
      return {
        userId: row.userId,
        via: row.via === 'connect-session' ? 'connect-session' : 'cookie',
        returnTo: row.returnTo,
        mode: asMode(row.mode),
        messageOrigin: row.messageOrigin,
        expiresAt: new Date(row.expiresAt)
      }
    },

    async saveConnection (input) {
      const t = now()
      const scopingOrgId = input.scopingOrgId ?? ''
      const id = db.transaction(tx => {
        const existing = tx.select({ id: sentryConnectionsTable.id }).from(sentryConnectionsTable).where(and(
          eq(sentryConnectionsTable.userId, input.userId),
          eq(sentryConnectionsTable.sentryUserId, input.sentryUser.id),
          eq(sentryConnectionsTable.scopingOrgId, scopingOrgId)
        )).get()
        const connectionId = existing?.id ?? randomUUID()
        const values = {
          sentryUserName: input.sentryUser.name,
          sentryUserEmail: input.sentryUser.email,
          scopes: input.scopes.join(' '),
          status: 'ACTIVE',
          statusReason: null,
          statusChangedAt: t,
          expiresAt: input.expiresAt?.getTime() ?? null,
          updatedAt: t,
          tokensIssuedAt: t
        }
        if (existing === undefined) {
          tx.insert(sentryConnectionsTable).values({
            id: connectionId, userId: input.userId, sentryUserId: input.sentryUser.id, scopingOrgId, createdAt: t, ...values
          }).run()
        } else {
          tx.update(sentryConnectionsTable).set(values).where(eq(sentryConnectionsTable.id, connectionId)).run()
        }
        tx.delete(sentryOrganizationsTable).where(eq(sentryOrganizationsTable.connectionId, connectionId)).run()
        if (input.organizations.length > 0) {
          tx.insert(sentryOrganizationsTable).values(input.organizations.map(o => ({ connectionId, ...o }))).run()
        }
        const sealed = sealTokens(cipher, connectionId, input.accessToken, input.refreshToken)
        tx.insert(sentryTokensTable).values({ connectionId, ...sealed, version: 1, leaseOwner: null, leaseExpiresAt: null, updatedAt: t })
          .onConflictDoUpdate({
            target: sentryTokensTable.connectionId,
            set: { ...sealed, version: sql`${sentryTokensTable.version} + 1`, leaseOwner: null, leaseExpiresAt: null, updatedAt: t }
          }).run()
        return connectionId
      }, { behavior: 'immediate' })
      const saved = getConnectionSync(id)
      /* c8 ignore next: the row was written in the transaction above */
      if (saved === null) throw new Error('connection vanished after save')
      return saved
    },

    async getConnection (id) {
      return getConnectionSync(id)
    },

    async listConnections (userId) {
      const rows = connectionsOfUser.all({ userId })
      const orgs = new Map<string, OrganizationRecord[]>()
      for (const { org } of organizationsOfUser.all({ userId })) {
        const list = orgs.get(org.connectionId) ?? []
        list.push({ orgId: org.orgId, slug: org.slug, name: org.name, regionUrl: org.regionUrl })
        orgs.set(org.connectionId, list)
      }
      return rows.map(r => toConnection(r, orgs.get(r.id) ?? []))
    },

    async viewer (userId): Promise<ViewerRecord | null> {
      return viewers.viewer(userId, () => assembleViewer(viewerOf.all(userId), {
        user: (r) => toUser({ id: r.uId, issuer: r.uIssuer, subject: r.uSubject, sessionGeneration: r.uSessionGeneration, createdAt: r.uCreatedAt }),
        connection: (r) => toConnection(r as ConnectionRow, []),
        openAccess
      }))
    },

    async deleteConnection (userId, connectionId) {
      const res = db.delete(sentryConnectionsTable).where(and(
        eq(sentryConnectionsTable.id, connectionId), eq(sentryConnectionsTable.userId, userId)
      )).run()
      return res.changes === 1
    },

    async getTokens (connectionId) {
      const row = tokensOf.get({ connectionId })
      return row === undefined ? null : openTokens(cipher, row.token, row.expiresAt === null ? null : new Date(row.expiresAt))
    },

    async getAccessToken (connectionId) {
      const row = tokensOf.get({ connectionId })
      if (row === undefined) return null
      return {
        connectionId: row.token.connectionId,
        accessToken: openAccess(row.token.connectionId, row.token.keyId, row.token.accessTokenCiphertext),
        expiresAt: row.expiresAt === null ? null : new Date(row.expiresAt),
        version: row.token.version
      }
    },

    async replaceTokens (connectionId, expectedVersion, tokens) {
      const t = now()
      const sealed = sealTokens(cipher, connectionId, tokens.accessToken, tokens.refreshToken)
      const expiresAt = tokens.expiresAt?.getTime() ?? null
      const row = db.transaction(tx => {
        const res = tx.update(sentryTokensTable)
          .set({ ...sealed, version: expectedVersion + 1, updatedAt: t })
          .where(and(eq(sentryTokensTable.connectionId, connectionId), eq(sentryTokensTable.version, expectedVersion)))
          .run()
        if (res.changes !== 1) return null
        tx.update(sentryConnectionsTable).set({ expiresAt, updatedAt: t, tokensIssuedAt: t })
          .where(eq(sentryConnectionsTable.id, connectionId)).run()
        return tx.select().from(sentryTokensTable).where(eq(sentryTokensTable.connectionId, connectionId)).get() ?? null
      }, { behavior: 'immediate' })
      return row === null ? null : openTokens(cipher, row, expiresAt === null ? null : new Date(expiresAt))
    },

    async acquireRefreshLease (connectionId, owner, ttlMs) {
      const t = now()
      const res = db.update(sentryTokensTable)
        .set({ leaseOwner: owner, leaseExpiresAt: t + ttlMs })
        .where(and(
          eq(sentryTokensTable.connectionId, connectionId),
          or(isNull(sentryTokensTable.leaseOwner), lt(sentryTokensTable.leaseExpiresAt, t), eq(sentryTokensTable.leaseOwner, owner))
        )).run()
      return res.changes === 1
    },

    async releaseRefreshLease (connectionId, owner) {
      db.update(sentryTokensTable).set({ leaseOwner: null, leaseExpiresAt: null })
        .where(and(eq(sentryTokensTable.connectionId, connectionId), eq(sentryTokensTable.leaseOwner, owner))).run()
    },

    async markRevoked (connectionId, reason, expectedVersion) {
      const t = now()
      return db.transaction(tx => {
        const res = tx.delete(sentryTokensTable).where(and(
          eq(sentryTokensTable.connectionId, connectionId), eq(sentryTokensTable.version, expectedVersion)
        )).run()
        if (res.changes !== 1) return false
        tx.update(sentryConnectionsTable)
          .set({ status: 'REVOKED', statusReason: reason, statusChangedAt: t, updatedAt: t })
          .where(eq(sentryConnectionsTable.id, connectionId)).run()
        return true
      }, { behavior: 'immediate' })
    },

    async connectionStats () {
      const byStatus: Record<ConnectionStatus, number> = { ACTIVE: 0, REVOKED: 0 }
      const rows = db.select({ status: sentryConnectionsTable.status, n: sql<number>`count(*)` })
        .from(sentryConnectionsTable).groupBy(sentryConnectionsTable.status).all()
      for (const r of rows) byStatus[r.status as ConnectionStatus] = r.n
      const soonest = db.select({ at: sql<number | null>`min(${sentryConnectionsTable.expiresAt})` })
        .from(sentryConnectionsTable).where(eq(sentryConnectionsTable.status, 'ACTIVE')).get()
      return { byStatus, soonestExpiry: soonest?.at == null ? null : new Date(soonest.at) }
    },

    async listAllConnections (filter = {}) {
      const conditions = []
      if (filter.status !== undefined) conditions.push(eq(sentryConnectionsTable.status, filter.status))
      if (filter.userId !== undefined) conditions.push(eq(sentryConnectionsTable.userId, filter.userId))
      let query = db.select().from(sentryConnectionsTable).where(and(...conditions))
        .orderBy(asc(sentryConnectionsTable.createdAt), asc(sentryConnectionsTable.id)).$dynamic()
      if (filter.limit !== undefined) query = query.limit(filter.limit)
      const rows = query.all()
      const orgs = orgsOf(rows.map(r => r.id))
      return rows.map(r => toConnection(r, orgs.get(r.id) ?? []))
    },

    async listUsers (): Promise<UserSummary[]> {
      const rows = db.select({
        id: usersTable.id,
        createdAt: usersTable.createdAt,
        connections: sql<number>`count(${sentryConnectionsTable.id})`,
        active: sql<number>`coalesce(sum(case when ${sentryConnectionsTable.status} = 'ACTIVE' then 1 else 0 end), 0)`
      }).from(usersTable)
        .leftJoin(sentryConnectionsTable, eq(sentryConnectionsTable.userId, usersTable.id))
        .groupBy(usersTable.id).orderBy(asc(usersTable.createdAt), asc(usersTable.id)).all()
      return rows.map(r => ({ id: r.id, createdAt: new Date(r.createdAt), connections: r.connections, activeConnections: r.active }))
    },

    async staleConnections (issuedBefore, limit) {
      const rows = db.select({ id: sentryConnectionsTable.id, tokensIssuedAt: sentryConnectionsTable.tokensIssuedAt })
        .from(sentryConnectionsTable)
        .innerJoin(sentryTokensTable, eq(sentryTokensTable.connectionId, sentryConnectionsTable.id))
        .where(and(
          eq(sentryConnectionsTable.status, 'ACTIVE'),
          isNotNull(sentryTokensTable.refreshTokenCiphertext),
          or(isNull(sentryConnectionsTable.tokensIssuedAt), lt(sentryConnectionsTable.tokensIssuedAt, issuedBefore.getTime()))
        ))
        .orderBy(sql`coalesce(${sentryConnectionsTable.tokensIssuedAt}, 0)`, asc(sentryConnectionsTable.id))
        .limit(limit).all()
      return rows.map(r => ({ id: r.id, tokensIssuedAt: r.tokensIssuedAt === null ? null : new Date(r.tokensIssuedAt) }))
    },

    async reencryptAll () {
      const rows = db.select().from(sentryTokensTable).all()
      let rewritten = 0
      db.transaction(tx => {
        for (const row of rows) {
          if (row.keyId === cipher.currentKeyId) continue
          const plain = openTokens(cipher, row, null)
          const sealed = sealTokens(cipher, row.connectionId, plain.accessToken, plain.refreshToken)
          // The version is bumped so that a concurrent refresh in another process cannot overwrite silently.
          tx.update(sentryTokensTable).set({ ...sealed, version: row.version + 1, updatedAt: now() })
            .where(and(eq(sentryTokensTable.connectionId, row.connectionId), eq(sentryTokensTable.version, row.version))).run()
          rewritten++
        }
      }, { behavior: 'immediate' })
      return { total: rows.length, rewritten }
    },

    async close () {
      if (sqlite.open) sqlite.close()
    }
  }
}
