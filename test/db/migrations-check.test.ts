import t from 'tap'
import { cpSync, mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DIALECTS, pendingMigrations } from '../../src/db/migrations-check.js'

t.test('the committed migrations of both dialects match their schemas', async t => {
  t.same(pendingMigrations(DIALECTS.sqlite), [])
  t.same(pendingMigrations(DIALECTS.pg), [])
})

t.test('a schema change without a migration is reported, for each dialect', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'db-check-test-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, layout] of Object.entries(DIALECTS)) {
    // A copy of the schema with one more column, next to the real one so its imports resolve.
    const schema = layout.schema.replace(/schema\.ts$/, `schema.drift-${process.pid}.ts`)
    t.teardown(() => rmSync(schema, { force: true }))
    writeFileSync(schema, readFileSync(layout.schema, 'utf8').replace("keyId: text('key_id').notNull(),", "keyId: text('key_id').notNull(),\n  drift: text('drift'),"))
    const out = join(dir, name)
    cpSync(layout.out, out, { recursive: true })
    const pending = pendingMigrations({ ...layout, schema, out })
    t.equal(pending.length, 1, `${name}: one migration would be added`)
    t.match(readFileSync(layout.out + '/meta/_journal.json', 'utf8'), /"idx": 0/, `${name}: the committed folder is untouched`)
  }
})
