/**
 * `npm run bench`: the gateway's CPU cost per request against a raw pass-through proxy, side by
 * side in one run (absolute numbers mean little on a shared 2-core machine; ratios do).
 *
 * Processes (all on 127.0.0.1, all stopped at the end, on error too):
 *   emulator  src/emulator/main.ts, no latency, rate limit lifted
 *   gateway   src/server.ts (the real entry point) on a temp database, LOG_LEVEL=warn, NODE_ENV unset,
 *             with a session connected through the real OAuth flow over HTTP
 *   proxy     bench/proxy.ts: forwards GET /api/0/… with a fixed token and returns the bytes
 * The load comes from this process (autocannon), gateway and proxy alternating, after a warm-up.
 * Then: a long run for memory growth on a fresh server.ts started with --inspect=127.0.0.1:0 (to
 * force a GC before each reading), one server.ts per query under --cpu-prof (summarised by
 * bench/profile-summary.ts), and `npm run bench:refresh`.
 * Results: a table on stdout and bench/results/latest.json (profiles: bench/results/*.cpuprofile,
 * not committed).
 *
 * Env: BENCH_SECONDS (8, per measured run), BENCH_WARMUP_SECONDS (2), BENCH_ROUNDS (2),
 * BENCH_CONNECTIONS (10), BENCH_LONG_REQUESTS (100000; 0 skips), BENCH_LONG_CONNECTIONS (20),
 * BENCH_PROFILE (all | auto = the query with the worst ratio | projects | issues | issueDetail | off),
 * BENCH_REFRESH (1; 0 skips bench:refresh), BENCH_OUT (bench/results/latest.json).
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join, relative, resolve } from 'node:path'
import autocannon, { type Result } from 'autocannon'
import { BrowserLike } from '../test/connect/client.js'
import { runConnect } from '../test/connect/flow.js'
import { cpuMs, expectExit, freePort, ROOT, rssBytes, startNode, stop, stopAll, waitForHttp, type Child } from './processes.js'
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

const SETTINGS = {
  seconds: num('BENCH_SECONDS', 8),
  warmupSeconds: num('BENCH_WARMUP_SECONDS', 2),
  rounds: Math.max(1, Math.round(num('BENCH_ROUNDS', 2))),
  connections: Math.max(1, Math.round(num('BENCH_CONNECTIONS', 10))),
  longRequests: Math.round(num('BENCH_LONG_REQUESTS', 100_000)),
  longConnections: Math.max(1, Math.round(num('BENCH_LONG_CONNECTIONS', 20))),
  profile: process.env.BENCH_PROFILE ?? 'all',
  refresh: process.env.BENCH_REFRESH !== '0'
}
const OUT = resolve(ROOT, process.env.BENCH_OUT ?? 'bench/results/latest.json')
const RESULTS_DIR = join(ROOT, 'bench/results')
/** No load runs longer than this, whatever the calibration says. */
const MAX_RUN_MS = 10 * 60_000
const CLIENT_ID = 'bench-gateway'
const CLIENT_SECRET = randomBytes(24).toString('hex')
const ORG = 'acme'

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
      rest: `/api/0/organizations/${ORG}/issues/?limit=100`,
      restLabel: `GET /api/0/organizations/${ORG}/issues/?limit=100`,
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

interface Target {
  kind: 'gateway' | 'proxy'
  child: Child
  opts: (q: QuerySpec) => { url: string, method: string, headers: Record<string, string>, body?: string, verifyBody: (b: string) => boolean }
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
  problems: string[]
}

