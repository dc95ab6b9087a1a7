/**
 * Deterministic seed data: the same organizations, projects and 260 + a few issues on every start
 * (fixed-seed PRNG, fixed clock). Shapes and value variety follow ./fixtures (real Sentry payloads):
 * string ids (some above 2^31), `count` as a string, dates with 0/3/6 fractional digits, every issue
 * category, null culprits, assignees.
 */
import csp from './fixtures/csp-issue.json' with { type: 'json' }
import feedback from './fixtures/feedback-issue.json' with { type: 'json' }
import errorIssue from './fixtures/issue.json' with { type: 'json' }
import nullCulprit from './fixtures/issue-null-culprit.json' with { type: 'json' }
import performance from './fixtures/performance-issue.json' with { type: 'json' }
import regressed from './fixtures/regressed-issue.json' with { type: 'json' }
import releaseTemplate from './fixtures/release.json' with { type: 'json' }
import unsupported from './fixtures/unsupported-issue.json' with { type: 'json' }
import type {
  Assignee, ClientKeyRec, EventRef, IssueKind, IssueRec, IssueStatus, MemberRec, OrgRec, ProjectRec,
  ReleaseRec, SeedData, TeamRec, UserRec
} from './model.js'
import { type DatePrecision, clone, hexId, isoDate, seededRandom } from './util.js'

export const DEFAULT_USER_ID = '1'
/** "Now" of the seed world: every seeded date lies before it. */
export const SEED_NOW_MS = Date.UTC(2025, 10, 20, 12, 0, 0)
export const ACME_ISSUE_COUNT = 260

const DAY = 86_400_000

const USERS: UserRec[] = [
  { id: '1', name: 'Jane Doe', email: 'jane@example.com', username: 'jane', dateJoined: '2019-01-14T22:08:29.270831Z', lastLogin: '2025-11-19T08:12:01.500Z' },
  { id: '2', name: 'John Smith', email: 'john@acme.example', username: 'john', dateJoined: '2021-06-01T10:00:00Z', lastLogin: '2025-11-18T16:45:10.123Z' },
  { id: '3', name: 'Alice Wong', email: 'alice@acme.example', username: 'alice', dateJoined: '2022-02-03T09:30:00.654321Z', lastLogin: null },
  { id: '4', name: 'Bob Ray', email: 'bob@globex.example', username: 'bob', dateJoined: '2023-09-09T09:09:09Z', lastLogin: '2025-11-01T00:00:00Z' },
  { id: '5', name: 'Carol Ng', email: 'carol@initech.example', username: 'carol', dateJoined: '2018-03-03T03:03:03.300Z', lastLogin: null }
]

const ORGS: OrgRec[] = [
  { id: '4505138082234368', slug: 'acme', name: 'Acme Corp', dateCreated: '2023-03-14T09:26:53.412318Z', region: 'main' },
  // Without global-views (a plan without cross-project queries): Explore refuses several projects.
  { id: '4507281246208000', slug: 'globex', name: 'Globex Corporation', dateCreated: '2024-05-02T17:00:01Z', region: 'region', features: ['discover-basic', 'performance-view', 'session-replay', 'user-feedback-ui'] },
  // The default user is not a member of this one: it exists to test 403 / org scoping.
  { id: '97', slug: 'initech', name: 'Initech', dateCreated: '2019-08-01T12:00:00.123Z', region: 'main' }
]
const [ACME, GLOBEX, INITECH] = ORGS as [OrgRec, OrgRec, OrgRec]

const MEMBERS: MemberRec[] = [
  { id: '101', orgId: ACME.id, userId: '1', email: 'jane@example.com', orgRole: 'owner', dateCreated: '2023-03-14T09:26:53.500Z' },
  { id: '102', orgId: ACME.id, userId: '2', email: 'john@acme.example', orgRole: 'member', dateCreated: '2023-04-01T08:00:00Z' },
  { id: '103', orgId: ACME.id, userId: '3', email: 'alice@acme.example', orgRole: 'admin', dateCreated: '2023-05-20T14:22:10.204518Z' },
  { id: '104', orgId: ACME.id, userId: null, email: 'new.hire@acme.example', orgRole: 'member', dateCreated: '2025-11-10T11:11:11Z' },
  { id: '201', orgId: GLOBEX.id, userId: '1', email: 'jane@example.com', orgRole: 'member', dateCreated: '2024-05-03T10:00:00.010Z' },
  { id: '202', orgId: GLOBEX.id, userId: '4', email: 'bob@globex.example', orgRole: 'owner', dateCreated: '2024-05-02T17:00:01Z' },
  { id: '301', orgId: INITECH.id, userId: '5', email: 'carol@initech.example', orgRole: 'owner', dateCreated: '2019-08-01T12:00:00.123Z' }
]

