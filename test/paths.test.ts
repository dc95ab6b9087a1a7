import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { CODE_ROOT, fromCode, fromPackageRoot, PACKAGE_ROOT } from '../src/paths.js'
import { MIGRATIONS_FOLDER } from '../src/db/sqlite/migrate.js'
import { PG_MIGRATIONS_FOLDER } from '../src/db/pg/store.js'
import { OPERATIONS_DIR, PERSISTED_QUERIES_FILE } from '../src/graphql/persisted.js'
import { SCHEMA_DIR } from '../src/graphql/schema.js'

const root = fileURLToPath(new URL('..', import.meta.url))

t.test('the package root and the code root are found from src/paths.ts', async t => {
  t.equal(PACKAGE_ROOT, join(root, '/'))
  t.equal(CODE_ROOT, join(root, 'src', '/'))
  t.equal(JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).name, 'sentry-graphql-gateway')
  t.equal(fromPackageRoot('schema'), join(root, 'schema'))
  t.equal(fromCode('graphql', 'operations'), join(root, 'src', 'graphql', 'operations'))
})

t.test('every folder and file read at run time by path resolves through it and exists', async t => {
  for (const [name, path] of Object.entries({ SCHEMA_DIR, MIGRATIONS_FOLDER, PG_MIGRATIONS_FOLDER, OPERATIONS_DIR, PERSISTED_QUERIES_FILE })) {
    t.ok(path.startsWith(PACKAGE_ROOT), `${name} is under the package root`)
    t.ok(existsSync(path), `${name} exists: ${path}`)
  }
})
