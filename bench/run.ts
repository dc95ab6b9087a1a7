/**
 * `npm run bench`: what the gateway costs per request against the alternatives, side by side in
 * one run (absolute numbers mean little on a shared 2-core machine; ratios do).
 *
 * Processes (all on 127.0.0.1, all stopped at the end, on error too):
 *   emulator  src/emulator/main.ts, no latency, rate limit lifted
 *   gateway   the build as `npm start` runs it (package.json's start command, dist/server.bundle.js; built
 *             first), a temp SQLite database, the default LOG_LEVEL=info, NODE_ENV unset, with a
 *             session connected through the real OAuth flow over HTTP
 *   gateway-warn   the same at LOG_LEVEL=warn (same database and session)
 *   gateway-jwt    the same with AUTH_MODE=both, requests identified by a bearer JWT (HS256) whose
 *                  user was connected through POST /connect/sessions and the OAuth flow
 *   gateway-pg     the same on PostgreSQL (BENCH_PG_URL; its own database, its own OAuth flow)
 *   apollo    bench/apollo.ts: Apollo Server 5 + RESTDataSource, fixed token (the alternative)
 *   floor     bench/floor.ts: JSON.parse Sentry's answer, keep the selected fields, serialize (no GraphQL)
 *   proxy     bench/proxy.ts: forwards GET /api/0/… with a fixed token and returns the bytes
 * The load comes from this process (autocannon), the subjects taking turns, after a warm-up; the
 * gateways' stdout (a log line per request at info) goes to files, not through this process.
 * Before that: start-up time (spawn → first 2xx from /healthz) of the build and, for comparison,
 * of the sources through tsx. After: a long run for memory growth on a fresh gateway started with
 * --inspect=127.0.0.1:0 (to force a GC before each reading), one gateway per query under
 * --cpu-prof (summarised by bench/profile-summary.ts), and `npm run bench:refresh`.
 * Results: tables on stdout, bench/results/<UTC date and time>.json and bench/results/latest.json
 * (with BENCH_OUT set, only that file)
 * (profiles: bench/results/*.cpuprofile, not committed).
 *
 * Env: BENCH_SECONDS (8, per measured run), BENCH_WARMUP_SECONDS (5), BENCH_ROUNDS (2),
 * BENCH_CONNECTIONS (10), BENCH_LONG_REQUESTS (100000; 0 skips), BENCH_LONG_CONNECTIONS (20),
 * BENCH_PROFILE (all | auto = the query with the worst ratio | projects | issues | issueDetail | off),
 * BENCH_REFRESH (1; 0 skips bench:refresh), BENCH_STARTS (5 starts of each kind; 0 skips),
 * BENCH_SUBJECTS (comma list; default all: gateway,gateway-warn,gateway-jwt,gateway-pg,apollo,floor; the proxy always runs),
 * BENCH_QUERIES (comma list of query names; default all), BENCH_PG_URL (postgres://root@127.0.0.1:5432/postgres; a database perf_bench_<pid> is created
 * there and dropped at the end, on SIGINT/SIGTERM too; "off" skips PostgreSQL), BENCH_OUT (bench/results/latest.json).
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join, relative, resolve } from 'node:path'
import autocannon, { type Result } from 'autocannon'
import pg from 'pg'
import { BrowserLike } from '../test/helpers/browser-like.js'
import { signToken } from '../test/helpers/jwks.js'
import { runConnect } from '../test/helpers/connect-flow.js'
import { BUILT_SERVER, cpuMs, expectExit, freePort, PER_FILE_SERVER, ROOT, rssBytes, startArgs, startNode, stop, stopAll, waitForHttp, type Child, type StartOptions } from './processes.js'
import { issueListCollapse } from '../src/graphql/resolvers/issue.js'
import { memoryAfterGc } from './inspector.js'
import { printProfileSummary, summarizeProfile, type ProfileSummary } from './profile-summary.js'

// ---------------------------------------------------------------------------------------------
// Settings

function num (name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`)
  return n
}

const ALL_SUBJECTS = ['gateway', 'gateway-warn', 'gateway-jwt', 'gateway-pg', 'apollo', 'floor']
const SETTINGS = {
  seconds: num('BENCH_SECONDS', 8),
  // Long enough for a gateway's code to warm: after 2 s (~5k small requests) the next 3 s still
  // cost 445 µs CPU per projects request, the three windows after 304–317 µs (2026-12-01).
  warmupSeconds: num('BENCH_WARMUP_SECONDS', 5),
  rounds: Math.max(1, Math.round(num('BENCH_ROUNDS', 2))),
  connections: Math.max(1, Math.round(num('BENCH_CONNECTIONS', 10))),
  longRequests: Math.round(num('BENCH_LONG_REQUESTS', 100_000)),
  longConnections: Math.max(1, Math.round(num('BENCH_LONG_CONNECTIONS', 20))),
  starts: Math.round(num('BENCH_STARTS', 5)),
  profile: process.env.BENCH_PROFILE ?? 'all',
  refresh: process.env.BENCH_REFRESH !== '0',
  subjects: (process.env.BENCH_SUBJECTS ?? ALL_SUBJECTS.join(',')).split(',').map(x => x.trim()).filter(Boolean),
  pgUrl: process.env.BENCH_PG_URL ?? 'postgres://root@127.0.0.1:5432/postgres',
  /** BENCH_QUERIES: a comma list of query names; empty = all. */
  queries: (process.env.BENCH_QUERIES ?? '').split(',').map(x => x.trim()).filter(Boolean)
}
for (const x of SETTINGS.subjects) {
  if (!ALL_SUBJECTS.includes(x)) throw new Error(`BENCH_SUBJECTS: unknown subject "${x}" (known: ${ALL_SUBJECTS.join(', ')})`)
}
if (!SETTINGS.subjects.includes('gateway')) SETTINGS.subjects.unshift('gateway')
const OUT = resolve(ROOT, process.env.BENCH_OUT ?? 'bench/results/latest.json')
const RESULTS_DIR = join(ROOT, 'bench/results')
/** No load runs longer than this, whatever the calibration says. */
const MAX_RUN_MS = 10 * 60_000
const CLIENT_ID = 'bench-gateway'
const CLIENT_SECRET = randomBytes(24).toString('hex')
const ORG = 'acme'
/**
 * What the gateway asks Sentry to leave out of 100 issues selecting `id title project { slug }`,
 * from the gateway's own rule; the floor and Apollo get it as ISSUE_LIST_COLLAPSE.
 */
const ISSUE_LIST_COLLAPSE = issueListCollapse(new Set(['id', 'title', 'project'])).map((c) => `collapse=${c}`).join('&')
/** gateway-jwt's platform: HS256 tokens (the cheapest verification; bench:identity compares the algorithms). */
const JWT_SECRET = randomBytes(32).toString('hex')
const JWT_ISSUER = 'https://platform.example.com'
const JWT_AUDIENCE = 'sentry-gateway'

