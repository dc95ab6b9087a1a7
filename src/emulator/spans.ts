/**
 * Procedural, deterministic performance data: spans for any time window, traces rebuilt from their
 * ids, error rows from the seeded events, and release-health sessions.
 *
 * Spans are derived from hashes of (project, transaction, minute) like api/stats.ts, so a window
 * relative to `state.now()` always has data and two requests for the same window agree. A trace id
 * encodes (minute, project, transaction, sequence) plus a check hash, so `GET …/trace/{id}/`
 * regenerates exactly the spans a table showed, and a made-up id resolves to nothing.
 * Shapes follow Sentry's span attributes (S = getsentry/sentry, src/sentry/search/eap/spans/).
 */
import type { IssueRec, OrgRec, ProjectRec } from './model.js'
import type { World } from './serialize.js'
import type { MinuteEntry, SpanRec, SpanStatus } from './span-cache.js'
import { hexId, seededRandom } from './util.js'

export const MINUTE_MS = 60_000

export type { SpanRec, SpanStatus } from './span-cache.js'

interface TransactionDef { name: string, op: string, medianMs: number, rate: number, failure: number, children: Array<[string, string]> }

const DB: Array<[string, string]> = [['db', 'SELECT * FROM users WHERE id = %s'], ['db', 'INSERT INTO orders (user_id, total) VALUES (%s, %s)'], ['db', 'SELECT COUNT(*) FROM invoices']]
const CACHE: Array<[string, string]> = [['cache.get', 'user:profile:*'], ['cache.get', 'catalog:products']]
const HTTP: Array<[string, string]> = [['http.client', 'GET https://payments.example.com/v2/charges'], ['http.client', 'POST https://mail.example.com/send']]
const BROWSER: Array<[string, string]> = [['resource.script', '/static/app.js'], ['browser.paint', 'first-contentful-paint'], ['http.client', 'GET /api/users'], ['ui.render', 'Dashboard']]

/** Transactions per platform: name, op, median duration (ms), segments per minute, failure share, child kinds. */
const TRANSACTIONS: Record<string, TransactionDef[]> = {
  javascript: [
    { name: '/dashboard', op: 'pageload', medianMs: 900, rate: 0.5, failure: 0.01, children: BROWSER },
    { name: '/checkout', op: 'pageload', medianMs: 1400, rate: 0.3, failure: 0.02, children: BROWSER },
    { name: '/settings/profile', op: 'navigation', medianMs: 350, rate: 0.2, failure: 0.01, children: BROWSER }
  ],
  python: [
    { name: 'GET /api/users', op: 'http.server', medianMs: 120, rate: 0.6, failure: 0.01, children: [...DB, ...CACHE] },
    { name: 'POST /api/orders', op: 'http.server', medianMs: 340, rate: 0.3, failure: 0.08, children: [...DB, ...HTTP] },
    { name: 'GET /api/reports/{id}', op: 'http.server', medianMs: 900, rate: 0.15, failure: 0.02, children: DB },
    { name: 'task.process_invoice', op: 'queue.task.celery', medianMs: 2200, rate: 0.1, failure: 0.05, children: [...DB, ...HTTP] }
  ],
  node: [
    { name: 'GET /v1/health', op: 'http.server', medianMs: 8, rate: 0.6, failure: 0, children: CACHE },
    { name: 'POST /v1/checkout', op: 'http.server', medianMs: 450, rate: 0.25, failure: 0.04, children: [...HTTP, ...CACHE] },
    { name: 'GET /v1/products', op: 'http.server', medianMs: 95, rate: 0.4, failure: 0.01, children: [...CACHE, ...DB] }
  ],
  'react-native': [
    { name: 'HomeScreen', op: 'ui.load', medianMs: 700, rate: 0.3, failure: 0.01, children: BROWSER },
    { name: 'CartScreen', op: 'ui.load', medianMs: 950, rate: 0.15, failure: 0.03, children: BROWSER }
  ],
  go: [
    { name: 'job.sync_inventory', op: 'queue.process', medianMs: 1800, rate: 0.1, failure: 0.03, children: [...DB, ...HTTP] },
    { name: 'GET /internal/metrics', op: 'http.server', medianMs: 15, rate: 0.3, failure: 0, children: CACHE }
  ],
  ruby: [
    { name: 'InvoicesController#index', op: 'http.server', medianMs: 260, rate: 0.3, failure: 0.02, children: DB },
    { name: 'PaymentsController#create', op: 'http.server', medianMs: 520, rate: 0.2, failure: 0.05, children: [...DB, ...HTTP] }
  ],
  java: [
    { name: 'GET /tps/reports', op: 'http.server', medianMs: 300, rate: 0.2, failure: 0.02, children: DB }
  ]
}