const TEAMS: TeamRec[] = [
  { id: '4505138082299904', orgId: ACME.id, slug: 'platform', name: 'Platform', dateCreated: '2023-03-14T09:30:00.123456Z', memberUserIds: ['1', '3'] },
  { id: '4505138082299905', orgId: ACME.id, slug: 'frontend', name: 'Frontend', dateCreated: '2023-03-15T10:00:00Z', memberUserIds: ['1', '2'] },
  { id: '4505138082299906', orgId: ACME.id, slug: 'mobile', name: 'Mobile', dateCreated: '2023-06-01T12:00:00.250Z', memberUserIds: ['3'] },
  { id: '4507281246273536', orgId: GLOBEX.id, slug: 'core', name: 'Core', dateCreated: '2024-05-02T17:05:00Z', memberUserIds: ['1', '4'] },
  { id: '98', orgId: INITECH.id, slug: 'tps', name: 'TPS', dateCreated: '2019-08-01T12:05:00Z', memberUserIds: ['5'] }
]

const ENVS = ['production', 'staging']
const COLORS = ['#bf6e3f', '#3fbf7f', '#6e3fbf', '#bfb93f', '#3f8fbf', '#bf3f5b']

function project (org: OrgRec, id: string, slug: string, platform: string, teamSlugs: string[], created: string, i: number): ProjectRec {
  return {
    id,
    orgId: org.id,
    slug,
    name: slug,
    platform,
    dateCreated: created,
    firstEvent: i === 5 ? null : created,
    teamIds: TEAMS.filter((t) => t.orgId === org.id && teamSlugs.includes(t.slug)).map((t) => t.id),
    environments: i === 5 ? [] : ENVS,
    color: COLORS[i % COLORS.length] ?? '#bf6e3f'
  }
}

const PROJECTS: ProjectRec[] = [
  project(ACME, '4505138086019073', 'frontend', 'javascript', ['frontend'], '2023-03-14T09:31:00.123456Z', 0),
  project(ACME, '4505138086019074', 'backend', 'python', ['platform'], '2023-03-14T09:32:00Z', 1),
  project(ACME, '4505138086019075', 'api-gateway', 'node', ['platform'], '2023-04-02T12:00:00.500Z', 2),
  project(ACME, '4505138086019076', 'mobile-app', 'react-native', ['mobile', 'frontend'], '2023-06-01T12:10:00Z', 3),
  project(ACME, '4505138086019077', 'worker', 'go', ['platform'], '2024-01-10T08:00:00.000001Z', 4),
  project(ACME, '4505138086019078', 'docs', 'javascript', [], '2025-11-01T00:00:00Z', 5),
  project(GLOBEX, '4507281246339072', 'web', 'javascript', ['core'], '2024-05-02T17:10:00Z', 0),
  project(GLOBEX, '4507281246339073', 'billing', 'ruby', ['core'], '2024-05-03T09:00:00.750Z', 1),
  project(INITECH, '1299', 'tps-reports', 'java', ['tps'], '2019-08-01T12:10:00Z', 2)
]

