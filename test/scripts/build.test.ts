/**
 * scripts/build.mjs and `npm start`: the build runs on its own (no tsx), finds every file it reads
 * at run time (schema/, drizzle/, GraphQL operations and allow-list, emulator fixtures, GraphiQL's
 * vendor files), and its stack traces name the TypeScript sources.
 * The build goes to its own folder below the package root (like dist/), removed at the end.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL, fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { request } from 'undici'
import { loadSchema } from '../../src/graphql/schema.js'
import { loadPersistedQueries } from '../../src/graphql/persisted.js'
import { waitForListening } from '../helpers/process.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
const outName = `.build-test-${process.pid}`
const out = join(root, outName)

/** `npm start`'s node arguments with dist/ replaced by the test's build folder. */
function startArgs (): string[] {
  const m = /^node (.*)dist\/server\.js$/.exec(pkg.scripts.start ?? '')
  if (m === null) throw new Error(`unexpected start script: ${pkg.scripts.start}`)
  return [...(m[1] as string).trim().split(/\s+/).filter(Boolean), join(out, 'server.js')]
}

/** A node child without tap's NODE_OPTIONS / coverage (plain node, as `npm start` runs). */
function node (args: string[], env: Record<string, string>): ChildProcess {
  return spawn('env', ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', process.execPath, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
}

t.before(async () => {
  rmSync(out, { recursive: true, force: true })
  await promisify(execFile)(process.execPath, [join(root, 'scripts/build.mjs'), outName], { cwd: root, env: { PATH: process.env.PATH ?? '' } })
})
t.teardown(() => { rmSync(out, { recursive: true, force: true }) })

t.test('package.json: npm ci builds (prepare), npm start runs the build with source maps, npm run dev watches the sources', async t => {
  t.equal(pkg.scripts.prepare, 'npm run build')
  t.equal(pkg.scripts.build, 'node scripts/build.mjs')
  t.equal(pkg.scripts.start, 'node --enable-source-maps dist/server.js')
  t.match(pkg.scripts.dev, /^tsx watch .*src\/server\.ts$/)
})

t.test('the build has one module per source file, a source map each, and the non-TypeScript files next to them', async t => {
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true })
    .flatMap(e => e.isDirectory() ? files(join(dir, e.name)).map(f => `${e.name}/${f}`) : [e.name])
  const src = files(join(root, 'src'))
  const built = new Set(files(out))
  for (const f of src) {
    if (f.endsWith('.ts')) {
      const js = f.replace(/\.ts$/, '.js')
      t.ok(built.has(js) && built.has(`${js}.map`), `${js} and its map`)
    } else {
      t.ok(built.has(f), `${f} copied`)
    }
  }
  const map = JSON.parse(readFileSync(join(out, 'server.js.map'), 'utf8')) as { sources: string[] }
  t.same(map.sources, ['../src/server.ts'])
})

t.test('the built modules resolve the files read at run time to the same places as the sources', async t => {
  const paths = await import(pathToFileURL(join(out, 'paths.js')).href) as typeof import('../../src/paths.js')
  t.equal(paths.PACKAGE_ROOT, join(root, '/'))
  t.equal(paths.CODE_ROOT, join(out, '/'))
  const schema = await import(pathToFileURL(join(out, 'graphql/schema.js')).href) as typeof import('../../src/graphql/schema.js')
  t.same(schema.loadSchema(), loadSchema(), 'schema/*.graphql')
  const persisted = await import(pathToFileURL(join(out, 'graphql/persisted.js')).href) as typeof import('../../src/graphql/persisted.js')
  t.same(persisted.loadPersistedQueries(), loadPersistedQueries(), 'the allow-list')
  t.same(readdirSync(persisted.OPERATIONS_DIR), readdirSync(join(root, 'src/graphql/operations')), 'the operations')
  const migrate = await import(pathToFileURL(join(out, 'db/sqlite/migrate.js')).href) as typeof import('../../src/db/sqlite/migrate.js')
  t.ok(existsSync(join(migrate.MIGRATIONS_FOLDER, 'meta/_journal.json')), 'the SQLite migrations')
  const pgStore = await import(pathToFileURL(join(out, 'db/pg/store.js')).href) as typeof import('../../src/db/pg/store.js')
  t.ok(existsSync(join(pgStore.PG_MIGRATIONS_FOLDER, 'meta/_journal.json')), 'the PostgreSQL migrations')
})

t.test('npm start from the build: zero-config start with the emulator, database, GraphQL and GraphiQL', async t => {
  const dir = t.testdir()
  const child = node(startArgs(), { DATABASE_URL: join(dir, 'data', 'g.db'), PORT: '0', SENTRY_EMULATOR_PORT: '0', LOG_LEVEL: 'info' })
  t.teardown(() => { child.kill('SIGKILL') })
  const { url, output: outputNow } = await waitForListening(child, 60_000)
  const output = outputNow()
  const emulatorUrl = /local Sentry emulator at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
  t.ok(emulatorUrl, 'the emulator started (its modules and JSON fixtures loaded)')
  const counters = await request(`${emulatorUrl}/_emulator/counters`)
  t.equal(counters.statusCode, 200)
  await counters.body.dump()

  const health = await request(`${url}/healthz`)
  t.same(await health.body.json(), { status: 'ok', database: 'ok' }, 'migrated database')
  const gql = await request(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }) })
  t.same(await gql.body.json(), { data: { __schema: { queryType: { name: 'Query' } } } }, 'schema loaded')
  const main = await request(`${url}/graphiql/main.js`)
  const body = await main.body.text()
  const vendor = /\/graphiql\/vendor\/react@[^'"`]+\.js/.exec(body)?.[0]
  t.ok(vendor, 'GraphiQL page rewritten to local vendor files')
  const asset = await request(`${url}${vendor ?? '/none'}`)
  t.equal(asset.statusCode, 200, `${vendor} served from node_modules`)
  await asset.body.dump()

  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  t.equal(code, 0, 'clean shutdown')
})

t.test('stack traces from the build name the TypeScript sources (--enable-source-maps)', async t => {
  const script = `import(${JSON.stringify(pathToFileURL(join(out, 'config.js')).href)}).then(m => { try { m.loadConfig({ TOKEN_ENCRYPTION_KEY: 'short' }) } catch (e) { console.log(e.stack) } })`
  const child = node([...startArgs().slice(0, -1), '--input-type=module', '-e', script], {})
  let text = ''
  child.stdout?.on('data', d => { text += String(d) })
  await once(child, 'exit')
  t.match(text, /TOKEN_ENCRYPTION_KEY/)
  t.match(text, /src\/config\.ts:\d+:\d+/, 'frames point at src/config.ts')
  t.notMatch(text, /\.build-test-\d+\/config\.js/, 'not at the built file')
})