const SDKS: Record<string, string> = {
  javascript: 'sentry.javascript.react',
  'react-native': 'sentry.javascript.react-native',
  node: 'sentry.javascript.node',
  python: 'sentry.python.django',
  go: 'sentry.go',
  ruby: 'sentry.ruby.rails',
  java: 'sentry.java.spring-boot'
}

function transactionsOf (p: ProjectRec): TransactionDef[] {
  return p.environments.length === 0 ? [] : TRANSACTIONS[p.platform] ?? []
}

function u32 (...parts: Array<string | number>): number {
  return parseInt(hexId(...parts).slice(0, 8), 16)
}

/** A log-normal sample around `median` (sigma 0.5), from two uniforms (Box–Muller). */
function logNormal (median: number, rnd: () => number): number {
  const z = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd())
  return Math.round(median * Math.exp(0.5 * z) * 1000) / 1000
}

function hex2 (n: number): string {
  return n.toString(16).padStart(2, '0')
}

/** The trace id of segment `seq` of (project, transaction, minute); the tail is a check hash. */
export function traceIdOf (minute: number, projectIndex: number, txIndex: number, seq: number): string {
  const head = minute.toString(16).padStart(8, '0') + hex2(projectIndex) + hex2(txIndex) + hex2(seq)
  return head + hexId('trace', head).slice(0, 18)
}

/** How many segments (0–2) start in (project, transaction, minute). */
function segmentCount (projectId: string, txName: string, minute: number, rate: number): number {
  const r = u32('segments', projectId, txName, minute) / 0x1_0000_0000
  return r < rate * rate * 0.3 ? 2 : r < rate ? 1 : 0
}

/** The releases a project ships, oldest first (the last one is current). */
export function projectReleases (w: World, p: ProjectRec): string[] {
  return w.data.releases.filter((r) => r.projectIds.includes(p.id)).map((r) => r.version)
}

/** The release a span or session of `p` runs at `ms`: the newest from 2 days back, older before. */
function releaseAt (releases: string[], minute: number, salt: number): string | null {
  if (releases.length === 0) return null
  const n = releases.length
  return releases[Math.max(0, n - 1 - (salt % 3 === 0 ? 1 : 0) - (minute % 7 === 0 && n > 2 ? 1 : 0))] ?? null
}

/** What every segment of one project shares, looked up once per project and minute rather than per segment. */
interface ProjectContext { releases: string[], errorIssues: IssueRec[] }

function projectContext (w: World, org: OrgRec, p: ProjectRec): ProjectContext {
  return {
    releases: projectReleases(w, p),
    errorIssues: w.data.issues.filter((i) => i.orgId === org.id && i.projectId === p.id && (i.kind === 'error' || i.kind === 'null-culprit'))
  }
}

/**
 * Every span of one segment's trace part (the segment and its children), deterministic. Without
 * `withChildren` only the segment is returned: the children's durations are still drawn (they set
 * the segment's self time and consume the same random numbers), but their ids and records are not built.
 */