function releases (): ReleaseRec[] {
  const byOrg: Array<[OrgRec, string, string[]]> = [
    [ACME, 'frontend@2.4.0', ['frontend']],
    [ACME, 'frontend@2.4.1', ['frontend']],
    [ACME, 'frontend@2.5.0', ['frontend', 'mobile-app']],
    [ACME, 'backend@1.12.0', ['backend']],
    [ACME, 'backend@1.13.0-rc.1', ['backend', 'worker']],
    [ACME, 'api-gateway@3.0.0', ['api-gateway']],
    [ACME, releaseTemplate.version, ['mobile-app']],
    [ACME, 'worker@0.9.0+build.7', ['worker']],
    [GLOBEX, 'web@1.0.0', ['web']],
    [GLOBEX, 'billing@2024.11.1', ['billing']],
    [INITECH, 'tps@1.0', ['tps-reports']]
  ]
  return byOrg.map(([org, version, slugs], i) => {
    const created = SEED_NOW_MS - (byOrg.length - i) * 5 * DAY
    return {
      id: releaseTemplate.id + i,
      orgId: org.id,
      version,
      projectIds: PROJECTS.filter((p) => p.orgId === org.id && slugs.includes(p.slug)).map((p) => p.id),
      dateCreated: isoDate(created, (i % 3 * 3) as DatePrecision, i * 37),
      dateReleased: i % 4 === 3 ? null : isoDate(created + 3_600_000, 0),
      firstEvent: i % 5 === 4 ? null : isoDate(created + 60_000, 0),
      lastEvent: i % 5 === 4 ? null : isoDate(created + 4 * DAY, 3),
      newGroups: (i * 7) % 11,
      commitCount: i % 3,
      deployCount: i % 2
    }
  })
}

function clientKeys (): ClientKeyRec[] {
  const keys: ClientKeyRec[] = []
  for (const p of PROJECTS) {
    keys.push({ id: hexId('key', p.id, 0), projectId: p.id, name: 'Default', secret: hexId('secret', p.id, 0), dateCreated: p.dateCreated })
    if (p.slug === 'frontend') {
      keys.push({ id: hexId('key', p.id, 1), projectId: p.id, name: 'Browser SDK (staging)', secret: hexId('secret', p.id, 1), dateCreated: '2024-02-02T02:02:02.020202Z' })
    }
  }
  return keys
}

// ---------------------------------------------------------------------------------------------
// Issues

interface KindTemplate {
  type: string
  issueType: string
  issueCategory: string
  logger: string | null
  isUnhandled: boolean
  metadata: Record<string, unknown>
}

/** Per-category template fields, straight from the payload files. */
const KIND_TEMPLATES: Record<IssueKind, KindTemplate> = {
  error: errorIssue,
  default: { ...unsupported, type: 'default', metadata: { title: '' } },
  performance: { ...performance, type: 'transaction' },
  csp,
  feedback,
  regressed,
  // A category and type sentry.io may add tomorrow: clients must pass them through (README).
  unsupported: { ...unsupported, issueType: 'future_ai_agent_trace', issueCategory: 'ai_detected' },
  'null-culprit': nullCulprit
}
// Spec note: the issue `type` enum has no performance_* values; real performance issues report the
// event type ("transaction"), their kind lives in issueType/issueCategory (payloads/performance-issue.json).

const ERROR_SAMPLES: Record<string, Array<[string, string, string, string]>> = {
  // [exception type, value, filename, function]
  javascript: [
    ['TypeError', "Cannot read properties of undefined (reading 'id')", 'app/components/UserCard.tsx', 'UserCard.render'],
    ['ReferenceError', 'analytics is not defined', 'app/lib/track.ts', 'trackPageView'],
    ['ChunkLoadError', 'Loading chunk 412 failed.', 'webpack/runtime/jsonp', 'Object.j'],
    ['Error', 'Failed to fetch', 'app/api/client.ts', 'request'],
    ['RangeError', 'Maximum call stack size exceeded', 'app/utils/tree.ts', 'walk']
  ],
  python: [
    ['KeyError', "'user_id'", 'app/views/checkout.py', 'post'],
    ['ValueError', "invalid literal for int() with base 10: 'abc'", 'app/forms.py', 'clean_quantity'],
    ['IntegrityError', 'duplicate key value violates unique constraint "orders_pkey"', 'django/db/backends/utils.py', 'execute'],
    ['AttributeError', "'NoneType' object has no attribute 'email'", 'app/tasks/notify.py', 'send_receipt'],
    ['OperationalError', 'server closed the connection unexpectedly', 'psycopg2/extras.py', 'execute']
  ],
  node: [
    ['Error', 'Tool list_organizations is already registered', 'index.js', 'Object.fetch'],
    ['TypeError', 'fetch failed', 'node:internal/deps/undici/undici', 'fetch'],
    ['Error', 'connect ECONNREFUSED 10.0.3.7:6379', 'node_modules/ioredis/built/Redis.js', 'Socket.<anonymous>'],
    ['SyntaxError', 'Unexpected token < in JSON at position 0', 'src/upstream.ts', 'parseBody']
  ],
  'react-native': [
    ['Error', 'Network request failed', 'node_modules/whatwg-fetch/dist/fetch.umd.js', 'xhr.onerror'],
    ['TypeError', "undefined is not an object (evaluating 'route.params.id')", 'src/screens/Order.tsx', 'OrderScreen']
  ],
  go: [
    ['*errors.errorString', 'context deadline exceeded', 'worker/jobs/sync.go', 'jobs.(*Syncer).Run'],
    ['runtime.Error', 'invalid memory address or nil pointer dereference', 'worker/queue/consumer.go', 'queue.(*Consumer).handle']
  ],
  ruby: [
    ['NoMethodError', "undefined method `amount' for nil:NilClass", 'app/models/invoice.rb', 'Invoice#total'],
    ['ActiveRecord::RecordNotFound', "Couldn't find Customer with 'id'=42", 'app/controllers/customers_controller.rb', 'CustomersController#show']
  ],
  java: [
    ['java.lang.NullPointerException', 'Cannot invoke "Report.getCover()" because "report" is null', 'TpsService.java', 'com.initech.tps.TpsService.submit']
  ]
}

