/**
 * scripts/build.mjs and `npm start`: the build runs on its own (no tsx), finds every file it reads
 * at run time (schema/, drizzle/, GraphQL operations and allow-list, emulator fixtures, GraphiQL's
 * vendor files), and its stack traces name the TypeScript sources.
 * The build goes to its own folder below the package root (like dist/), removed at the end.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:http'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL, fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { request } from 'undici'
import { loadSchema } from '../../src/graphql/schema.js'
import { loadPersistedQueries } from '../../src/graphql/persisted.js'
import { BrowserLike } from '../helpers/browser-like.js'
import { runConnect } from '../helpers/connect-flow.js'
import { startTestEmulator } from '../helpers/emulator.js'
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET } from '../helpers/env.js'
import { signToken } from '../helpers/jwks.js'
import { createTestDatabase } from '../helpers/postgres.js'
import { freePort, waitForListening } from '../helpers/process.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
const outName = `.build-test-${process.pid}`
const out = join(root, outName)

/** `npm start`'s node arguments with dist/ replaced by the test's build folder. */
function startArgs (): string[] {
  const m = /^node (.*)dist\/server\.bundle\.js$/.exec(pkg.scripts.start ?? '')
  if (m === null) throw new Error(`unexpected start script: ${pkg.scripts.start}`)
  return [...(m[1] as string).trim().split(/\s+/).filter(Boolean), join(out, 'server.bundle.js')]
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

t.test('package.json: npm ci builds (prepare), npm start runs the start bundle with source maps, npm run dev watches the sources', async t => {
  t.equal(pkg.scripts.prepare, 'npm run build')
  t.equal(pkg.scripts.build, 'node scripts/build.mjs')
  // The V8 heap setting: README "Memory" (measured with bench/ab.ts and npm run bench).
  t.equal(pkg.scripts.start, 'node --enable-source-maps --heap-growing-percent=50 dist/server.bundle.js')
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

t.test('the start bundle: our code and the bundled dependencies in dist/server.bundle*.js, maps with our sources only', async t => {
  const bundle = readdirSync(out).filter(f => /^server\.bundle(-[A-Z0-9]+)?\.js$/.test(f))
  t.ok(bundle.includes('server.bundle.js'), 'the entry')
  t.ok(bundle.length > 1, 'chunks for what is loaded with import()')
  const sources = new Set<string>()
  let unmapped = 0
  for (const f of bundle) {
    const js = readFileSync(join(out, f), 'utf8')
    const linked = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(js)?.[1]
    if (linked === undefined) {
      unmapped++
      t.notOk(existsSync(join(out, `${f}.map`)), `${f}: no map, and no map file left behind`)
      continue
    }
    t.equal(linked, `${f}.map`)
    const map = JSON.parse(readFileSync(join(out, linked), 'utf8')) as { sources: string[], mappings: string }
    t.ok(map.sources.length > 0 && map.mappings.length > 0, `${f}: a map with mappings`)
    for (const s of map.sources) sources.add(s)
  }
  t.ok(unmapped > 0, 'chunks holding dependencies only have no map')
  t.ok(sources.has('../src/server.ts') && sources.has('../src/config.ts') && sources.has('../src/emulator/index.ts'), 'our sources, the emulator chunk included')
  t.same([...sources].filter(s => !s.startsWith('../src/')), [], 'no dependency in any map')

  const code = bundle.map(f => readFileSync(join(out, f), 'utf8')).join('\n')
  for (const name of ['fastify', 'mercurius', 'graphql', 'undici']) {
    t.notMatch(code, new RegExp(`(?:from\\s*|require\\()["']${name}["']`), `${name} is bundled`)
  }
  t.match(code, /__require\("better-sqlite3"\)|from\s*"better-sqlite3"/, 'a native addon is loaded from node_modules')
  // mercurius serves GraphiQL's page from __dirname/../static: its bundled code keeps its own place.
  t.match(code, /__bundleOriginal\("\.\.\/node_modules\/mercurius\/lib\/routes\.js"\)/)
})

t.test('the start bundle maps its code back to the TypeScript sources as Node loads it (--enable-source-maps)', async t => {
  // The entry runs the server at once: a too-short key makes it exit after loadConfig threw,
  // and the exit handler asks Node for the original position of loadConfig's first line.
  const files = readdirSync(out).filter(f => /^server\.bundle.*\.js$/.test(f))
  const holder = files.find(f => /function loadConfig\(/.test(readFileSync(join(out, f), 'utf8')))
  if (holder === undefined) throw new Error('loadConfig is in no bundle file')
  const lines = readFileSync(join(out, holder), 'utf8').split('\n')
  const line = lines.findIndex(l => /function loadConfig\(/.test(l))
  const column = (lines[line] as string).indexOf('function loadConfig(')
  const script = `import { findSourceMap } from 'node:module'
process.on('exit', () => { console.log(JSON.stringify(findSourceMap(${JSON.stringify(join(out, holder))})?.findEntry(${line}, ${column}) ?? null)) })
await import(${JSON.stringify(pathToFileURL(join(out, 'server.bundle.js')).href)})`
  const child = node([...startArgs().slice(0, -1), '--input-type=module', '-e', script], { TOKEN_ENCRYPTION_KEY: 'short' })
  let text = ''
  let errors = ''
  child.stdout?.on('data', d => { text += String(d) })
  child.stderr?.on('data', d => { errors += String(d) })
  const [code] = await once(child, 'exit')
  t.equal(code, 1, 'the invalid configuration stops the start')
  t.match(errors, /Invalid configuration: .*TOKEN_ENCRYPTION_KEY/)
  const entry = JSON.parse(text.trim().split('\n').at(-1) ?? 'null') as { originalSource?: string, originalLine?: number } | null
  t.match(entry?.originalSource, /\/src\/config\.ts$/, 'the bundle maps loadConfig to src/config.ts')
  const sourceLine = readFileSync(join(root, 'src/config.ts'), 'utf8').split('\n')[entry?.originalLine ?? -1]
  t.match(sourceLine, /function loadConfig\s*\(/, 'on the line that declares it')
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
  const page = await request(`${url}/graphiql`)
  t.equal(page.statusCode, 200, 'GraphiQL page (mercurius, from its static folder in node_modules)')
  t.match(await page.body.text(), /<html/i)
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

t.test('the start bundle runs what it loads with import(): PostgreSQL, the OAuth client, bearer JWTs, metrics and tracing', async t => {
  const traces: string[] = []
  const sink = createServer((req, res) => {
    let body = ''
    req.on('data', d => { body += String(d) })
    req.on('end', () => { traces.push(`${req.method ?? ''} ${req.url ?? ''} ${body.length}`); res.writeHead(200, { 'content-type': 'application/json' }).end('{}') })
  })
  await new Promise<void>(resolve => sink.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { sink.close() })
  const secret = 'bundle-test-secret-'.padEnd(40, 'x')
  const port = await freePort()
  const metricsPort = await freePort()
  const url = `http://127.0.0.1:${port}`
  const emulator = await startTestEmulator(t)
  const child = node(startArgs(), {
    DATABASE_URL: await createTestDatabase(t, 'bundle'),
    PORT: String(port),
    PUBLIC_URL: url,
    SENTRY_URL: emulator.url,
    SENTRY_CLIENT_ID: TEST_CLIENT_ID,
    SENTRY_CLIENT_SECRET: TEST_CLIENT_SECRET,
    SESSION_SECRET: randomBytes(36).toString('base64'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    AUTH_MODE: 'both',
    AUTH_JWT_SECRET: secret,
    AUTH_JWT_ISSUER: 'https://platform.example.com',
    AUTH_JWT_AUDIENCE: 'sentry-gateway',
    METRICS_PORT: String(metricsPort),
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(sink.address() as { port: number }).port}`,
    LOG_LEVEL: 'info'
  })
  t.teardown(() => { child.kill('SIGKILL') })
  await waitForListening(child, 60_000)
  t.same(await (await fetch(`${url}/healthz`)).json(), { status: 'ok', database: 'ok' }, 'PostgreSQL migrated and reachable')

  const browser = new BrowserLike()
  const flow = await runConnect(browser, url)
  t.equal(flow.start.status, 302, 'the OAuth client (loaded at the first connect) redirected to Sentry')
  t.ok(flow.callback.status < 400, 'the code exchange stored a connection')
  const session = browser.cookie('gateway_session')
  const query = JSON.stringify({ query: '{ viewer { sentryAccounts { status } } organization(slug: "acme") { projects(first: 5) { nodes { slug } } } }' })
  const bySession = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: `${session?.name ?? ''}=${session?.value ?? ''}` }, body: query })
  const answer = await bySession.json() as { data?: { viewer?: { sentryAccounts?: unknown[] }, organization?: { projects?: { nodes?: unknown[] } } }, errors?: unknown }
  t.equal(answer.errors, undefined)
  t.same(answer.data?.viewer?.sentryAccounts, [{ status: 'ACTIVE' }], 'the session user sees its connection')
  t.ok((answer.data?.organization?.projects?.nodes?.length ?? 0) > 0, 'and Sentry data through it')

  const viewerQuery = JSON.stringify({ query: '{ viewer { sentryAccounts { status } } }' })
  const byJwt = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await signToken(secret, 'bundle-user')}` }, body: viewerQuery })
  t.same(await byJwt.json(), { data: { viewer: { sentryAccounts: [] } } }, 'a valid bearer JWT is accepted (a user with no connection yet)')
  const forged = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await signToken('another-secret-'.padEnd(40, 'y'), 'bundle-user')}` }, body: viewerQuery })
  t.equal(forged.status, 401, 'a token signed with another secret is refused')
  await forged.body?.cancel()

  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
  t.match(metrics, /gateway_http_request_duration_seconds_count\{[^}]*route="\/graphql"/, 'metrics on METRICS_PORT')

  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  t.equal(code, 0, 'clean shutdown')
  t.ok(traces.some(l => l.startsWith('POST /v1/traces ')), 'spans exported to OTEL_EXPORTER_OTLP_ENDPOINT (flushed at shutdown)')
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
