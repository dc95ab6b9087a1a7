/**
 * Issue 10, defect 9 (start-up): database and dev-secrets failures print one line naming the
 * problem and exit 1, never a stack trace. Runs src/server.ts as `npm run dev` does, with a
 * clean environment. Also: describeStartupError's words for the other cases.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError } from '../src/config.js'
import { describeStartupError } from '../src/startup.js'
import { testEnv } from './helpers/env.js'

const root = fileURLToPath(new URL('..', import.meta.url))

async function start (env: Record<string, string>): Promise<{ code: number | null, stderr: string, stdout: string }> {
  // tap's NODE_OPTIONS and coverage hooks stay out of the child (see test/helpers/process.ts).
  const child = spawn('env', ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', process.execPath, '--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  let stdout = ''
  child.stderr.on('data', (d) => { stderr += String(d) })
  child.stdout.on('data', (d) => { stdout += String(d) })
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  clearTimeout(timer)
  return { code, stderr, stdout }
}

t.test('database and dev-secrets failures: one line, exit 1, no stack trace', async (t) => {
  const dir = t.testdir()
  const secrets = testEnv(dir)
  const withSecrets = { SESSION_SECRET: secrets.SESSION_SECRET as string, TOKEN_ENCRYPTION_KEY: secrets.TOKEN_ENCRYPTION_KEY as string, SENTRY_CLIENT_ID: 'a', SENTRY_CLIENT_SECRET: 'b' }
  mkdirSync(join(dir, 'corrupt'))
  writeFileSync(join(dir, 'corrupt', 'gateway.db'), 'this is not a SQLite database, just text that is long enough to be read'.repeat(100))
  mkdirSync(join(dir, 'folder', 'gateway.db'), { recursive: true })
  mkdirSync(join(dir, 'secrets-corrupt'))
  writeFileSync(join(dir, 'secrets-corrupt', 'dev-secrets.json'), '{ not json')
  mkdirSync(join(dir, 'secrets-folder', 'dev-secrets.json'), { recursive: true })
  // /sys refuses new files even to root: a read-only folder whatever the test's user.
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['a corrupt database file', { ...withSecrets, DATABASE_URL: join(dir, 'corrupt', 'gateway.db') }, /DATABASE_URL.*not a SQLite database or is damaged/],
    ['the database path is a folder', { ...withSecrets, DATABASE_URL: join(dir, 'folder', 'gateway.db') }, /DATABASE_URL.*(it is a folder|cannot be opened)/],
    ['a read-only database folder', { ...withSecrets, DATABASE_URL: '/sys/gateway-test.db' }, /DATABASE_URL.*(permission denied|read-only)/],
    ['a corrupt dev-secrets file', { DATABASE_URL: join(dir, 'secrets-corrupt', 'gateway.db') }, /DATABASE_URL: .*dev-secrets\.json is damaged/],
    ['dev-secrets is a folder', { DATABASE_URL: join(dir, 'secrets-folder', 'gateway.db') }, /DATABASE_URL: .*dev-secrets\.json is a folder/],
    ['a read-only folder for dev-secrets', { DATABASE_URL: '/sys/gateway-test/gateway.db' }, /DATABASE_URL: cannot create .*dev-secrets\.json: the folder is not writable/]
  ]
  const results = await Promise.all(cases.map(async ([, env]) => await start(env)))
  cases.forEach(([what, , words], i) => {
    const { code, stderr } = results[i] as { code: number | null, stderr: string }
    t.equal(code, 1, `${what}: exit 1`)
    t.match(stderr, words, `${what}: says what is wrong`)
    t.equal(stderr.trim().split('\n').length, 1, `${what}: one line (${JSON.stringify(stderr.slice(0, 300))})`)
    t.notMatch(stderr, /^\s+at /m, `${what}: no stack trace`)
  })
})

t.test('HOST=0.0.0.0 with the emulator is warned about', async (t) => {
  // The emulator mode starts a listening server: stop it as soon as the warning is out.
  const dir = t.testdir()
  const child = spawn('env', ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', process.execPath, '--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', SENTRY_EMULATOR_PORT: '0', HOST: '0.0.0.0', DATABASE_URL: join(dir, 'g.db') },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  const seen = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 60_000)
    const check = (d: unknown): void => {
      out += String(d)
      if (/HOST=0\.0\.0\.0 exposes/.test(out)) { clearTimeout(timer); resolve(true) }
    }
    child.stdout.on('data', check)
    child.stderr.on('data', check)
    child.once('exit', () => { clearTimeout(timer); resolve(false) })
  })
  child.kill('SIGTERM')
  await new Promise((resolve) => child.once('exit', resolve))
  t.ok(seen, 'the warning names HOST and the emulator')
})

t.test('a clean start writes nothing to stderr (no schema-compiler warnings, no stray output)', async (t) => {
  const dir = t.testdir()
  const child = spawn('env', ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', process.execPath, '--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', SENTRY_EMULATOR_PORT: '0', DATABASE_URL: join(dir, 'g.db') },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (d) => { stderr += String(d) })
  const listening = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 60_000)
    child.stdout.on('data', (d) => {
      stdout += String(d)
      if (stdout.includes('Server listening')) { clearTimeout(timer); resolve(true) }
    })
    child.once('exit', () => { clearTimeout(timer); resolve(false) })
  })
  child.kill('SIGTERM')
  await new Promise((resolve) => child.once('exit', resolve))
  t.ok(listening, 'the gateway started')
  t.equal(stderr, '', 'stderr is empty')
})

t.test('describeStartupError: one line per known failure, null for a bug', async (t) => {
  const ctx = { databasePath: '/data/g.db', host: '127.0.0.1', port: 3000 }
  t.equal(describeStartupError(new ConfigError('PORT', 'bad'), ctx), 'Invalid configuration: PORT: bad')
  t.match(describeStartupError(Object.assign(new Error('listen'), { code: 'EADDRINUSE' }), ctx), /127\.0\.0\.1:3000: the port is already in use/)
  t.match(describeStartupError(Object.assign(new Error('x'), { code: 'EADDRNOTAVAIL' }), ctx), /not available/)
  t.match(describeStartupError(Object.assign(new Error('x'), { code: 'EROFS', syscall: 'open', path: '/data/g.db' }), ctx), /open \/data\/g\.db failed, the file system is read-only/)
  t.match(describeStartupError(Object.assign(new Error('x'), { code: 'SQLITE_READONLY_DIRECTORY' }), ctx), /read-only/)
  t.match(describeStartupError(Object.assign(new Error('x'), { code: 'SQLITE_CANTOPEN' }), ctx), /cannot be opened/)
  t.match(describeStartupError(Object.assign(new Error('x'), { code: 'SQLITE_BUSY' }), ctx), /locked/)
  t.match(describeStartupError(Object.assign(new Error('disk I/O error\nmore'), { code: 'SQLITE_IOERR' }), ctx), /\/data\/g\.db: disk I\/O error \(SQLITE_IOERR\)/)
  t.equal(describeStartupError(new TypeError('a bug')), null)
  t.equal(describeStartupError('a string'), null)
})