const DEFAULT_MESSAGES = ['Payment webhook retried 3 times', 'Cache warmup took longer than 30s', 'User exceeded export quota', 'Feature flag "new-checkout" evaluated without context', 'Deprecated API v1 called']
const PERF_SAMPLES: Array<[string, string, string]> = [
  ['N+1 Query', 'performance_n_plus_one_db_queries', 'SELECT * FROM users WHERE id = %s'],
  ['Slow DB Query', 'performance_slow_db_query', 'SELECT * FROM orders ORDER BY created_at DESC'],
  ['Consecutive HTTP', 'performance_consecutive_http', 'GET https://api.stripe.com/v1/charges'],
  ['Large Render Blocking Asset', 'performance_render_blocking_asset_span', '/static/js/vendor.js'],
  ['Uncompressed Asset', 'performance_uncompressed_assets', '/static/css/app.css']
]
const TRANSACTIONS = ['GET /api/users', 'POST /api/orders', 'GET /dashboard', '/checkout', 'POST /oauth/token']
const CSP_SAMPLES: Array<[string, string, string]> = [
  ['image', 'blob:', 'img-src'],
  ['script', 'https://evil.example.com', 'script-src'],
  ['style', 'https://fonts.googleapis.com', 'style-src'],
  ['connect', 'wss://realtime.example.net', 'connect-src']
]
const FEEDBACK_SAMPLES = ["The checkout button doesn't work on mobile", 'Dark mode makes the charts unreadable', 'Export to CSV produces an empty file']

function pick<T> (rnd: () => number, items: readonly T[]): T {
  const item = items[Math.floor(rnd() * items.length)]
  if (item === undefined) throw new Error('pick from an empty list')
  return item
}

function weightedKind (rnd: () => number): IssueKind {
  const r = rnd()
  if (r < 0.55) return 'error'
  if (r < 0.65) return 'default'
  if (r < 0.73) return 'performance'
  if (r < 0.79) return 'csp'
  if (r < 0.85) return 'feedback'
  if (r < 0.9) return 'regressed'
  if (r < 0.94) return 'unsupported'
  return 'null-culprit'
}

interface IssueText { title: string, culprit: string | null, metadata: Record<string, unknown>, issueType?: string, level: string }

