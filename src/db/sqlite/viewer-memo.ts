import type { Database } from 'better-sqlite3'
import type { ViewerRecord } from '../store.js'

/** How many users' viewer records a SQLite store keeps between writes. */
export const REMEMBERED_VIEWERS = 1024

/**
 * Remembers Store.viewer's answers until the database changes. Every GraphQL request reads its
 * viewer (user, connections, organizations, access-token row; src/db/viewer.ts), and under load
 * that read was ~12 % of a small answer's CPU in the benchmark's profile, while the rows change
 * only when a connection is made, refreshed, revoked or removed, or sessions are signed out.
 *
 * Whether anything changed is asked of SQLite on every call, in two plucked statements (~1.9 µs
 * in a loop on this machine, against ~3.0 for one `select … from pragma_data_version` returning
 * both as a row, and ~35 µs for the read itself): `total_changes()` counts the rows this
 * connection inserted, updated or deleted (https://www.sqlite.org/lang_corefunc.html#total_changes),
 * and `PRAGMA data_version` changes when any other connection, in this process or another sharing
 * the file, commits (https://www.sqlite.org/pragma.html#pragma_data_version). When either moved,
 * everything remembered is dropped. Records are frozen: every request shares them.
 */
export interface ViewerMemo {
  viewer (userId: string, read: () => ViewerRecord | null): ViewerRecord | null
}

export function createViewerMemo (sqlite: Database, max = REMEMBERED_VIEWERS): ViewerMemo {
  const dataVersion = sqlite.prepare<[], number>('pragma data_version').pluck()
  const totalChanges = sqlite.prepare<[], number>('select total_changes()').pluck()
  let changes = -1
  let version = -1
  const viewers = new Map<string, ViewerRecord>()
  return {
    viewer (userId, read) {
      // Neither statement reads a table of ours: each always answers one row.
      const nowVersion = dataVersion.get() as number
      const nowChanges = totalChanges.get() as number
      if (nowChanges !== changes || nowVersion !== version) {
        viewers.clear()
        changes = nowChanges
        version = nowVersion
      } else {
        const hit = viewers.get(userId)
        if (hit !== undefined) return hit
      }
      const record = read()
      // A user that does not exist (yet) is not remembered: nothing fills this with misses.
      if (record === null) return null
      if (viewers.size >= max) viewers.delete(viewers.keys().next().value as string)
      viewers.set(userId, freezeViewer(record))
      return record
    }
  }
}

function freezeViewer (record: ViewerRecord): ViewerRecord {
  Object.freeze(record.user)
  for (const connection of record.connections) {
    for (const org of connection.organizations) Object.freeze(org)
    Object.freeze(connection.organizations)
    Object.freeze(connection.scopes)
    Object.freeze(connection)
  }
  Object.freeze(record.connections)
  return Object.freeze(record)
}