function buildSegment (p: ProjectRec, ctx: ProjectContext, pIndex: number, tx: TransactionDef, txIndex: number, minute: number, seq: number, withChildren = true): SpanRec[] {
  const traceId = traceIdOf(minute, pIndex, txIndex, seq)
  const rnd = seededRandom(u32('segment', traceId))
  const startMs = minute * MINUTE_MS + Math.floor(rnd() * 59_000)
  const durationMs = Math.max(1, logNormal(tx.medianMs, rnd))
  const failed = rnd() < tx.failure
  const status: SpanStatus = failed ? (rnd() < 0.7 ? 'internal_error' : 'deadline_exceeded') : (tx.op === 'http.server' && rnd() < 0.01 ? 'not_found' : 'ok')
  const environment = p.environments[u32('env', traceId) % 10 < 8 ? 0 : 1 % p.environments.length] ?? 'production'
  const release = releaseAt(ctx.releases, minute, u32('rel', traceId))
  const segmentSpanId = hexId('span', traceId, 0).slice(0, 16)
  const transactionId = hexId('txn', traceId)
  const user = `id:${1000 + (u32('user', traceId) % 400)}`
  const sdkName = SDKS[p.platform] ?? 'sentry.native'
  const issues = failed && status === 'internal_error' ? ctx.errorIssues : []
  const linked = issues.length > 0 ? [issues[u32('issue', traceId) % issues.length] as IssueRec] : []
  const base = { traceId, transactionId, segmentSpanId, transaction: tx.name, project: p, environment, release, sdkName, user }
  const httpStatus = (code: SpanStatus): string | null => tx.op !== 'http.server' ? null : code === 'ok' ? '200' : code === 'not_found' ? '404' : code === 'deadline_exceeded' ? '504' : '500'
  const segment: SpanRec = {
    ...base,
    spanId: segmentSpanId,
    parentSpanId: null,
    isTransaction: true,
    op: tx.op,
    description: tx.name,
    status,
    startMs,
    durationMs,
    selfTimeMs: durationMs,
    httpStatus: httpStatus(status),
    issues: linked
  }
  const spans: SpanRec[] = [segment]
  const n = 2 + Math.floor(rnd() * 5)
  let cursor = startMs
  // The previous child's window, for nesting when its record is not built.
  let prevStart = startMs
  let prevDuration = durationMs
  for (let k = 1; k <= n; k++) {
    const [op, description] = tx.children[Math.floor(rnd() * tx.children.length)] ?? ['function', 'work']
    // A third of the children nest under the previous child, so traces are deeper than two levels.
    const nested = k > 1 && rnd() < 0.35
    const parent = nested && withChildren ? spans[spans.length - 1] as SpanRec : segment
    const parentStart = nested ? prevStart : startMs
    const parentEnd = parentStart + (nested ? prevDuration : durationMs)
    const room = Math.max(0.001, parentEnd - cursor)
    const childStart = Math.min(cursor, parentEnd)
    const childDuration = Math.max(0.001, Math.round(room * (0.1 + rnd() * 0.4) * 1000) / 1000)
    if (withChildren) {
      const child: SpanRec = {
        ...base,
        spanId: hexId('span', traceId, k).slice(0, 16),
        parentSpanId: parent.spanId,
        isTransaction: false,
        op,
        description,
        status: failed && k === n ? status : 'ok',
        startMs: childStart,
        durationMs: childDuration,
        selfTimeMs: childDuration,
        httpStatus: null,
        issues: []
      }
      spans.push(child)
    }
    if (withChildren || !nested) parent.selfTimeMs = Math.max(0, Math.round((parent.selfTimeMs - childDuration) * 1000) / 1000)
    prevStart = childStart
    prevDuration = childDuration
    cursor = childStart + childDuration
  }
  return spans
}

export interface ProjectSlot { project: ProjectRec, index: number }

/** The projects of `org` that emit spans, with their index in the seed (part of trace ids). */
export function spanProjects (w: World, org: OrgRec): ProjectSlot[] {
  return w.data.projects.map((project, index) => ({ project, index })).filter(({ project }) => project.orgId === org.id && transactionsOf(project).length > 0)
}

