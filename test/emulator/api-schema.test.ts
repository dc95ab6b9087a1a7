/**
 * Every operation the emulator serves is validated against its 200 response schema from Sentry's
 * OpenAPI spec (test/fixtures/openapi-ops.json, extracted by scripts/extract-openapi-fixture.mjs).
 * Where the spec and real Sentry disagree, the exception is listed in EXCEPTIONS with its reason
 * and matched narrowly (one keyword, one property); everything else must validate.
 */
import { readFileSync } from 'node:fs'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import t from 'tap'
import { API_ROUTES } from '../../src/emulator/api/index.js'
import { api, putJson, startTestEmulator, tokenFor } from '../helpers/emulator.js'

interface Fixture { source: string, operations: Record<string, { response200: object }> }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/openapi-ops.json', import.meta.url), 'utf8')) as Fixture

const ajv = new Ajv({ strict: false, allErrors: true })
addFormats.default(ajv)
for (const f of ['double', 'float', 'int32', 'int64']) ajv.addFormat(f, true)

const ISSUE_LIST = 'GET /api/0/organizations/{organization_id_or_slug}/issues/'
const ISSUE_EVENT = 'GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/{event_id}/'
const PROJECT_EVENT = 'GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/events/{event_id}/'
const ISSUE_EVENTS = 'GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/'

interface Exception { ops: string[], reason: string, allows: (e: ErrorObject, value: unknown, path: string) => boolean }

const EXPAND_ONLY = ['inbox', 'owners', 'integrationIssues', 'sentryAppIssues', 'latestEventHasAttachments', 'sessionCount']

/** Where the spec is wrong about real Sentry, narrowly. */
const EXCEPTIONS: Exception[] = [
  {
    ops: [ISSUE_LIST],
    reason: 'The spec marks expand[]-only fields required; StreamGroupSerializerSnuba adds them only when expand= asks (the detail schema has them optional).',
    allows: (e) => e.keyword === 'required' && EXPAND_ONLY.includes(String(e.params.missingProperty))
  },
  {
    ops: [ISSUE_LIST],
    reason: 'matchingEventId/matchingEventEnvironment only appear for event-id searches; derivedData (Seer) is not emitted by the emulator.',
    allows: (e) => e.keyword === 'required' && ['matchingEventId', 'matchingEventEnvironment', 'derivedData'].includes(String(e.params.missingProperty))
  },
  {
    ops: [ISSUE_LIST],
    reason: 'With expand=inbox / expand=owners, issues outside the inbox or without owners carry null (the detail schema marks both nullable).',
    allows: (e, v) => e.keyword === 'type' && /\/(inbox|owners)$/.test(e.instancePath) && v === null
  },
  {
    ops: [ISSUE_LIST],
    reason: 'collapse[] (stats, lifetime, filtered, unhandled) removes the collapsed fields; the spec lists them as required.',
    allows: (e, _v, path) => path.includes('collapse=') && e.keyword === 'required' && ['stats', 'lifetime', 'filtered', 'isUnhandled'].includes(String(e.params.missingProperty))
  },
  {
    ops: [ISSUE_EVENT, PROJECT_EVENT, ISSUE_EVENTS],
    reason: 'Real error events carry "resolvedWith": [null] (payloads/event.json); the spec types the items as strings.',
    allows: (e, v) => e.keyword === 'type' && /\/resolvedWith\/\d+$/.test(e.instancePath) && v === null
  },
  {
    ops: [ISSUE_EVENT, PROJECT_EVENT, ISSUE_EVENTS],
    reason: 'Sentry ships event types newer than the spec enum (payloads/unknown-event.json: "future_ai_agent_trace"); clients must pass them through.',
    allows: (e, v) => e.keyword === 'enum' && e.instancePath.endsWith('/type') && v === 'future_ai_agent_trace'
  }
]

const validators = new Map<string, ValidateFunction>()
function validatorFor (op: string): ValidateFunction {
  let v = validators.get(op)
  if (v === undefined) {
    const schema = op === `${ISSUE_EVENTS} full=true` ? fixture.operations[ISSUE_EVENT]?.response200 : fixture.operations[op]?.response200
    if (schema === undefined) throw new Error(`no schema for ${op}`)
    // With full=true the items are whole events (EventSerializer), not the list schema's SimpleEventSerializer.
    v = ajv.compile(op.endsWith('full=true') ? { type: 'array', items: schema } : schema)
    validators.set(op, v)
  }
  return v
}

function valueAt (data: unknown, pointer: string): unknown {
  return pointer.split('/').slice(1).reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], data)
}

t.test('the fixture covers exactly the routes the emulator serves', async (t) => {
  t.match(fixture.source, 'getsentry/sentry-api-schema')
  const served = API_ROUTES.map((r) => `${r.method} ${r.path}`).sort()
  t.same(served, Object.keys(fixture.operations).sort())
})

