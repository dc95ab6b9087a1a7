/**
 * src/db/sqlite/viewer-memo.ts: a viewer record is read again as soon as the database changed,
 * whoever changed it (this connection, another connection, another process), and not before.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import t, { type Test } from 'tap'
import { createViewerMemo } from '../../../src/db/sqlite/viewer-memo.js'
import type { ViewerRecord } from '../../../src/db/store.js'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

function database (t: Test): { path: string, db: Database.Database } {
  const dir = mkdtempSync(join(tmpdir(), 'viewer-memo-'))
  const path = join(dir, 'gateway.db')
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.exec('create table users (id text primary key, generation integer not null)')
  db.prepare("insert into users values ('u1', 0), ('u2', 0)").run()
  t.teardown(() => { db.close(); rmSync(dir, { recursive: true, force: true }) })
  return { path, db }
}

/** A reader that builds the record from the table and counts its reads. */
function reader (db: Database.Database): { reads: number, read: (id: string) => () => ViewerRecord | null } {
  const get = db.prepare<[string], { generation: number }>('select generation from users where id = ?')
  const r = {
    reads: 0,
    read: (id: string) => () => {
      r.reads++
      const row = get.get(id)
      if (row === undefined) return null
      return {
        user: { id, issuer: null, subject: null, sessionGeneration: row.generation, createdAt: new Date(0) },
        connections: [{ id: 'c1', organizations: [{ orgId: '1', slug: 'acme', name: 'Acme', regionUrl: 'https://us.sentry.io' }], scopes: ['org:read'] } as unknown as ViewerRecord['connections'][number]],
        accessToken: () => null
      }
    }
  }
  return r
}

t.test('remembered until this connection writes', async t => {
  const { db } = database(t)
  const memo = createViewerMemo(db)
  const r = reader(db)
  const first = memo.viewer('u1', r.read('u1'))
  t.equal(memo.viewer('u1', r.read('u1')), first, 'the same record, not read again')
  t.equal(r.reads, 1)
  db.prepare("update users set generation = 1 where id = 'u1'").run()
  t.equal(memo.viewer('u1', r.read('u1'))?.user.sessionGeneration, 1)
  t.equal(r.reads, 2)
  db.prepare("update users set generation = 5 where id = 'u2'").run()
  memo.viewer('u1', r.read('u1'))
  t.equal(r.reads, 3, 'any write drops every remembered record')
})

t.test('read again after another connection or another process commits', async t => {
  const { path, db } = database(t)
  const memo = createViewerMemo(db)
  const r = reader(db)
  memo.viewer('u1', r.read('u1'))
  const second = new Database(path)
  second.prepare("update users set generation = 2 where id = 'u1'").run()
  second.close()
  t.equal(memo.viewer('u1', r.read('u1'))?.user.sessionGeneration, 2, 'another connection of this process')
  execFileSync(process.execPath, ['-e', `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(path)}); d.prepare("update users set generation = 3 where id = 'u1'").run(); d.close()`], { cwd: ROOT })
  t.equal(memo.viewer('u1', r.read('u1'))?.user.sessionGeneration, 3, 'another process')
  t.equal(r.reads, 3)
  memo.viewer('u1', r.read('u1'))
  t.equal(r.reads, 3, 'and remembered again')
})

t.test('an unknown user is not remembered; the memory is bounded; records are frozen', async t => {
  const { db } = database(t)
  const memo = createViewerMemo(db, 1)
  const r = reader(db)
  t.equal(memo.viewer('nobody', r.read('nobody')), null)
  t.equal(memo.viewer('nobody', r.read('nobody')), null)
  t.equal(r.reads, 2)
  const u1 = memo.viewer('u1', r.read('u1'))
  memo.viewer('u2', r.read('u2'))
  t.not(memo.viewer('u1', r.read('u1')), u1, 'u1 was dropped for u2 (one kept)')
  t.equal(r.reads, 5)
  const record = memo.viewer('u1', r.read('u1')) as ViewerRecord
  t.throws(() => { (record.connections as unknown[]).push(1) }, TypeError)
  t.throws(() => { (record.user as { id: string }).id = 'x' }, TypeError)
  t.throws(() => { (record.connections[0]?.organizations as unknown[]).pop() }, TypeError)
  t.throws(() => { (record.connections[0]?.scopes as string[]).push('org:admin') }, TypeError)
})