/** One (project, minute) from the cache, generating (only the segments unless `withChildren`) on a miss. */
function minuteOf (w: World, org: OrgRec, slot: ProjectSlot, minute: number, withChildren: boolean, contexts: Map<string, ProjectContext>): MinuteEntry {
  const { project, index } = slot
  const key = `${project.id}:${minute}`
  const cached = w.spanCache.get(key)
  if (cached !== undefined && (cached.all !== null || !withChildren)) return cached
  let ctx = contexts.get(project.id)
  if (ctx === undefined) {
    ctx = projectContext(w, org, project)
    contexts.set(project.id, ctx)
  }
  const segments: SpanRec[] = []
  const all: SpanRec[] | null = withChildren ? [] : null
  for (const [txIndex, tx] of transactionsOf(project).entries()) {
    const count = segmentCount(project.id, tx.name, minute, tx.rate)
    for (let seq = 0; seq < count; seq++) {
      const spans = buildSegment(project, ctx, index, tx, txIndex, minute, seq, withChildren)
      segments.push(spans[0] as SpanRec)
      if (all !== null) for (const s of spans) all.push(s)
    }
  }
  const entry = { segments, all }
  w.spanCache.set(key, entry)
  return entry
}

/** Every span whose segment starts in `minute`, for the given projects. */
export function spansOfMinute (w: World, org: OrgRec, slots: readonly ProjectSlot[], minute: number): SpanRec[] {
  const out: SpanRec[] = []
  const contexts = new Map<string, ProjectContext>()
  for (const slot of slots) {
    for (const s of minuteOf(w, org, slot, minute, true, contexts).all ?? []) out.push(s)
  }
  return out
}

/**
 * Every span starting in [startMs, endMs), in generation order; with `segmentsOnly` just the segments
 * (`is_transaction:true`), in the same relative order, without building their children.
 */
export function spansInWindow (w: World, org: OrgRec, slots: readonly ProjectSlot[], startMs: number, endMs: number, segmentsOnly = false): SpanRec[] {
  const out: SpanRec[] = []
  const contexts = new Map<string, ProjectContext>()
  for (let minute = Math.floor(startMs / MINUTE_MS); minute * MINUTE_MS < endMs; minute++) {
    for (const slot of slots) {
      const entry = minuteOf(w, org, slot, minute, !segmentsOnly, contexts)
      for (const span of (segmentsOnly ? entry.segments : entry.all ?? [])) {
        if (span.startMs >= startMs && span.startMs < endMs) out.push(span)
      }
    }
  }
  return out
}

/** The spans of a generated trace id, or null when the id is not one (or not of this org). */
export function generatedTrace (w: World, org: OrgRec, traceId: string): SpanRec[] | null {
  if (!/^[0-9a-f]{32}$/.test(traceId)) return null
  const minute = parseInt(traceId.slice(0, 8), 16)
  const pIndex = parseInt(traceId.slice(8, 10), 16)
  const txIndex = parseInt(traceId.slice(10, 12), 16)
  const seq = parseInt(traceId.slice(12, 14), 16)
  if (traceIdOf(minute, pIndex, txIndex, seq) !== traceId) return null
  const project = w.data.projects[pIndex]
  if (project === undefined || project.orgId !== org.id) return null
  const tx = transactionsOf(project)[txIndex]
  if (tx === undefined || seq >= segmentCount(project.id, tx.name, minute, tx.rate)) return null
  return buildSegment(project, projectContext(w, org, project), pIndex, tx, txIndex, minute, seq)
}

// ---------------------------------------------------------------------------------------------
// Seeded error events: their trace ids resolve to a small trace around the error.

/** The trace id the seeded event carries in `contexts.trace.trace_id`. */
export function seededTraceId (eventId: string): string {
  return hexId('seeded-trace', eventId)
}

/** The span id of the span the seeded event happened in. */
export function seededSpanId (eventId: string): string {
  return hexId('seeded-span', eventId).slice(0, 16)
}