/** Children get a clean environment: nothing from the caller's SENTRY_* / NODE_ENV / DATABASE_URL. */
function baseEnv (): Record<string, string | undefined> {
  const { PATH, HOME, LANG, TMPDIR } = process.env
  return { PATH, HOME, LANG, TMPDIR }
}

// ---------------------------------------------------------------------------------------------
// Queries: each GraphQL operation next to the REST calls a raw client would make for it

interface QuerySpec {
  name: string
  label: string
  graphql: string
  /** The proxy path: one REST call, or /_seq?p=…&p=… for several in sequence. */
  rest: string
  restLabel: string
  /** Checks a GraphQL answer's data (errors are checked separately). */
  check: (data: any) => string | null
}

function querySpecs (issueId: string): QuerySpec[] {
  const issue = `/api/0/organizations/${ORG}/issues/${issueId}/`
  return [
    {
      name: 'projects',
      label: '(a) organization projects',
      graphql: `{ organization(slug: "${ORG}") { projects(first: 100) { nodes { id slug name platform } } } }`,
      rest: `/api/0/organizations/${ORG}/projects/?per_page=100`,
      restLabel: `GET /api/0/organizations/${ORG}/projects/`,
      check: (d) => (d?.organization?.projects?.nodes?.length > 0 ? null : 'no projects')
    },
    {
      name: 'issues',
      label: '(b) 100 issues with project',
      graphql: `{ organization(slug: "${ORG}") { issues(first: 100) { nodes { id title project { slug } } } } }`,
      // Every subject makes the gateway's upstream call: it asks Sentry to leave out what the
      // query does not read (src/graphql/resolvers/issue.ts, issueListCollapse).
      rest: `/api/0/organizations/${ORG}/issues/?limit=100&${ISSUE_LIST_COLLAPSE}`,
      restLabel: `GET /api/0/organizations/${ORG}/issues/?limit=100&${ISSUE_LIST_COLLAPSE}`,
      check: (d) => (d?.organization?.issues?.nodes?.length === 100 ? null : `expected 100 issues, got ${d?.organization?.issues?.nodes?.length}`)
    },
    {
      name: 'issueDetail',
      label: '(c) issue + latestEvent + 10 events',
      graphql: `{ organization(slug: "${ORG}") { issue(id: "${issueId}") { id title latestEvent { id eventID title } events(first: 10) { nodes { id } } } } }`,
      rest: `/_seq?${[issue, `${issue}events/latest/`, `${issue}events/?per_page=10`].map(p => `p=${encodeURIComponent(p)}`).join('&')}`,
      restLabel: `GET …/issues/${issueId}/ + …/events/latest/ + …/events/?per_page=10 (in sequence)`,
      check: (d) => {
        const i = d?.organization?.issue
        if (i?.id !== issueId) return 'issue missing'
        if (typeof i.latestEvent?.eventID !== 'string') return 'latestEvent missing'
        return i.events?.nodes?.length > 0 ? null : 'no events'
      }
    },
    {
      // The performance dashboard (README "Performance data"): p95 per transaction over 24 h, top 5 + other.
      name: 'dashboardTimeseries',
      label: '(d) p95 per transaction, 24 h, top 5',
      graphql: `{ organization(slug: "${ORG}") { timeseries(dataset: SPANS, yAxis: ["p95(span.duration)"], query: "is_transaction:true", groupBy: ["transaction"], topEvents: 5, sort: "-p95(span.duration)", statsPeriod: "24h", interval: "1h") { series { groupBy { key value } isOther valueUnit points { timestamp value incomplete } } } } }`,
      rest: `/api/0/organizations/${ORG}/events-timeseries/?${['dataset=spans', 'yAxis=p95(span.duration)', 'query=is_transaction:true', 'groupBy=transaction', 'topEvents=5', 'sort=-p95(span.duration)', 'statsPeriod=24h', 'interval=1h', 'sampling=NORMAL'].join('&')}`,
      restLabel: `GET /api/0/organizations/${ORG}/events-timeseries/ (top 5, 24 h)`,
      check: (d) => (d?.organization?.timeseries?.series?.length === 6 ? null : `expected 6 series, got ${d?.organization?.timeseries?.series?.length}`)
    }
  ]
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers

async function json (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${text.slice(0, 500)}`)
  return text === '' ? null : JSON.parse(text)
}

interface Counters { apiRequests: number, byRoute: Record<string, number>, rateLimited: number, refreshes: number }

interface ReqOpts { url: string, method: string, headers: Record<string, string>, body?: string, verifyBody: (b: string) => boolean }

interface Target {
  /** gateway, gateway-warn, gateway-pg, apollo, floor, proxy */
  kind: string
  label: string
  child: Child
  opts: (q: QuerySpec) => ReqOpts
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface Measure {
  requests: number
  seconds: number
  rps: number
  p50: number
  p99: number
  /** CPU ms the measured process used per request. */
  cpuMsPerReq: number
  emulatorCpuMsPerReq: number
  upstreamPerReq: number
  bytesPerResponse: number
  /** The highest RSS sampled during the load (every 250 ms), bytes. */
  rssMax: number
  problems: string[]
}

/**
 * autocannon's result, and `seconds`: from the start to the last answer. autocannon's own
 * `duration` ends at its next once-a-second sample after the last answer (lib/run.js,
 * tickInterval), so a run of a fixed amount reads up to a second long: up to 25 % of a 4 s
 * round's req/s, differently for each subject.
 */
type Loaded = Result & { seconds: number }

async function load (url: string, opts: { method: string, headers: Record<string, string>, body?: string, verifyBody: (b: string) => boolean }, shape: { amount?: number, duration?: number, connections: number }): Promise<Loaded> {
  const started = performance.now()
  let lastAnswer = started
  const run = autocannon({ url, method: opts.method, headers: opts.headers, body: opts.body, verifyBody: opts.verifyBody, connections: shape.connections, timeout: 30, ...(shape.amount === undefined ? { duration: shape.duration } : { amount: shape.amount }) })
  run.on('response', () => { lastAnswer = performance.now() })
  const guard = setTimeout(() => run.stop?.(), MAX_RUN_MS)
  try {
    const r = await run
    return Object.assign(r, { seconds: Math.max(lastAnswer - started, 1) / 1000 })
  } finally {
    clearTimeout(guard)
  }
}

function problemsOf (r: Result): string[] {
  const p: string[] = []
  if (r.errors > 0) p.push(`${r.errors} errors`)
  if (r.timeouts > 0) p.push(`${r.timeouts} timeouts`)
  if (r.non2xx > 0) p.push(`${r.non2xx} non-2xx (${JSON.stringify(r.statusCodeStats)})`)
  if (r.mismatches > 0) p.push(`${r.mismatches} bodies failed the check`)
  return p
}

/**
 * Waits until the emulator's request counter stops moving: a duration-bound load (warm-up)
 * leaves requests in flight whose upstream calls must not land in the next measurement.
 */
async function settle (emulatorUrl: string): Promise<Counters> {
  let last = await json('GET', `${emulatorUrl}/_emulator/counters`) as Counters
  for (let i = 0; i < 50; i++) {
    await new Promise(resolve => setTimeout(resolve, 150))
    const now = await json('GET', `${emulatorUrl}/_emulator/counters`) as Counters
    if (now.apiRequests === last.apiRequests) return now
    last = now
  }
  return last
}

async function measure (emulator: { url: string, child: Child }, target: Target, q: QuerySpec, shape: { amount?: number, duration?: number, connections: number }): Promise<Measure> {
  const o = target.opts(q)
  const c0 = await settle(emulator.url)
  const t0 = cpuMs(target.child.pid)
  const e0 = cpuMs(emulator.child.pid)
  let rssMax = rssBytes(target.child.pid)
  const sampler = setInterval(() => { try { rssMax = Math.max(rssMax, rssBytes(target.child.pid)) } catch {} }, 250)
  let r: Loaded
  try {
    r = await load(o.url, o, shape)
  } finally {
    clearInterval(sampler)
  }
  rssMax = Math.max(rssMax, rssBytes(target.child.pid))
  const t1 = cpuMs(target.child.pid)
  const e1 = cpuMs(emulator.child.pid)
  const c1 = await json('GET', `${emulator.url}/_emulator/counters`) as Counters
  const n = r.requests.total
  const problems = problemsOf(r)
  if (c1.rateLimited > c0.rateLimited) problems.push(`${c1.rateLimited - c0.rateLimited} upstream 429s`)
  return {
    requests: n,
    seconds: r.seconds,
    rps: n / r.seconds,
    p50: r.latency.p50,
    p99: r.latency.p99,
    cpuMsPerReq: (t1 - t0) / n,
    emulatorCpuMsPerReq: (e1 - e0) / n,
    upstreamPerReq: (c1.apiRequests - c0.apiRequests) / n,
    bytesPerResponse: r.throughput.total / n,
    rssMax,
    problems
  }
}

/** Sums rounds: per-request figures weighted by requests; latency percentiles averaged. */
function combine (rounds: Measure[]): Measure & { rounds: Measure[] } {
  const requests = rounds.reduce((s, m) => s + m.requests, 0)
  const seconds = rounds.reduce((s, m) => s + m.seconds, 0)
  const w = (f: (m: Measure) => number): number => rounds.reduce((s, m) => s + f(m) * m.requests, 0) / requests
  const avg = (f: (m: Measure) => number): number => rounds.reduce((s, m) => s + f(m), 0) / rounds.length
  return {
    requests,
    seconds,
    rps: requests / seconds,
    p50: avg(m => m.p50),
    p99: avg(m => m.p99),
    cpuMsPerReq: w(m => m.cpuMsPerReq),
    emulatorCpuMsPerReq: w(m => m.emulatorCpuMsPerReq),
    upstreamPerReq: w(m => m.upstreamPerReq),
    bytesPerResponse: w(m => m.bytesPerResponse),
    rssMax: Math.max(...rounds.map(m => m.rssMax)),
    problems: rounds.flatMap(m => m.problems),
    rounds
  }
}

const r2 = (n: number): number => Math.round(n * 100) / 100
const r3 = (n: number): number => Math.round(n * 1000) / 1000
const mb = (bytes: number): number => r2(bytes / 2 ** 20)

// ---------------------------------------------------------------------------------------------
// bench:refresh (another engineer's script): run it and read its console.table

type Profiled = ProfileSummary & { query: string, requests: number }

interface RefreshResult { ok: boolean, exitCode: number | null, rows: Array<Record<string, string | number>>, output: string, seconds: number }

export function parseConsoleTable (text: string): Array<Record<string, string | number>> {
  const lines = text.split('\n').filter(l => l.startsWith('│'))
  const cells = (l: string): string[] => l.split('│').slice(1, -1).map(c => c.trim().replace(/^'(.*)'$/, '$1'))
  const [header, ...body] = lines
  if (header === undefined) return []
  const names = cells(header)
  return body.map(l => {
    const row: Record<string, string | number> = {}
    cells(l).forEach((v, i) => {
      const k = names[i] ?? String(i)
      if (k === '(index)') return
      row[k] = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v
    })
    return row
  })
}

async function runRefreshBench (): Promise<RefreshResult> {
  const started = performance.now()
  const child = startNode('bench:refresh', join(ROOT, 'bench/refresh-stampede.ts'), baseEnv())
  expectExit(child)
  const timer = setTimeout(() => { void stop(child, 2000) }, 5 * 60_000)
  const exitCode = await child.exited
  clearTimeout(timer)
  const output = child.output()
  return { ok: exitCode === 0, exitCode, rows: parseConsoleTable(output), output, seconds: r2((performance.now() - started) / 1000) }
}

// ---------------------------------------------------------------------------------------------
// Start-up: spawn → first 2xx from /healthz

interface StartTimes {
  kind: string
  command: string
  runs: Array<{ wallMs: number, cpuMs: number }>
  medianWallMs: number
  medianCpuMs: number
  maxWallMs: number
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

async function measureStarts (kind: string, script: string, nodeArgs: string[], env: Record<string, string | undefined>, n: number): Promise<StartTimes> {
  const runs: StartTimes['runs'] = []
  for (let i = 0; i < n; i++) {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const started = performance.now()
    const child = startNode(`${kind} start ${i + 1}`, script, { ...env, PORT: String(port), PUBLIC_URL: url }, nodeArgs)
    await waitForHttp(`${url}/healthz`, child, 60_000, 5)
    runs.push({ wallMs: Math.round(performance.now() - started), cpuMs: Math.round(cpuMs(child.pid)) })
    await stop(child)
  }
  return {
    kind,
    command: `node ${[...nodeArgs, script.endsWith('.ts') ? '--import tsx' : '', relative(ROOT, script)].filter(Boolean).join(' ')}`,
    runs,
    medianWallMs: Math.round(median(runs.map(r => r.wallMs))),
    medianCpuMs: Math.round(median(runs.map(r => r.cpuMs))),
    maxWallMs: Math.max(...runs.map(r => r.wallMs))
  }
}

// ---------------------------------------------------------------------------------------------
// Goals (issue #12), as CPU per request ÷ a baseline measured in the same run

const GOALS: Record<string, { vs: 'proxy' | 'floor', max: number }> = {
  projects: { vs: 'proxy', max: 2.0 },
  issues: { vs: 'floor', max: 1.2 },
  issueDetail: { vs: 'proxy', max: 1.8 }
}
const THROUGHPUT_GOAL = { queries: ['projects', 'issueDetail'], min: 0.8 }
const RSS_GOAL_MB = 150
const START_GOAL_MS = 1000

const SUBJECT_LABELS: Record<string, string> = {
  proxy: 'raw pass-through (bench/proxy.ts)',
  floor: 'parse-and-pick floor (bench/floor.ts)',
  apollo: 'Apollo Server 5 + RESTDataSource (bench/apollo.ts)',
  gateway: 'gateway, SQLite, LOG_LEVEL=info',
  'gateway-warn': 'gateway, SQLite, LOG_LEVEL=warn',
  'gateway-jwt': 'gateway, SQLite, LOG_LEVEL=info, bearer JWT (HS256) instead of the cookie',
  'gateway-pg': 'gateway, PostgreSQL, LOG_LEVEL=info'
}

// ---------------------------------------------------------------------------------------------

async function main (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-bench-'))
  // A gateway's log lines go to a file in the temp dir, not through a pipe into this process,
  // whose event loop also drives the load (bench/processes.ts, StartOptions.stdoutFile).
  const logTo = (name: string): StartOptions => ({ stdoutFile: join(dir, `${name}.log`) })
  const startedAt = new Date()
  const t0 = performance.now()
  const log = (msg: string): void => { console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}`) }
  const loadAtStart = loadavg().map(r2)
  const wants = (x: string): boolean => SETTINGS.subjects.includes(x)
  const usePg = wants('gateway-pg') && SETTINGS.pgUrl !== 'off'
  const pgDatabase = `perf_bench_${process.pid}`
  let pgAdmin: pg.Client | null = null
  let cleaned: Promise<void> | null = null
  // Also what SIGINT/SIGTERM runs: an interrupted bench leaves no process, temp dir or database behind.
  cleanup = async () => {
    cleaned ??= (async () => {
      await stopAll()
      rmSync(dir, { recursive: true, force: true })
      if (pgAdmin !== null) {
        try { await pgAdmin.query(`drop database if exists ${pgDatabase} with (force)`) } catch (err) { console.error(`could not drop ${pgDatabase}:`, err) }
        await pgAdmin.end().catch(() => {})
      }
    })()
    await cleaned
  }
  try {
    // --- the build, as `npm ci` / `npm run build` makes it --------------------------------------
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    const nodeArgs = startArgs()
    log(`built dist/; the gateway runs as npm start does: node ${nodeArgs.join(' ')} ${relative(ROOT, BUILT_SERVER)}`)

    // --- processes ---------------------------------------------------------------------------
    const gatewayPort = await freePort()
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`
    const pgPort = await freePort()
    const pgGatewayUrl = `http://127.0.0.1:${pgPort}`
    const jwtPort = await freePort()
    const jwtGatewayUrl = `http://127.0.0.1:${jwtPort}`
    const emulatorChild = startNode('emulator', join(ROOT, 'src/emulator/main.ts'), {
      ...baseEnv(),
      EMULATOR_HOST: '127.0.0.1',
      EMULATOR_PORT: '0',
      EMULATOR_CLIENT_ID: CLIENT_ID,
      EMULATOR_CLIENT_SECRET: CLIENT_SECRET,
      EMULATOR_CLIENT_NAME: 'Gateway benchmark',
      EMULATOR_REDIRECT_URI: [gatewayUrl, pgGatewayUrl, jwtGatewayUrl].map(u => `${u}/oauth/sentry/callback`).join(',')
    })
    const emulatorUrl = (await emulatorChild.waitFor(/listening at (http:\/\/127\.0\.0\.1:\d+)/))[1] as string
    const emulator = { url: emulatorUrl, child: emulatorChild }
    // Sentry's default limit (470 requests per second per endpoint) would turn this into a 429 benchmark.
    await json('POST', `${emulatorUrl}/_emulator/rate-limit`, { limit: 1_000_000_000, windowSeconds: 1 })
    log(`emulator ${emulatorUrl} (pid ${emulatorChild.pid})`)

    // LOG_LEVEL unset: the gateway's default (info), what users run.
    const gatewayEnv: Record<string, string | undefined> = {
      ...baseEnv(),
      PORT: String(gatewayPort),
      HOST: '127.0.0.1',
      PUBLIC_URL: gatewayUrl,
      SENTRY_URL: emulatorUrl,
      SENTRY_CLIENT_ID: CLIENT_ID,
      SENTRY_CLIENT_SECRET: CLIENT_SECRET,
      DATABASE_URL: join(dir, 'gateway.db'),
      SESSION_SECRET: randomBytes(36).toString('base64'),
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64')
    }
    const gatewayChild = startNode('gateway', BUILT_SERVER, gatewayEnv, nodeArgs, logTo('gateway'))
    await waitForHttp(`${gatewayUrl}/healthz`, gatewayChild)
    log(`gateway ${gatewayUrl} (pid ${gatewayChild.pid})`)

    /** A platform user and a Sentry connection, through the real OAuth flow; the session cookie. */
    const connect = async (base: string): Promise<string> => {
      const browser = new BrowserLike()
      const flow = await runConnect(browser, base)
      if (flow.callback.status >= 400) throw new Error(`the OAuth callback answered ${flow.callback.status}: ${flow.callback.body.slice(0, 500)}`)
      const session = browser.cookie('gateway_session')
      if (session === undefined) throw new Error('no gateway_session cookie after the OAuth flow')
      return `${session.name}=${session.value}`
    }
    const cookie = await connect(gatewayUrl)
    log('session connected through the OAuth flow')

    /** `identity`: the session cookie, or { authorization: 'Bearer …' }; none for Apollo. */
    const gqlOpts = (base: string, path: string, identity?: string | { authorization: string }) => (q: QuerySpec): ReqOpts => ({
      url: `${base}${path}`,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(identity === undefined ? {} : typeof identity === 'string' ? { cookie: identity } : identity) },
      body: JSON.stringify({ query: q.graphql }),
      // A GraphQL error answers 200 too: every body is checked.
      verifyBody: (b: string) => b.startsWith('{"data":{') && !b.includes('"errors":[')
    })
    const targets: Target[] = []
    const gateway: Target = { kind: 'gateway', label: SUBJECT_LABELS.gateway as string, child: gatewayChild, opts: gqlOpts(gatewayUrl, '/graphql', cookie) }

    if (wants('gateway-warn')) {
      // Same database and secrets: the session cookie is valid there too.
      const port = await freePort()
      const url = `http://127.0.0.1:${port}`
      const child = startNode('gateway-warn', BUILT_SERVER, { ...gatewayEnv, PORT: String(port), PUBLIC_URL: url, LOG_LEVEL: 'warn' }, nodeArgs, logTo('gateway-warn'))
      await waitForHttp(`${url}/healthz`, child)
      targets.push({ kind: 'gateway-warn', label: SUBJECT_LABELS['gateway-warn'] as string, child, opts: gqlOpts(url, '/graphql', cookie) })
      log(`gateway-warn ${url} (pid ${child.pid})`)
    }
    if (wants('gateway-jwt')) {
      // Same database and secrets, AUTH_MODE=both: a platform user of a bearer JWT, connected
      // through a one-time connect session (POST /connect/sessions) and the OAuth flow.
      const jwtEnv = { AUTH_MODE: 'both', AUTH_JWT_SECRET: JWT_SECRET, AUTH_JWT_ISSUER: JWT_ISSUER, AUTH_JWT_AUDIENCE: JWT_AUDIENCE }
      const child = startNode('gateway-jwt', BUILT_SERVER, { ...gatewayEnv, PORT: String(jwtPort), PUBLIC_URL: jwtGatewayUrl, ...jwtEnv }, nodeArgs, logTo('gateway-jwt'))
      await waitForHttp(`${jwtGatewayUrl}/healthz`, child)
      const bearer = { authorization: `Bearer ${await signToken(JWT_SECRET, 'bench-user', { iss: JWT_ISSUER, aud: JWT_AUDIENCE, exp: 24 * 3600 })}` }
      const session = await json('POST', `${jwtGatewayUrl}/connect/sessions`, {}, bearer) as { url: string }
      const flow = await runConnect(new BrowserLike(), jwtGatewayUrl, { query: new URL(session.url).search, skipHome: true })
      if (flow.callback.status >= 400) throw new Error(`gateway-jwt: the OAuth callback answered ${flow.callback.status}: ${flow.callback.body.slice(0, 500)}`)
      targets.push({ kind: 'gateway-jwt', label: SUBJECT_LABELS['gateway-jwt'] as string, child, opts: gqlOpts(jwtGatewayUrl, '/graphql', bearer) })
      log(`gateway-jwt ${jwtGatewayUrl} (pid ${child.pid}), connected through a connect session`)
    }
    if (usePg) {
      pgAdmin = new pg.Client({ connectionString: SETTINGS.pgUrl })
      await pgAdmin.connect()
      await pgAdmin.query(`create database ${pgDatabase}`)
      const dbUrl = new URL(SETTINGS.pgUrl)
      dbUrl.pathname = `/${pgDatabase}`
      const child = startNode('gateway-pg', BUILT_SERVER, { ...gatewayEnv, PORT: String(pgPort), PUBLIC_URL: pgGatewayUrl, DATABASE_URL: dbUrl.href }, nodeArgs, logTo('gateway-pg'))
      await waitForHttp(`${pgGatewayUrl}/healthz`, child)
      const pgCookie = await connect(pgGatewayUrl)
      targets.push({ kind: 'gateway-pg', label: SUBJECT_LABELS['gateway-pg'] as string, child, opts: gqlOpts(pgGatewayUrl, '/graphql', pgCookie) })
      log(`gateway-pg ${pgGatewayUrl} (pid ${child.pid}, database ${pgDatabase}), connected through the OAuth flow`)
    }

    const token = await json('POST', `${emulatorUrl}/_emulator/tokens`, {
      clientId: CLIENT_ID, scopes: ['org:read', 'project:read', 'team:read', 'member:read', 'event:read']
    }) as { access_token: string }
    const fixedTokenEnv = { ...baseEnv(), UPSTREAM_URL: emulatorUrl, UPSTREAM_TOKEN: token.access_token, PORT: '0', ORG, ISSUE_LIST_COLLAPSE }
    const proxyChild = startNode('proxy', join(ROOT, 'bench/proxy.ts'), fixedTokenEnv)
    const proxyUrl = (await proxyChild.waitFor(/proxy listening at (http:\/\/127\.0\.0\.1:\d+)/))[1] as string
    log(`proxy ${proxyUrl} (pid ${proxyChild.pid})`)
    const proxy: Target = {
      kind: 'proxy',
      label: SUBJECT_LABELS.proxy as string,
      child: proxyChild,
      opts: (q) => ({ url: proxyUrl + q.rest, method: 'GET', headers: { accept: 'application/json' }, verifyBody: (b: string) => b.startsWith('[') || b.startsWith('{') })
    }
    let issueIdForFloor = ''
    if (wants('floor')) {
      const child = startNode('floor', join(ROOT, 'bench/floor.ts'), fixedTokenEnv)
      const url = (await child.waitFor(/floor listening at (http:\/\/127\.0\.0\.1:\d+)/))[1] as string
      targets.push({
        kind: 'floor',
        label: SUBJECT_LABELS.floor as string,
        child,
        opts: (q) => ({ url: `${url}/q/${q.name}?issue=${encodeURIComponent(issueIdForFloor)}`, method: 'GET', headers: { accept: 'application/json' }, verifyBody: (b: string) => b.startsWith('{"data":{') })
      })
      log(`floor ${url} (pid ${child.pid})`)
    }
    if (wants('apollo')) {
      const child = startNode('apollo', join(ROOT, 'bench/apollo.ts'), { ...fixedTokenEnv, NODE_ENV: 'production' })
      const url = (await child.waitFor(/apollo listening at (http:\/\/127\.0\.0\.1:\d+)/))[1] as string
      targets.push({ kind: 'apollo', label: SUBJECT_LABELS.apollo as string, child, opts: gqlOpts(url, '/') })
      log(`apollo ${url} (pid ${child.pid})`)
    }
    // Taking turns in this order: the baselines first, then the gateways.
    const ORDER = ['proxy', 'floor', 'apollo', 'gateway', 'gateway-warn', 'gateway-jwt', 'gateway-pg']
    const subjects = [proxy, gateway, ...targets].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind))

    // --- correctness before measuring ---------------------------------------------------------
    const first = await json('POST', `${gatewayUrl}/graphql`, { query: `{ organization(slug: "${ORG}") { issues(first: 1) { nodes { id } } } }` }, gateway.opts(querySpecs('')[0] as QuerySpec).headers)
    const issueId = first?.data?.organization?.issues?.nodes?.[0]?.id as string | undefined
    if (issueId === undefined) throw new Error(`no issue in the emulator seed: ${JSON.stringify(first).slice(0, 500)}`)
    issueIdForFloor = issueId
    const queries = querySpecs(issueId).filter(q => SETTINGS.queries.length === 0 || SETTINGS.queries.includes(q.name))
    if (queries.length === 0) throw new Error(`BENCH_QUERIES matches no query (known: ${querySpecs(issueId).map(q => q.name).join(', ')})`)
    for (const q of queries) {
      for (const t of subjects) {
        const o = t.opts(q)
        const res = await fetch(o.url, { method: o.method, headers: o.headers, body: o.body })
        const body = await res.text()
        if (res.status !== 200) throw new Error(`${t.kind} ${q.name} answered ${res.status}: ${body.slice(0, 300)}`)
        const parsed = JSON.parse(body)
        if (t.kind === 'proxy') continue
        if (parsed.errors !== undefined) throw new Error(`${t.kind} ${q.name}: GraphQL errors ${JSON.stringify(parsed.errors).slice(0, 1000)}`)
        const problem = q.check(parsed.data)
        if (problem !== null) throw new Error(`${t.kind} ${q.name}: ${problem}`)
      }
    }
    log(`answers checked on every subject (no errors); issue ${issueId}`)

    // --- start-up time ------------------------------------------------------------------------
    // Restarts on the existing (migrated) database, one process at a time, nothing else loaded.
    const startup: StartTimes[] = []
    if (SETTINGS.starts > 0) {
      startup.push(await measureStarts('build', BUILT_SERVER, nodeArgs, gatewayEnv, SETTINGS.starts))
      startup.push(await measureStarts('tsx', join(ROOT, 'src/server.ts'), [], gatewayEnv, SETTINGS.starts))
      for (const s of startup) log(`start-up (${s.command}): median ${s.medianWallMs} ms to /healthz (CPU ${s.medianCpuMs} ms), max ${s.maxWallMs} ms`)
    }

    // --- side by side --------------------------------------------------------------------------
    interface QueryResult {
      q: QuerySpec
      by: Map<string, ReturnType<typeof combine>>
      ratios: Map<string, number>
      roundRatios: Map<string, number[]>
    }
    const results: QueryResult[] = []
    for (const q of queries) {
      const amounts = new Map<Target, number>()
      for (const t of subjects) {
        const o = t.opts(q)
        const warm = await load(o.url, o, { duration: SETTINGS.warmupSeconds, connections: SETTINGS.connections })
        const problems = problemsOf(warm)
        if (problems.length > 0) throw new Error(`${q.name} warm-up on the ${t.kind}: ${problems.join(', ')}`)
        amounts.set(t, Math.max(200, Math.round((warm.requests.total / warm.seconds) * SETTINGS.seconds)))
      }
      const rounds = new Map<string, Measure[]>(subjects.map(t => [t.kind, []]))
      for (let i = 0; i < SETTINGS.rounds; i++) {
        for (const t of subjects) {
          const m = await measure(emulator, t, q, { amount: amounts.get(t), connections: SETTINGS.connections })
          rounds.get(t.kind)?.push(m)
          log(`${q.name} ${t.kind.padEnd(12)} round ${i + 1}: ${m.requests} req, ${m.rps.toFixed(0)} req/s, ${(m.cpuMsPerReq * 1000).toFixed(0)} µs CPU/req, RSS ≤ ${mb(m.rssMax)} MB${m.problems.length > 0 ? `, PROBLEMS: ${m.problems.join('; ')}` : ''}`)
        }
      }
      const by = new Map([...rounds].map(([k, ms]) => [k, combine(ms)]))
      const proxyM = by.get('proxy') as ReturnType<typeof combine>
      const ratios = new Map([...by].map(([k, m]) => [k, m.cpuMsPerReq / proxyM.cpuMsPerReq]))
      const roundRatios = new Map([...rounds].map(([k, ms]) => [k, ms.map((m, i) => m.cpuMsPerReq / ((rounds.get('proxy') as Measure[])[i] as Measure).cpuMsPerReq)]))
      results.push({ q, by, ratios, roundRatios })
    }
    // --- long run: memory ---------------------------------------------------------------------
    // Its own gateway process (server.ts, with the inspector on 127.0.0.1 so the bench can force
    // a full GC before reading memory; no debugger session stays attached during the load).
    let longRun: Record<string, unknown> | null = null
    if (SETTINGS.longRequests > 0) {
      const q = queries[0] as QuerySpec
      const port = await freePort()
      const url = `http://127.0.0.1:${port}`
      const child = startNode('gateway (long run)', BUILT_SERVER, { ...gatewayEnv, PORT: String(port), PUBLIC_URL: url }, [...nodeArgs, '--inspect=127.0.0.1:0'], logTo('gateway-long-run'))
      const wsUrl = (await child.waitFor(/Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/))[1] as string
      await waitForHttp(`${url}/healthz`, child)
      const o = gqlOpts(url, '/graphql', cookie)(q)
      const warmup = Math.min(SETTINGS.longRequests, Math.max(2000, Math.round(SETTINGS.longRequests / 20)))
      const w = await load(o.url, o, { amount: warmup, connections: SETTINGS.longConnections })
      const start = await memoryAfterGc(wsUrl)
      const rssStart = rssBytes(child.pid)
      const samples: Array<{ s: number, rssMB: number }> = []
      const started = performance.now()
      const sampler = setInterval(() => {
        try { samples.push({ s: r2((performance.now() - started) / 1000), rssMB: r2(rssBytes(child.pid) / 2 ** 20) }) } catch {}
      }, 2000)
      log(`long run: ${SETTINGS.longRequests} × ${q.name} on a fresh gateway (pid ${child.pid}) after ${warmup} warm-up requests, ${SETTINGS.longConnections} connections; RSS ${mb(rssStart)} MB, heap ${mb(start.heapUsed)} MB after GC`)
      const cpu0 = cpuMs(child.pid)
      let r: Loaded
      try {
        r = await load(o.url, o, { amount: SETTINGS.longRequests, connections: SETTINGS.longConnections })
      } finally {
        clearInterval(sampler)
      }
      const cpu1 = cpuMs(child.pid)
      const seconds = (performance.now() - started) / 1000
      const rssBeforeGc = rssBytes(child.pid)
      const end = await memoryAfterGc(wsUrl)
      const rssEnd = rssBytes(child.pid)
      await stop(child)
      const growth = ((rssEnd - rssStart) / rssStart) * 100
      longRun = {
        query: q.name,
        requests: r.requests.total,
        warmupRequests: w.requests.total,
        connections: SETTINGS.longConnections,
        seconds: r2(seconds),
        rps: Math.round(r.requests.total / r.seconds),
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        gatewayCpuUsPerReq: Math.round(((cpu1 - cpu0) / r.requests.total) * 1000),
        rssStartMB: mb(rssStart),
        rssEndMB: mb(rssEnd),
        growthPct: r2(growth),
        targetGrowthPct: 10,
        withinTarget: growth < 10,
        heapUsedStartMB: mb(start.heapUsed),
        heapUsedEndMB: mb(end.heapUsed),
        heapGrowthPct: r2(((end.heapUsed - start.heapUsed) / start.heapUsed) * 100),
        rssEndBeforeGcMB: mb(rssBeforeGc),
        rssMaxSampledMB: Math.max(mb(rssBeforeGc), ...samples.map(x => x.rssMB)),
        targetRssMB: RSS_GOAL_MB,
        note: 'start = after warm-up, end = after the long run; both read after two forced full GCs (inspector HeapProfiler.collectGarbage)',
        problems: problemsOf(r),
        rssSamples: samples
      }
      log(`long run: ${seconds.toFixed(1)} s, RSS ${mb(rssStart)} → ${mb(rssEnd)} MB (${longRun.growthPct}%), heap ${mb(start.heapUsed)} → ${mb(end.heapUsed)} MB`)
    }

    // --- profiles -----------------------------------------------------------------------------
    // A separate gateway process per query under --cpu-prof (profiling slows it down, so these
    // figures stay out of the table). Same database and secrets: the session cookie is valid.
    const profiles: Profiled[] = []
    const worst = [...results].sort((a, b) => (b.ratios.get('gateway') ?? 0) - (a.ratios.get('gateway') ?? 0))[0]
    const wanted = SETTINGS.profile === 'off'
      ? []
      : SETTINGS.profile === 'all'
        ? queries
        : queries.filter(q => q.name === (SETTINGS.profile === 'auto' ? worst?.q.name : SETTINGS.profile))
    for (const pq of wanted) {
      const profDir = join(dir, `prof-${pq.name}`)
      mkdirSync(profDir)
      const port = await freePort()
      const url = `http://127.0.0.1:${port}`
      // The per-file build (the same code as the start bundle, one module per file): the profile
      // then names packages and modules (bench/profile-summary.ts), not bundle chunks.
      const child = startNode(`gateway (profiling ${pq.name})`, PER_FILE_SERVER, { ...gatewayEnv, PORT: String(port), PUBLIC_URL: url }, [...nodeArgs, '--cpu-prof', `--cpu-prof-dir=${profDir}`], logTo(`gateway-profiling-${pq.name}`))
      await waitForHttp(`${url}/healthz`, child)
      const o = gqlOpts(url, '/graphql', cookie)(pq)
      await load(o.url, o, { duration: SETTINGS.warmupSeconds, connections: SETTINGS.connections })
      // Only the measured load counts: start-up (module loading, tsx) and warm-up are cut out.
      const fromUs = Number(process.hrtime.bigint() / 1000n)
      const r = await load(o.url, o, { duration: SETTINGS.seconds, connections: SETTINGS.connections })
      const toUs = Number(process.hrtime.bigint() / 1000n)
      await stop(child)
      const file = readdirSync(profDir).find(f => f.endsWith('.cpuprofile'))
      if (file === undefined) throw new Error(`the profiled gateway (${pq.name}) wrote no .cpuprofile`)
      const kept = join(RESULTS_DIR, `gateway-${pq.name}.cpuprofile`)
      mkdirSync(RESULTS_DIR, { recursive: true })
      copyFileSync(join(profDir, file), kept)
      const summary = summarizeProfile(kept, 25, { fromUs, toUs })
      profiles.push({ ...summary, file: relative(ROOT, kept), query: pq.name, requests: r.requests.total })
      log(`profiled ${pq.name}: ${r.requests.total} requests, ${relative(ROOT, kept)}`)
    }

    await stopAll()

    // --- refresh stampede ---------------------------------------------------------------------
    let refresh: RefreshResult | null = null
    if (SETTINGS.refresh) {
      log('npm run bench:refresh')
      refresh = await runRefreshBench()
      log(`bench:refresh ${refresh.ok ? 'OK' : `FAILED (exit ${refresh.exitCode})`} in ${refresh.seconds} s`)
    }

    // --- report -------------------------------------------------------------------------------
    const cpuModel = cpus()[0]?.model ?? 'unknown'
    let commit = 'unknown'
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
      if (execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '') commit += '+dirty'
    } catch {}

    const goals: Array<{ goal: string, value: number, target: string, met: boolean }> = []
    for (const r of results) {
      const g = r.by.get('gateway') as ReturnType<typeof combine>
      const goal = GOALS[r.q.name]
      const base = goal === undefined ? undefined : r.by.get(goal.vs)
      if (goal !== undefined && base !== undefined) {
        const v = g.cpuMsPerReq / base.cpuMsPerReq
        goals.push({ goal: `${r.q.name}: gateway CPU per request ÷ ${goal.vs}`, value: r2(v), target: `≤ ${goal.max}`, met: v <= goal.max })
      }
      const apollo = r.by.get('apollo')
      if (apollo !== undefined) {
        const v = g.cpuMsPerReq / apollo.cpuMsPerReq
        goals.push({ goal: `${r.q.name}: gateway CPU per request ÷ Apollo's`, value: r2(v), target: '< 1', met: v < 1 })
      }
      if (THROUGHPUT_GOAL.queries.includes(r.q.name)) {
        const v = g.rps / (r.by.get('proxy') as ReturnType<typeof combine>).rps
        goals.push({ goal: `${r.q.name}: gateway req/s ÷ proxy's`, value: r2(v), target: `≥ ${THROUGHPUT_GOAL.min}`, met: v >= THROUGHPUT_GOAL.min })
      }
    }
    const rssUnderLoad = Math.max(...results.map(r => (r.by.get('gateway') as ReturnType<typeof combine>).rssMax))
    goals.push({ goal: 'gateway RSS under load (max sampled, MB)', value: mb(rssUnderLoad), target: `≤ ${RSS_GOAL_MB}`, met: mb(rssUnderLoad) <= RSS_GOAL_MB })
    if (longRun !== null) {
      goals.push({ goal: `gateway RSS growth over ${longRun.requests} requests (%, after GC)`, value: longRun.growthPct as number, target: '< 10', met: longRun.withinTarget === true })
      goals.push({ goal: 'gateway RSS over the long run (max sampled, MB)', value: longRun.rssMaxSampledMB as number, target: `≤ ${RSS_GOAL_MB}`, met: (longRun.rssMaxSampledMB as number) <= RSS_GOAL_MB })
    }
    const built = startup.find(s => s.kind === 'build')
    if (built !== undefined) goals.push({ goal: 'start to /healthz, npm start (median ms)', value: built.medianWallMs, target: `< ${START_GOAL_MS}`, met: built.medianWallMs < START_GOAL_MS })
    if (refresh !== null) goals.push({ goal: 'refresh stampede: exactly one refresh per scenario', value: refresh.ok ? 1 : 0, target: '1', met: refresh.ok })

    const out = {
      date: startedAt.toISOString(),
      durationSeconds: Math.round((performance.now() - t0) / 1000),
      node: process.version,
      cpuModel,
      cores: cpus().length,
      memoryGB: r2(totalmem() / 2 ** 30),
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadavg().map(r2),
      commit,
      settings: SETTINGS,
      gatewayCommand: `node ${nodeArgs.join(' ')} ${relative(ROOT, BUILT_SERVER)}`,
      subjects: Object.fromEntries(subjects.map(t => [t.kind, t.label])),
      goals,
      startup,
      queries: results.map(({ q, by, ratios, roundRatios }) => ({
        name: q.name,
        label: q.label,
        graphql: q.graphql,
        rest: q.restLabel,
        /** Gateway (info) CPU per request ÷ the proxy's. */
        cpuRatio: r3(ratios.get('gateway') as number),
        cpuRatioPerRound: (roundRatios.get('gateway') ?? []).map(r3),
        /** Every subject's CPU per request ÷ the proxy's. */
        cpuRatioVsProxy: Object.fromEntries([...ratios].map(([k, v]) => [k, r3(v)])),
        gatewayVsFloor: by.has('floor') ? r3((by.get('gateway') as Measure).cpuMsPerReq / (by.get('floor') as Measure).cpuMsPerReq) : null,
        gatewayVsApollo: by.has('apollo') ? r3((by.get('gateway') as Measure).cpuMsPerReq / (by.get('apollo') as Measure).cpuMsPerReq) : null,
        gateway: summary(by.get('gateway') as ReturnType<typeof combine>),
        proxy: summary(by.get('proxy') as ReturnType<typeof combine>),
        bySubject: Object.fromEntries([...by].map(([k, m]) => [k, { ...summary(m), cpuRatioVsProxy: r3(ratios.get(k) as number), cpuRatioPerRound: (roundRatios.get(k) ?? []).map(r3) }]))
      })),
      longRun,
      profiles: profiles.map(p => ({
        query: p.query,
        requests: p.requests,
        cpuprofile: p.file,
        busyMs: p.busyMs,
        busyUsPerReq: Math.round((p.busyMs * 1000) / p.requests),
        byArea: p.byArea,
        byModule: p.byModule.slice(0, 20),
        byFunction: p.byFunction.slice(0, 25)
      })),
      refreshStampede: refresh === null ? null : { ok: refresh.ok, exitCode: refresh.exitCode, seconds: refresh.seconds, rows: refresh.rows }
    }
    mkdirSync(RESULTS_DIR, { recursive: true })
    // A run with its own BENCH_OUT (a trial) leaves no dated file behind.
    const dated = process.env.BENCH_OUT === undefined ? join(RESULTS_DIR, `${startedAt.toISOString().slice(0, 16).replace(':', '')}Z.json`) : OUT
    for (const file of new Set([dated, OUT])) writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`)

    console.log(`\n${cpuModel}, ${cpus().length} cores, Node ${process.version}, ${SETTINGS.connections} connections, ${SETTINGS.rounds} rounds of ~${SETTINGS.seconds} s per subject; load average at start ${loadAtStart.join(' ')}`)
    for (const r of results) {
      console.log(`\n${r.q.label}: ${r.q.graphql}`)
      const floor = r.by.get('floor')
      console.table([...r.by].map(([k, m]) => ({
        subject: k,
        'req/s': Math.round(m.rps),
        'p50 ms': r2(m.p50),
        'p99 ms': r2(m.p99),
        'CPU µs/req': Math.round(m.cpuMsPerReq * 1000),
        '× proxy': r2(r.ratios.get(k) as number),
        '× floor': floor === undefined ? '' : r2(m.cpuMsPerReq / floor.cpuMsPerReq),
        'per round': (r.roundRatios.get(k) ?? []).map(r2).join(' '),
        'upstream/req': r2(m.upstreamPerReq),
        'RSS max MB': mb(m.rssMax)
      })))
    }
    console.log('\nCPU per request ÷ the raw pass-through (same run):')
    console.table(results.map(r => {
      const row: Record<string, string | number> = { query: r.q.name }
      for (const k of subjects.map(t => t.kind).filter(k => k !== 'proxy')) row[k] = r2(r.ratios.get(k) as number)
      if (r.by.has('floor')) row['gateway ÷ floor'] = r2((r.by.get('gateway') as Measure).cpuMsPerReq / (r.by.get('floor') as Measure).cpuMsPerReq)
      row['gateway req/s ÷ proxy'] = r2((r.by.get('gateway') as Measure).rps / (r.by.get('proxy') as Measure).rps)
      return row
    }))
    if (startup.length > 0) {
      console.log('Start-up, spawn → /healthz (restart on a migrated database):')
      console.table(startup.map(s => ({ command: s.command, 'median ms': s.medianWallMs, 'max ms': s.maxWallMs, 'CPU ms (median)': s.medianCpuMs, runs: s.runs.map(x => x.wallMs).join(' ') })))
    }
    if (longRun !== null) {
      console.log(`Long run: ${longRun.requests} × ${longRun.query} (-c ${longRun.connections}) in ${longRun.seconds} s (${longRun.rps} req/s); gateway RSS after GC ${longRun.rssStartMB} → ${longRun.rssEndMB} MB: ${longRun.growthPct}% (target < 10%); heap used ${longRun.heapUsedStartMB} → ${longRun.heapUsedEndMB} MB; RSS max sampled ${longRun.rssMaxSampledMB} MB`)
    }
    for (const p of profiles) {
      console.log(`\n${p.query}: ${p.requests} requests under --cpu-prof`)
      printProfileSummary(p, 12)
    }
    if (refresh !== null) {
      console.log('Refresh stampede (npm run bench:refresh):')
      console.table(refresh.rows)
    }
    console.log('\nGoals (issue #12):')
    for (const g of goals) console.log(`  ${g.met ? 'MET    ' : 'NOT MET'} ${g.goal}: ${g.value} (target ${g.target})`)
    const allProblems = results.flatMap(r => [...r.by].flatMap(([k, m]) => m.problems.map(p => `${r.q.name} ${k}: ${p}`)))
    if (longRun !== null) allProblems.push(...(longRun.problems as string[]).map(p => `long run: ${p}`))
    if (refresh !== null && !refresh.ok) allProblems.push(`bench:refresh failed (exit ${refresh.exitCode})`)
    for (const p of allProblems) console.log(`PROBLEM ${p}`)
    console.log(`\nWrote ${[...new Set([dated, OUT])].map(f => relative(ROOT, f)).join(' and ')}`)
    if (allProblems.length > 0) process.exitCode = 1
  } finally {
    await cleanup()
  }
}

function summary (m: ReturnType<typeof combine>): Record<string, unknown> {
  return {
    requests: m.requests,
    rps: Math.round(m.rps),
    p50Ms: r2(m.p50),
    p99Ms: r2(m.p99),
    cpuUsPerReq: Math.round(m.cpuMsPerReq * 1000),
    upstreamCallsPerReq: r3(m.upstreamPerReq),
    emulatorCpuUsPerReq: Math.round(m.emulatorCpuMsPerReq * 1000),
    bytesPerResponse: Math.round(m.bytesPerResponse),
    rssMaxMB: mb(m.rssMax),
    problems: m.problems,
    rounds: m.rounds.map(r => ({ requests: r.requests, seconds: r2(r.seconds), rps: Math.round(r.rps), p50Ms: r.p50, p99Ms: r.p99, cpuUsPerReq: Math.round(r.cpuMsPerReq * 1000), rssMaxMB: mb(r.rssMax) }))
  }
}

/** Stops what main() started (processes, temp dir, PostgreSQL database); set by main(). */
let cleanup: () => Promise<void> = stopAll

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the bench's processes and dropping its PostgreSQL database`)
    void cleanup().finally(() => process.exit(130))
  })
}

try {
  await main()
} catch (err) {
  console.error(err)
  process.exitCode = 1
}
