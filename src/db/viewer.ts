import type { AccessTokenRecord, ConnectionRecord, UserRecord, ViewerRecord } from './store.js'

/**
 * Turns the rows of the one-statement viewer read (users ⟕ connections ⟕ organizations ⟕ tokens,
 * one row per organization, ordered by connection) into a ViewerRecord. Both dialects select
 * the same column names; the access token is opened on first ask, once per connection.
 */
export interface ViewerRowBase {
  /** The connection's id; null when the user has no connection (one row, the user's). */
  id: string | null
  oOrgId: string | null
  oSlug: string | null
  oName: string | null
  oRegionUrl: string | null
  /** The access token's ciphertext; null when the connection has no token row. */
  tAccess: string | null
  tKeyId: string | null
  tVersion: number | null
}

export interface ViewerMapping<R extends ViewerRowBase> {
  user: (row: R) => UserRecord
  /** The connection of the row, its organizations left empty (filled here). */
  connection: (row: R) => ConnectionRecord
  /** Opens the access-token ciphertext of the row's connection. */
  openAccess: (connectionId: string, keyId: string, ciphertext: string) => string
}

export function assembleViewer<R extends ViewerRowBase> (rows: R[], map: ViewerMapping<R>): ViewerRecord | null {
  const first = rows[0]
  if (first === undefined) return null
  const connections: ConnectionRecord[] = []
  const sealed = new Map<string, { row: R, connection: ConnectionRecord }>()
  let current: ConnectionRecord | null = null
  for (const row of rows) {
    if (row.id === null) continue
    if (current?.id !== row.id) {
      current = map.connection(row)
      connections.push(current)
      if (row.tAccess !== null) sealed.set(row.id, { row, connection: current })
    }
    if (row.oOrgId !== null && row.oSlug !== null && row.oName !== null && row.oRegionUrl !== null) {
      current.organizations.push({ orgId: row.oOrgId, slug: row.oSlug, name: row.oName, regionUrl: row.oRegionUrl })
    }
  }
  const opened = new Map<string, AccessTokenRecord>()
  return {
    user: map.user(first),
    connections,
    accessToken (connectionId) {
      const hit = opened.get(connectionId)
      if (hit !== undefined) return hit
      const entry = sealed.get(connectionId)
      if (entry === undefined || entry.row.tKeyId === null || entry.row.tAccess === null || entry.row.tVersion === null) return null
      const record: AccessTokenRecord = {
        connectionId,
        accessToken: map.openAccess(connectionId, entry.row.tKeyId, entry.row.tAccess),
        expiresAt: entry.connection.expiresAt,
        version: entry.row.tVersion
      }
      opened.set(connectionId, record)
      return record
    }
  }
}