async function load (url: string, opts: { method: string, headers: Record<string, string>, body?: string, verifyBody: (b: string) => boolean }, shape: { amount?: number, duration?: number, connections: number }): Promise<Result> {
  const run = autocannon({ url, method: opts.method, headers: opts.headers, body: opts.body, verifyBody: opts.verifyBody, connections: shape.connections, timeout: 30, ...(shape.amount === undefined ? { duration: shape.duration } : { amount: shape.amount }) })
  const guard = setTimeout(() => run.stop?.(), MAX_RUN_MS)
  try {
    return await run
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
  const r = await load(o.url, o, shape)
  const t1 = cpuMs(target.child.pid)
  const e1 = cpuMs(emulator.child.pid)
  const c1 = await json('GET', `${emulator.url}/_emulator/counters`) as Counters
  const n = r.requests.total
  const problems = problemsOf(r)
  if (c1.rateLimited > c0.rateLimited) problems.push(`${c1.rateLimited - c0.rateLimited} upstream 429s`)
  return {
    requests: n,
    seconds: r.duration,
    rps: n / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    cpuMsPerReq: (t1 - t0) / n,
    emulatorCpuMsPerReq: (e1 - e0) / n,
    upstreamPerReq: (c1.apiRequests - c0.apiRequests) / n,
    bytesPerResponse: r.throughput.total / n,
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

async function main (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-bench-'))
  const startedAt = new Date()
  const t0 = performance.now()
  const log = (msg: string): void => { console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}`) }
  try {
    // --- processes ---------------------------------------------------------------------------
    const gatewayPort = await freePort()
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`
    const emulatorChild = startNode('emulator', join(ROOT, 'src/emulator/main.ts'), {
      ...baseEnv(),
      EMULATOR_HOST: '127.0.0.1',
      EMULATOR_PORT: '0',
      EMULATOR_CLIENT_ID: CLIENT_ID,
      EMULATOR_CLIENT_SECRET: CLIENT_SECRET,
      EMULATOR_CLIENT_NAME: 'Gateway benchmark',
      EMULATOR_REDIRECT_URI: `${gatewayUrl}/oauth/sentry/callback`
    })
    const emulatorUrl = (await emulatorChild.waitFor(/listening at (http:\/\/127\.0\.0\.1:\d+)/))[1] as string
    const emulator = { url: emulatorUrl, child: emulatorChild }
    // Sentry's default limit (470 requests per second per endpoint) would turn this into a 429 benchmark.
    await json('POST', `${emulatorUrl}/_emulator/rate-limit`, { limit: 1_000_000_000, windowSeconds: 1 })
    log(`emulator ${emulatorUrl} (pid ${emulatorChild.pid})`)

    const gatewayEnv = {
      ...baseEnv(),
      PORT: String(gatewayPort),
      HOST: '127.0.0.1',
      PUBLIC_URL: gatewayUrl,
      SENTRY_URL: emulatorUrl,
      SENTRY_CLIENT_ID: CLIENT_ID,
      SENTRY_CLIENT_SECRET: CLIENT_SECRET,
      DATABASE_URL: join(dir, 'gateway.db'),
      SESSION_SECRET: randomBytes(36).toString('base64'),
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn'
    }
    const gatewayChild = startNode('gateway', join(ROOT, 'src/server.ts'), gatewayEnv)
    await waitForHttp(`${gatewayUrl}/healthz`, gatewayChild)
    log(`gateway ${gatewayUrl} (pid ${gatewayChild.pid})`)

    // A platform user and a Sentry connection, through the real OAuth flow.
    const browser = new BrowserLike()
    const flow = await runConnect(browser, gatewayUrl)
    if (flow.callback.status >= 400) throw new Error(`the OAuth callback answered ${flow.callback.status}: ${flow.callback.body.slice(0, 500)}`)
    const session = browser.cookie('gateway_session')
    if (session === undefined) throw new Error('no gateway_session cookie after the OAuth flow')
    const cookie = `${session.name}=${session.value}`
    log('session connected through the OAuth flow')

    const token = await json('POST', `${emulatorUrl}/_emulator/tokens`, {
      clientId: CLIENT_ID, scopes: ['org:read', 'project:read', 'team:read', 'member:read', 'event:read']
    }) as { access_token: string }
    const proxyChild = startNode('proxy', join(ROOT, 'bench/proxy.ts'), { ...baseEnv(), UPSTREAM_URL: emulatorUrl, UPSTREAM_TOKEN: token.access_token, PORT: '0' })
    const proxyUrl = (await proxyChild.waitFor(/proxy listening at (http:\/\/127\.0\.0\.1:\d+)/))[1] as string
    log(`proxy ${proxyUrl} (pid ${proxyChild.pid})`)

    const gqlHeaders = { 'content-type': 'application/json', accept: 'application/json', cookie }
    const gqlOpts = (base: string) => (q: QuerySpec) => ({
      url: `${base}/graphql`,
      method: 'POST',
      headers: gqlHeaders,
      body: JSON.stringify({ query: q.graphql }),
      // A GraphQL error answers 200 too: every body is checked.
      verifyBody: (b: string) => b.startsWith('{"data":{') && !b.includes('"errors":[')
    })
    const gateway: Target = { kind: 'gateway', child: gatewayChild, opts: gqlOpts(gatewayUrl) }
    const proxy: Target = {
      kind: 'proxy',
      child: proxyChild,
      opts: (q) => ({ url: proxyUrl + q.rest, method: 'GET', headers: { accept: 'application/json' }, verifyBody: (b: string) => b.startsWith('[') || b.startsWith('{') })
    }

    // --- correctness before measuring ---------------------------------------------------------
    const gql = async (base: string, query: string): Promise<any> => {
      const res = await json('POST', `${base}/graphql`, { query }, gqlHeaders)
      if (res.errors !== undefined) throw new Error(`GraphQL errors for ${query}: ${JSON.stringify(res.errors).slice(0, 1000)}`)
      return res.data
    }
    const first = await gql(gatewayUrl, `{ organization(slug: "${ORG}") { issues(first: 1) { nodes { id } } } }`)
    const issueId = first?.organization?.issues?.nodes?.[0]?.id as string | undefined
    if (issueId === undefined) throw new Error('no issue in the emulator seed')
    const queries = querySpecs(issueId)
    for (const q of queries) {
      const problem = q.check(await gql(gatewayUrl, q.graphql))
      if (problem !== null) throw new Error(`${q.name}: ${problem}`)
      const res = await fetch(proxyUrl + q.rest)
      const body = await res.text()
      if (res.status !== 200) throw new Error(`proxy ${q.rest} answered ${res.status}: ${body.slice(0, 300)}`)
      JSON.parse(body)
    }
    log(`GraphQL answers checked (no errors); issue ${issueId}`)

    // --- side by side --------------------------------------------------------------------------
    const results: Array<{ q: QuerySpec, gateway: ReturnType<typeof combine>, proxy: ReturnType<typeof combine>, ratio: number, roundRatios: number[] }> = []
    for (const q of queries) {
      const amounts = new Map<Target, number>()
      for (const t of [proxy, gateway]) {
        const o = t.opts(q)
        const warm = await load(o.url, o, { duration: SETTINGS.warmupSeconds, connections: SETTINGS.connections })
        const problems = problemsOf(warm)
        if (problems.length > 0) throw new Error(`${q.name} warm-up on the ${t.kind}: ${problems.join(', ')}`)
        amounts.set(t, Math.max(200, Math.round((warm.requests.total / warm.duration) * SETTINGS.seconds)))
      }
      const rounds: { gateway: Measure[], proxy: Measure[] } = { gateway: [], proxy: [] }
      for (let i = 0; i < SETTINGS.rounds; i++) {
        for (const t of [proxy, gateway]) {
          const m = await measure(emulator, t, q, { amount: amounts.get(t), connections: SETTINGS.connections })
          rounds[t.kind].push(m)
          log(`${q.name} ${t.kind.padEnd(7)} round ${i + 1}: ${m.requests} req, ${m.rps.toFixed(0)} req/s, ${(m.cpuMsPerReq * 1000).toFixed(0)} µs CPU/req${m.problems.length > 0 ? `, PROBLEMS: ${m.problems.join('; ')}` : ''}`)
        }
      }
      const g = combine(rounds.gateway)
      const p = combine(rounds.proxy)
      results.push({
        q,
        gateway: g,
        proxy: p,
        ratio: g.cpuMsPerReq / p.cpuMsPerReq,
        roundRatios: rounds.gateway.map((m, i) => m.cpuMsPerReq / (rounds.proxy[i] as Measure).cpuMsPerReq)
      })
    }

    // --- long run: memory ---------------------------------------------------------------------
    // Its own gateway process (server.ts, with the inspector on 127.0.0.1 so the bench can force
    // a full GC before reading memory; no debugger session stays attached during the load).
    let longRun: Record<string, unknown> | null = null
    if (SETTINGS.longRequests > 0) {
      const q = queries[0] as QuerySpec
      const port = await freePort()
      const url = `http://127.0.0.1:${port}`
      const child = startNode('gateway (long run)', join(ROOT, 'src/server.ts'), { ...gatewayEnv, PORT: String(port), PUBLIC_URL: url }, ['--inspect=127.0.0.1:0'])
      const wsUrl = (await child.waitFor(/Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/))[1] as string
      await waitForHttp(`${url}/healthz`, child)
      const o = gqlOpts(url)(q)
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
      let r: Result
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
        rps: Math.round(r.requests.total / r.duration),
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
    const worst = [...results].sort((a, b) => b.ratio - a.ratio)[0]
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
      const child = startNode(`gateway (profiling ${pq.name})`, join(ROOT, 'src/server.ts'), { ...gatewayEnv, PORT: String(port), PUBLIC_URL: url }, ['--cpu-prof', `--cpu-prof-dir=${profDir}`])
      await waitForHttp(`${url}/healthz`, child)
      const o = gqlOpts(url)(pq)
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
    const table = results.flatMap(({ q, gateway: g, proxy: p, ratio, roundRatios }) => [
      { query: q.name, target: 'gateway', 'req/s': Math.round(g.rps), 'p50 ms': r2(g.p50), 'p99 ms': r2(g.p99), 'CPU µs/req': Math.round(g.cpuMsPerReq * 1000), 'CPU ratio': r2(ratio), 'upstream/req': r2(g.upstreamPerReq), 'emulator µs/req': Math.round(g.emulatorCpuMsPerReq * 1000), 'resp bytes': Math.round(g.bytesPerResponse), 'ratio per round': roundRatios.map(r2).join(' ') },
      { query: '', target: 'proxy', 'req/s': Math.round(p.rps), 'p50 ms': r2(p.p50), 'p99 ms': r2(p.p99), 'CPU µs/req': Math.round(p.cpuMsPerReq * 1000), 'CPU ratio': 1, 'upstream/req': r2(p.upstreamPerReq), 'emulator µs/req': Math.round(p.emulatorCpuMsPerReq * 1000), 'resp bytes': Math.round(p.bytesPerResponse), 'ratio per round': '' }
    ])
    const cpuModel = cpus()[0]?.model ?? 'unknown'
    let commit = 'unknown'
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
      if (execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '') commit += '+dirty'
    } catch {}
    const out = {
      date: startedAt.toISOString(),
      durationSeconds: Math.round((performance.now() - t0) / 1000),
      node: process.version,
      cpuModel,
      cores: cpus().length,
      memoryGB: r2(totalmem() / 2 ** 30),
      loadAverageAtStart: loadavg().map(r2),
      commit,
      settings: SETTINGS,
      target: 'gateway CPU per request ≤ 1.3 × the raw proxy’s',
      queries: results.map(({ q, gateway: g, proxy: p, ratio, roundRatios }) => ({
        name: q.name,
        label: q.label,
        graphql: q.graphql,
        rest: q.restLabel,
        cpuRatio: r3(ratio),
        cpuRatioPerRound: roundRatios.map(r3),
        withinTarget: ratio <= 1.3,
        gateway: summary(g),
        proxy: summary(p)
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
    writeFileSync(OUT, `${JSON.stringify(out, null, 2)}\n`)

    console.log(`\nGateway vs raw proxy — ${cpuModel}, ${cpus().length} cores, Node ${process.version}, ${SETTINGS.connections} connections, ${SETTINGS.rounds} rounds of ~${SETTINGS.seconds} s each`)
    console.table(table)
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
    console.log('\nTargets:')
    for (const r of results) console.log(`  ${r.ratio <= 1.3 ? 'MET    ' : 'NOT MET'} ${r.q.name}: gateway CPU per request ${r2(r.ratio)} × the raw proxy's (target ≤ 1.3)`)
    if (longRun !== null) console.log(`  ${longRun.withinTarget === true ? 'MET    ' : 'NOT MET'} long run: RSS growth ${longRun.growthPct}% (target < 10%)`)
    if (refresh !== null) console.log(`  ${refresh.ok ? 'MET    ' : 'NOT MET'} refresh stampede: exactly one refresh per scenario`)
    const allProblems = results.flatMap(r => [...r.gateway.problems, ...r.proxy.problems].map(p => `${r.q.name}: ${p}`))
    if (longRun !== null) allProblems.push(...(longRun.problems as string[]).map(p => `long run: ${p}`))
    if (refresh !== null && !refresh.ok) allProblems.push(`bench:refresh failed (exit ${refresh.exitCode})`)
    for (const p of allProblems) console.log(`PROBLEM ${p}`)
    console.log(`\nWrote ${relative(ROOT, OUT)}`)
    if (allProblems.length > 0) process.exitCode = 1
  } finally {
    await stopAll()
    rmSync(dir, { recursive: true, force: true })
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
    problems: m.problems,
    rounds: m.rounds.map(r => ({ requests: r.requests, seconds: r2(r.seconds), rps: Math.round(r.rps), p50Ms: r.p50, p99Ms: r.p99, cpuUsPerReq: Math.round(r.cpuMsPerReq * 1000) }))
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the bench's processes`)
    void stopAll().finally(() => process.exit(130))
  })
}

try {
  await main()
} catch (err) {
  console.error(err)
  process.exitCode = 1
}