t.test('every served operation answers in its spec 200 shape', async (t) => {
  const em = await startTestEmulator(t)
  em.control.setRateLimit({ limit: 1_000_000, windowSeconds: 1 })
  const token = tokenFor(em, ['org:read', 'project:read', 'member:read', 'event:write'])
  const seen = new Map<string, number>()
  const usedExceptions = new Set<string>()

  async function check (op: string, path: string, init?: () => Promise<{ status: number, body: unknown }>): Promise<unknown> {
    const res = init === undefined ? await api(em, path, token) : await init()
    if (res.status !== 200) t.fail(`${path}: ${res.status}`, { body: res.body })
    const validate = validatorFor(op)
    if (!validate(res.body)) {
      const baseOp = op.replace(' full=true', '')
      const unexplained = (validate.errors ?? []).filter((e) => {
        const ex = EXCEPTIONS.find((x) => x.ops.includes(baseOp) && x.allows(e, valueAt(res.body, e.instancePath), path))
        if (ex !== undefined) usedExceptions.add(ex.reason)
        return ex === undefined
      })
      if (unexplained.length > 0) t.fail(`${path} does not match ${op}`, { errors: unexplained.slice(0, 5) })
    }
    seen.set(op, (seen.get(op) ?? 0) + 1)
    return res.body
  }

  await check('GET /api/0/organizations/', '/api/0/organizations/')
  for (const org of ['acme', 'globex']) {
    await check('GET /api/0/organizations/{organization_id_or_slug}/', `/api/0/organizations/${org}/`)
    await check('GET /api/0/organizations/{organization_id_or_slug}/', `/api/0/organizations/${org}/?detailed=0`)
    const projects = await check('GET /api/0/organizations/{organization_id_or_slug}/projects/', `/api/0/organizations/${org}/projects/`) as Array<{ slug: string }>
    for (const p of projects) {
      await check('GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/', `/api/0/projects/${org}/${p.slug}/`)
      await check('GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/keys/', `/api/0/projects/${org}/${p.slug}/keys/`)
    }
    await check('GET /api/0/organizations/{organization_id_or_slug}/teams/', `/api/0/organizations/${org}/teams/`)
    await check('GET /api/0/organizations/{organization_id_or_slug}/members/', `/api/0/organizations/${org}/members/`)
    const releases = await check('GET /api/0/organizations/{organization_id_or_slug}/releases/', `/api/0/organizations/${org}/releases/`) as Array<{ version: string }>
    for (const r of releases) {
      await check('GET /api/0/organizations/{organization_id_or_slug}/releases/{version}/', `/api/0/organizations/${org}/releases/${encodeURIComponent(r.version)}/`)
    }
    for (const groupBy of ['outcome', 'category&groupBy=project', 'reason&groupBy=outcome&category=error']) {
      await check('GET /api/0/organizations/{organization_id_or_slug}/stats_v2/', `/api/0/organizations/${org}/stats_v2/?field=sum(quantity)&statsPeriod=2d&interval=1d&groupBy=${groupBy}`)
    }

    // Every issue of the org: list pages (plain and with every expand/collapse), detail, events.
    const issues: Array<{ id: string, type: string, issueCategory: string, culprit: string | null, project: { slug: string } }> = []
    for (let cursor = '0:0:0'; ;) {
      const page = await check(ISSUE_LIST, `/api/0/organizations/${org}/issues/?query=&limit=100&cursor=${cursor}`) as typeof issues
      issues.push(...page)
      if (page.length < 100) break
      cursor = `0:${issues.length}:0`
    }
    await check(ISSUE_LIST, `/api/0/organizations/${org}/issues/?query=&groupStatsPeriod=14d&${EXPAND_ONLY.map((e) => `expand=${e === 'sessionCount' ? 'sessions' : e}`).join('&')}`)
    await check(ISSUE_LIST, `/api/0/organizations/${org}/issues/?collapse=stats&collapse=lifetime&collapse=filtered&collapse=unhandled&environment=production&sort=freq`)
    const kinds = new Set<string>()
    for (const [n, issue] of issues.entries()) {
      const base = `/api/0/organizations/${org}/issues/${issue.id}`
      await check('GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/', `${base}/`)
      const kind = `${issue.type}/${issue.issueCategory}${issue.culprit === null ? '/null-culprit' : ''}`
      if (kinds.has(kind) && n % 10 !== 0) continue
      const events = await check(ISSUE_EVENTS, `${base}/events/`) as Array<{ eventID: string }>
      if (kinds.has(kind)) continue
      // Deeper checks once per kind of issue: full events, each event, tags, the project event route.
      kinds.add(kind)
      await check(`${ISSUE_EVENTS} full=true`, `${base}/events/?full=true`)
      for (const id of ['latest', 'oldest', 'recommended', ...events.map((e) => e.eventID)]) await check(ISSUE_EVENT, `${base}/events/${id}/`)
      await check(PROJECT_EVENT, `/api/0/projects/${org}/${issue.project.slug}/events/${events[0]?.eventID ?? ''}/`)
      const detail = await check('GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/', `${base}/?expand=inbox&expand=owners&expand=forecast&expand=integrationIssues&expand=sentryAppIssues&expand=latestEventHasAttachments`) as { tags: Array<{ key: string }> }
      for (const { key } of detail.tags) {
        await check('GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/tags/{key}/', `${base}/tags/${key}/`)
        await check('GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/tags/{key}/values/', `${base}/tags/${key}/values/`)
      }
    }
    if (org === 'acme') t.equal(kinds.size, 8, `acme covers every kind of issue (${[...kinds].join(', ')})`)
  }

  // Performance data (spans, errors, traces, sessions) on both organizations and several query shapes.
  const EVENTS = 'GET /api/0/organizations/{organization_id_or_slug}/events/'
  const SERIES = 'GET /api/0/organizations/{organization_id_or_slug}/events-timeseries/'
  const TRACE = 'GET /api/0/organizations/{organization_id_or_slug}/trace/{trace_id}/'
  const TRACE_META = 'GET /api/0/organizations/{organization_id_or_slug}/trace-meta/{trace_id}/'
  const SESSIONS = 'GET /api/0/organizations/{organization_id_or_slug}/sessions/'
  for (const org of ['acme', 'globex']) {
    const base = `/api/0/organizations/${org}`
    const spans = await check(EVENTS, `${base}/events/?dataset=spans&statsPeriod=1h&field=id&field=trace&field=span.op&field=span.duration&field=timestamp&field=is_transaction&per_page=50`) as { data: Array<{ trace: string }> }
    await check(EVENTS, `${base}/events/?dataset=spans&statsPeriod=24h&field=transaction&field=count()&field=p95(span.duration)&field=failure_rate()&field=epm()&query=is_transaction:true&sort=-count()`)
    await check(EVENTS, `${base}/events/?dataset=errors&start=2025-01-01T00:00:00Z&end=2025-12-01T00:00:00Z&field=issue&field=title&field=count()&field=last_seen()&field=count_unique(user)`)
    await check(EVENTS, `${base}/events/?dataset=logs&statsPeriod=1h&field=message&field=timestamp`)
    await check(SERIES, `${base}/events-timeseries/?dataset=spans&statsPeriod=24h&interval=1h&yAxis=p95(span.duration)&yAxis=count()`)
    await check(SERIES, `${base}/events-timeseries/?dataset=spans&statsPeriod=6h&interval=1h&yAxis=count()&groupBy=transaction&topEvents=2&sort=-count()&query=is_transaction:true`)
    await check(SERIES, `${base}/events-timeseries/?dataset=errors&start=2025-11-01T00:00:00Z&end=2025-11-21T00:00:00Z&interval=1d&yAxis=count()`)
    for (const traceId of [spans.data[0]?.trace ?? '', '0'.repeat(32)]) {
      await check(TRACE, `${base}/trace/${traceId}/`)
      await check(TRACE_META, `${base}/trace-meta/${traceId}/`)
    }
    await check(SESSIONS, `${base}/sessions/?field=sum(session)&field=crash_free_rate(session)&field=crash_free_rate(user)&field=count_unique(user)&groupBy=release&statsPeriod=24h&interval=1h`)
    await check(SESSIONS, `${base}/sessions/?field=sum(session)&groupBy=session.status&groupBy=project&groupBy=environment&statsPeriod=2d&interval=1d&includeSeries=0`)
  }
  const seededEvent = (await api(em, '/api/0/organizations/acme/events/?dataset=errors&start=2025-01-01T00:00:00Z&end=2025-12-01T00:00:00Z&field=trace&field=id', token)).body as { data: Array<{ trace: string }> }
  const seededTrace = await check(TRACE, `/api/0/organizations/acme/trace/${seededEvent.data[0]?.trace ?? ''}/`) as unknown[]
  t.equal(seededTrace.length, 1, 'a seeded error event\'s trace id resolves to its trace')

  const put = 'PUT /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/'
  const some = (await api(em, '/api/0/organizations/acme/issues/?limit=3', token)).body as Array<{ id: string }>
  for (const [i, body] of [{ status: 'resolved' }, { assignedTo: 'team:4505138082299904', isBookmarked: true }, { status: 'ignored', statusDetails: { ignoreDuration: 30 }, assignedTo: 'jane@example.com' }].entries()) {
    await check(put, `PUT ${i}`, async () => await putJson(em, `/api/0/organizations/acme/issues/${some[i]?.id ?? ''}/`, token, body))
  }

  t.ok([...seen.values()].reduce((a, b) => a + b, 0) > 600, `validated ${[...seen.values()].reduce((a, b) => a + b, 0)} responses`)
  t.same([...seen.keys()].map((k) => k.replace(' full=true', '')).filter((k, i, a) => a.indexOf(k) === i).sort(), Object.keys(fixture.operations).sort(), 'every operation was validated')
  t.same([...usedExceptions].sort(), EXCEPTIONS.map((e) => e.reason).sort(), 'every documented exception is still needed')
})