function issueText (kind: IssueKind, platform: string, rnd: () => number): IssueText {
  switch (kind) {
    case 'error':
    case 'null-culprit': {
      const [type, value, filename, fn] = pick(rnd, ERROR_SAMPLES[platform] ?? ERROR_SAMPLES.javascript ?? [])
      const title = `${type}: ${value}`
      const level = kind === 'error' ? pick(rnd, ['error', 'error', 'error', 'fatal', 'warning']) : 'error'
      const culprit = kind === 'null-culprit' ? null : `${fn}(${filename.replace(/\.\w+$/, '')})`
      return { title, culprit, level, metadata: { type, value, filename, function: fn, in_app_frame_mix: 'in-app-only', title } }
    }
    case 'default': {
      const message = pick(rnd, DEFAULT_MESSAGES)
      return { title: message, culprit: pick(rnd, ['app.tasks', 'billing.webhooks', 'unknown']), level: pick(rnd, ['error', 'info', 'warning', 'debug']), metadata: { title: message } }
    }
    case 'performance': {
      const [name, issueType, value] = pick(rnd, PERF_SAMPLES)
      const transaction = pick(rnd, TRANSACTIONS)
      return { title: `${name}: ${value}`, culprit: transaction, issueType, level: pick(rnd, ['warning', 'info']), metadata: { title: `${name}: ${value}`, location: transaction, value } }
    }
    case 'csp': {
      const [what, uri, directive] = pick(rnd, CSP_SAMPLES)
      const message = `Blocked '${what}' from '${uri.replace(/^https?:\/\//, '')}'`
      return { title: message, culprit: directive, level: 'error', metadata: { message, uri, directive, initial_priority: 75, title: null } }
    }
    case 'feedback': {
      const value = pick(rnd, FEEDBACK_SAMPLES)
      const title = `User Feedback: ${value.slice(0, 40)}`
      return { title, culprit: 'User Feedback Widget', level: 'info', metadata: { value, type: 'Feedback', title } }
    }
    case 'regressed': {
      const transaction = pick(rnd, TRANSACTIONS)
      const from = 200 + Math.floor(rnd() * 900)
      const value = `Increased from ${from}.00ms to ${from * 2}.00ms (P95)`
      return { title: 'Endpoint Regression', culprit: transaction, level: 'info', metadata: { title: 'Endpoint Regression', value, initial_priority: 50 } }
    }
    case 'unsupported':
      return { title: unsupported.title, culprit: unsupported.culprit, level: 'error', metadata: clone(unsupported.metadata) }
  }
}

function issueStatus (kind: IssueKind, rnd: () => number, releases: string[]): Pick<IssueRec, 'status' | 'substatus' | 'statusDetails'> {
  const r = rnd()
  const status: IssueStatus = r < 0.6 ? 'unresolved' : r < 0.85 ? 'resolved' : 'ignored'
  if (status === 'resolved') {
    const inRelease = releases.length > 0 && rnd() < 0.4 ? pick(rnd, releases) : undefined
    return { status, substatus: null, statusDetails: inRelease === undefined ? {} : { inRelease } }
  }
  if (status === 'ignored') {
    return rnd() < 0.5
      ? { status, substatus: 'archived_until_escalating', statusDetails: {} }
      : { status, substatus: 'archived_until_condition_met', statusDetails: { ignoreCount: 100, ignoreWindow: 60 } }
  }
  if (kind === 'regressed') return { status, substatus: 'regressed', statusDetails: {} }
  if (kind === 'null-culprit') return { status, substatus: null, statusDetails: {} }
  return { status, substatus: pick(rnd, ['ongoing', 'ongoing', 'new', 'escalating', 'regressed']), statusDetails: {} }
}