/** The spans of a seeded event's trace: one segment named after the issue's culprit, the error in its child. */
export function seededTrace (w: World, org: OrgRec, traceId: string): SpanRec[] | null {
  for (const issue of w.data.issues) {
    if (issue.orgId !== org.id) continue
    const ref = issue.events.find((e) => seededTraceId(e.eventId) === traceId)
    if (ref === undefined) continue
    const project = w.data.projects.find((p) => p.id === issue.projectId)
    if (project === undefined) return null
    const segmentSpanId = hexId('seeded-segment', ref.eventId).slice(0, 16)
    const base = {
      traceId,
      transactionId: hexId('seeded-txn', ref.eventId),
      segmentSpanId,
      transaction: issue.culprit ?? '/',
      project,
      environment: ref.environment,
      release: ref.release,
      sdkName: SDKS[project.platform] ?? 'sentry.native',
      user: 'id:1000',
      httpStatus: null
    }
    const segment: SpanRec = {
      ...base,
      spanId: segmentSpanId,
      parentSpanId: null,
      isTransaction: true,
      op: 'http.server',
      description: issue.culprit ?? '/',
      status: 'internal_error',
      startMs: ref.dateMs - 250,
      durationMs: 300,
      selfTimeMs: 180,
      issues: []
    }
    const child: SpanRec = {
      ...base,
      spanId: seededSpanId(ref.eventId),
      parentSpanId: segmentSpanId,
      isTransaction: false,
      op: 'function',
      description: String(issue.metadata.function ?? 'handler'),
      status: 'internal_error',
      startMs: ref.dateMs - 200,
      durationMs: 120,
      selfTimeMs: 120,
      issues: [issue]
    }
    return [segment, child]
  }
  return null
}

/** Spans of any trace id the emulator knows (generated or seeded), or null. */
export function traceSpans (w: World, org: OrgRec, traceId: string): SpanRec[] | null {
  return generatedTrace(w, org, traceId) ?? seededTrace(w, org, traceId)
}

// ---------------------------------------------------------------------------------------------
// Release health: hourly sessions per project, release and environment.

export interface SessionCounts { healthy: number, errored: number, crashed: number, abnormal: number, users: number, crashedUsers: number }

/** The release of each org that regresses: its crash rate is about ten times the others'. */
export function regressingRelease (w: World, org: OrgRec): string | null {
  const candidates = w.data.releases.filter((r) => r.orgId === org.id && r.projectIds.length > 0)
  return candidates[candidates.length - 1]?.version ?? null
}

/** Sessions of (project, release, environment) in the hour starting at `hourMs`. */
export function sessionsOfHour (w: World, org: OrgRec, p: ProjectRec, release: string, environment: string, hourMs: number): SessionCounts {
  const h = u32('sessions', p.id, release, environment, hourMs)
  const releases = projectReleases(w, p)
  // Only the two newest releases of a project have traffic; production gets most of it.
  const rank = releases.length - 1 - releases.indexOf(release)
  if (rank < 0 || rank > 1) return { healthy: 0, errored: 0, crashed: 0, abnormal: 0, users: 0, crashedUsers: 0 }
  const total = Math.floor((environment === 'production' ? 60 : 12) * (rank === 0 ? 1 : 0.4) * (0.6 + (h % 1000) / 1250))
  const regress = release === regressingRelease(w, org)
  const crashed = Math.floor(total * (regress ? 0.12 : 0.01) + ((h >>> 10) % 3 === 0 ? 1 : 0))
  const errored = Math.floor(total * 0.05)
  const abnormal = (h >>> 12) % 11 === 0 ? 1 : 0
  const healthy = Math.max(0, total - crashed - errored - abnormal)
  const all = healthy + errored + crashed + abnormal
  return { healthy, errored, crashed, abnormal, users: Math.ceil(all * 0.3), crashedUsers: Math.min(Math.ceil(all * 0.3), Math.ceil(crashed * 0.8)) }
}