function makeIssues (org: OrgRec, total: number, idBase: number, rnd: () => number, all: { projects: ProjectRec[], teams: TeamRec[], releases: ReleaseRec[], members: MemberRec[] }): IssueRec[] {
  const projects = all.projects.filter((p) => p.orgId === org.id && p.environments.length > 0)
  const teams = all.teams.filter((t) => t.orgId === org.id)
  const userIds = all.members.filter((m) => m.orgId === org.id && m.userId !== null).map((m) => m.userId as string)
  const shortCounters = new Map<string, number>()
  const kindsInOrder: IssueKind[] = ['error', 'default', 'performance', 'csp', 'feedback', 'regressed', 'unsupported', 'null-culprit']
  const issues: IssueRec[] = []
  for (let i = 0; i < total; i++) {
    const kind = kindsInOrder[i] ?? weightedKind(rnd)
    const browserOnly = kind === 'csp' || kind === 'feedback'
    const candidates = browserOnly ? projects.filter((p) => p.platform === 'javascript' || p.platform === 'react-native') : projects
    const proj = pick(rnd, candidates.length > 0 ? candidates : projects)
    const template = KIND_TEMPLATES[kind]
    const text = issueText(kind, proj.platform, rnd)
    const projectReleases = all.releases.filter((r) => r.projectIds.includes(proj.id)).map((r) => r.version)
    const n = (shortCounters.get(proj.id) ?? 0) + 1
    shortCounters.set(proj.id, n)
    // Every third id stays below 2^31; the rest are sentry.io-sized (> 2^32).
    const id = i % 3 === 0 ? String(idBase + 1_000_000 + i * 7919) : String(idBase * 1000 + 6_500_000_000 + i * 104_729)
    const lastSeenMs = SEED_NOW_MS - Math.floor(rnd() * 45 * DAY)
    const firstSeenMs = lastSeenMs - Math.floor(rnd() * 120 * DAY)
    const count = kind === 'feedback' ? 1 : Math.max(1, Math.floor(Math.exp(rnd() * 9)))
    const userCount = kind === 'regressed' ? 0 : Math.min(count, Math.floor(count * rnd() * 0.6) + (rnd() < 0.8 ? 1 : 0))
    let assignedTo: Assignee | null = null
    if (rnd() < 0.2) {
      assignedTo = rnd() < 0.7 || teams.length === 0
        ? { type: 'user', id: pick(rnd, [DEFAULT_USER_ID, DEFAULT_USER_ID, ...userIds]) }
        : { type: 'team', id: pick(rnd, teams).id }
    }
    const environments = rnd() < 0.5 ? ['production'] : rnd() < 0.5 ? ['production', 'staging'] : ['staging']
    const status = issueStatus(kind, rnd, projectReleases)
    const firstSeen = isoDate(firstSeenMs, (i % 3 * 3) as DatePrecision, i * 13)
    const lastSeen = isoDate(lastSeenMs, ((i + 1) % 3 * 3) as DatePrecision, i * 29)
    const issue: IssueRec = {
      id,
      orgId: org.id,
      projectId: proj.id,
      shortId: `${proj.slug.toUpperCase()}-${n.toString(36).toUpperCase()}`,
      kind,
      title: text.title,
      culprit: text.culprit,
      logger: kind === 'csp' ? 'csp' : template.logger,
      level: text.level,
      type: template.type,
      issueType: text.issueType ?? template.issueType,
      issueCategory: template.issueCategory,
      metadata: text.metadata,
      ...status,
      priority: kind === 'null-culprit' ? null : pick(rnd, ['low', 'medium', 'medium', 'high'] as const),
      isUnhandled: kind === 'error' ? rnd() < 0.5 : template.isUnhandled,
      count,
      userCount,
      firstSeen,
      lastSeen,
      lastSeenMs,
      firstSeenMs,
      assignedTo,
      hasSeen: rnd() < 0.6,
      isBookmarked: rnd() < 0.1,
      isSubscribed: rnd() < 0.25,
      isPublic: false,
      numComments: rnd() < 0.8 ? 0 : Math.floor(rnd() * 6),
      environments,
      firstRelease: projectReleases[0] ?? null,
      lastRelease: projectReleases[projectReleases.length - 1] ?? null,
      events: []
    }
    issue.events = eventRefs(issue, i)
    issues.push(issue)
  }
  return issues
}

/** 2–3 stored events per issue, oldest first, spread between firstSeen and lastSeen. */
function eventRefs (issue: IssueRec, i: number): EventRef[] {
  const n = i % 4 === 0 ? 2 : 3
  const refs: EventRef[] = []
  for (let k = 0; k < n; k++) {
    const dateMs = k === 0 ? issue.firstSeenMs : k === n - 1 ? issue.lastSeenMs : Math.floor((issue.firstSeenMs + issue.lastSeenMs) / 2)
    refs.push({
      eventId: hexId('event', issue.id, k),
      dateMs,
      dateCreated: k === 0 ? issue.firstSeen : k === n - 1 ? issue.lastSeen : isoDate(dateMs, 0),
      environment: issue.environments[k % issue.environments.length] ?? 'production',
      release: k === n - 1 ? issue.lastRelease : issue.firstRelease
    })
  }
  return refs
}

/** A fresh copy of the seed world; call again to reset. */
export function buildSeed (): SeedData {
  const rnd = seededRandom(20251120)
  const rel = releases()
  const base = { projects: PROJECTS, teams: TEAMS, releases: rel, members: MEMBERS }
  return clone({
    users: USERS,
    orgs: ORGS,
    members: MEMBERS,
    teams: TEAMS,
    projects: PROJECTS,
    keys: clientKeys(),
    releases: rel,
    issues: [
      ...makeIssues(ACME, ACME_ISSUE_COUNT, 1, rnd, base),
      ...makeIssues(GLOBEX, 12, 2, rnd, base),
      ...makeIssues(INITECH, 3, 3, rnd, base)
    ]
  })
}
