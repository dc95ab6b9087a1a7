import t, { type Test } from 'tap'
import { ACME_ISSUE_COUNT } from '../../../src/emulator/index.js'
import { api, putJson, startTestEmulator, tokenFor } from '../../helpers/emulator.js'

interface Issue {
  id: string
  shortId: string
  title: string
  culprit: string | null
  status: string
  substatus: string | null
  statusDetails: Record<string, unknown>
  level: string
  count: string
  userCount: number
  firstSeen: string
  lastSeen: string
  type: string
  issueCategory: string
  project: { id: string, slug: string }
  assignedTo: { type: string, id: string, name: string, email?: string } | null
  isBookmarked: boolean
  hasSeen: boolean
}

async function setup (t: Test): Promise<{ em: Awaited<ReturnType<typeof startTestEmulator>>, token: string, all: Issue[] }> {
  const em = await startTestEmulator(t)
  const token = tokenFor(em, ['org:read', 'project:read', 'event:write'])
  const all: Issue[] = []
  for (let offset = 0; offset < ACME_ISSUE_COUNT; offset += 100) {
    all.push(...(await api(em, `/api/0/organizations/acme/issues/?query=&limit=100&cursor=0:${offset}:0`, token)).body as Issue[])
  }
  return { em, token, all }
}

t.test('seed variety: ids, counts, dates, categories, culprits, assignees (payloads/*.json)', async (t) => {
  const { all } = await setup(t)
  t.equal(all.length, ACME_ISSUE_COUNT)
  t.ok(all.some((i) => Number(i.id) > 2 ** 31) && all.some((i) => Number(i.id) < 2 ** 31), 'ids on both sides of 2^31')
  t.ok(all.every((i) => typeof i.count === 'string' && Number.isInteger(i.userCount)), 'count is a string, userCount an int')
  const precision = (d: string): number => /\.(\d+)Z$/.exec(d)?.[1]?.length ?? 0
  t.same([...new Set(all.flatMap((i) => [precision(i.firstSeen), precision(i.lastSeen)]))].sort(), [0, 3, 6], 'dates with 0, 3 and 6 fractional digits')
  t.same([...new Set(all.map((i) => i.issueCategory))].sort(), ['ai_detected', 'error', 'feedback', 'metric', 'performance'])
  t.same([...new Set(all.map((i) => i.type))].sort(), ['csp', 'default', 'error', 'feedback', 'generic', 'transaction'])
  t.ok(all.some((i) => i.culprit === null), 'a null culprit')
  t.same([...new Set(all.map((i) => i.status))].sort(), ['ignored', 'resolved', 'unresolved'])
  t.ok(all.some((i) => i.assignedTo?.type === 'user') && all.some((i) => i.assignedTo?.type === 'team'), 'user and team assignees')
  t.ok(new Set(all.map((i) => i.project.slug)).size >= 5, 'spread over projects')
})

t.test('query, project, environment and sort filters', async (t) => {
  const { em, token, all } = await setup(t)
  const list = async (qs: string): Promise<{ status: number, issues: Issue[], hits: string | null }> => {
    const r = await api(em, `/api/0/organizations/acme/issues/?${qs}`, token)
    return { status: r.status, issues: r.body as Issue[], hits: r.headers.get('x-hits') }
  }
  const byStatus = (s: string): number => all.filter((i) => i.status === s).length
  const dflt = await list('')
  t.equal(dflt.issues.length, Math.min(100, byStatus('unresolved')), 'no query param → is:unresolved')
  t.equal(dflt.hits, String(byStatus('unresolved')))
  t.ok(dflt.issues.every((i) => i.status === 'unresolved'))
  t.equal((await list('query=is:resolved')).hits, String(byStatus('resolved')))
  t.equal((await list('query=is:ignored')).hits, String(byStatus('ignored')))
  t.equal((await list('query=')).hits, String(ACME_ISSUE_COUNT), 'empty query → everything')

  const words = await list(`query=${encodeURIComponent('KeyError')}`)
  t.ok(words.issues.length > 0 && words.issues.every((i) => i.title.includes('KeyError')), 'free text matches the title')
  t.equal(words.hits, String(all.filter((i) => i.title.includes('KeyError')).length), 'an explicit query replaces the is:unresolved default')
  const short = await list(`query=${encodeURIComponent(all[5]?.shortId ?? '')}&shortIdLookup=1`)
  t.same(short.issues.map((i) => i.id), [all[5]?.id], 'short id lookup')
  t.ok((await list('query=is:unresolved level:fatal')).issues.every((i) => i.level === 'fatal' && i.status === 'unresolved'))
  t.ok((await list('query=!is:unresolved')).issues.every((i) => i.status !== 'unresolved'), 'negation')
  t.ok((await list('query=assigned:me')).issues.every((i) => i.assignedTo?.id === '1'))

  const frontend = all.find((i) => i.project.slug === 'frontend')?.project.id ?? ''
  const proj = await list(`query=&project=${frontend}`)
  t.ok(proj.issues.length > 0 && proj.issues.every((i) => i.project.slug === 'frontend'), 'project id')
  t.equal((await list('query=&project=frontend')).hits, proj.hits, 'project slug')
  t.equal((await list('query=&project=-1')).hits, String(ACME_ISSUE_COUNT), '-1 = all')
  t.equal((await list('project=999')).status, 403, 'unknown project → 403')
  const prod = Number((await list('query=&environment=production')).hits)
  t.ok(prod > 0 && prod < ACME_ISSUE_COUNT, 'environment narrows')

  const freq = (await list('query=&sort=freq')).issues.map((i) => Number(i.count))
  t.same(freq, [...freq].sort((a, b) => b - a), 'freq: by count')
  const newest = (await list('query=&sort=new')).issues.map((i) => Date.parse(i.firstSeen))
  t.same(newest, [...newest].sort((a, b) => b - a), 'new: by firstSeen')
  const date = (await list('query=')).issues.map((i) => Date.parse(i.lastSeen))
  t.same(date, [...date].sort((a, b) => b - a), 'date (default): by lastSeen')
  t.equal((await list('sort=bogus')).status, 400)
  t.equal((await list('query=is:bogus')).status, 400)
})

t.test('collapse[] leaves parts out of each item as sentry.io does: stats takes lifetime and filtered with it', async (t) => {
  const { em, token } = await setup(t)
  const items = async (qs: string): Promise<Array<Record<string, unknown>>> => {
    const r = await api(em, `/api/0/organizations/acme/issues/?query=&environment=production&limit=5${qs}`, token)
    t.equal(r.status, 200, qs)
    return r.body as Array<Record<string, unknown>>
  }
  const keys = (list: Array<Record<string, unknown>>, names: string[]): string[][] => list.map((i) => names.filter((k) => k in i))
  const PARTS = ['stats', 'lifetime', 'filtered', 'isUnhandled']
  const whole = await items('')
  t.same(keys(whole, PARTS), whole.map(() => PARTS), 'nothing collapsed: every part')
  t.ok(whole.every((i) => i.filtered !== null), 'an environment narrows the events: filtered totals')
  t.same(keys(await items('&collapse=stats'), PARTS), whole.map(() => ['isUnhandled']), 'stats drops lifetime and filtered too')
  t.same(keys(await items('&collapse=lifetime&collapse=filtered'), PARTS), whole.map(() => ['stats', 'isUnhandled']))
  t.same(keys(await items('&collapse=unhandled'), PARTS), whole.map(() => ['stats', 'lifetime', 'filtered']))
  const light = await items('&collapse=stats&collapse=lifetime&collapse=filtered&collapse=unhandled')
  t.same(keys(light, PARTS), whole.map(() => []))
  const { stats: _s, lifetime: _l, filtered: _f, isUnhandled: _u, ...base } = whole[0] ?? {}
  t.same(light[0], base, 'the rest of each item is unchanged')
})

t.test('PUT updates only the sent fields and returns the whole issue', async (t) => {
  const { em, token, all } = await setup(t)
  const issue = all.find((i) => i.status === 'unresolved' && !i.isBookmarked) ?? all[0]
  const path = `/api/0/organizations/acme/issues/${issue?.id ?? ''}/`

  let r = await putJson(em, path, token, { status: 'resolved' })
  t.equal(r.status, 200)
  t.match(r.body, { id: issue?.id, status: 'resolved', substatus: null, isBookmarked: false, activity: Array })
  t.equal(((await api(em, path, token)).body as Issue).status, 'resolved', 'persisted')
  r = await putJson(em, path, token, { status: 'resolvedInNextRelease' })
  t.match(r.body, { status: 'resolved', statusDetails: { inNextRelease: true } })
  r = await putJson(em, path, token, { status: 'ignored', statusDetails: { ignoreCount: 50 } })
  t.match(r.body, { status: 'ignored', substatus: 'archived_until_condition_met', statusDetails: { ignoreCount: 50 } })
  r = await putJson(em, path, token, { status: 'unresolved' })
  t.match(r.body, { status: 'unresolved', substatus: 'ongoing', statusDetails: {} })

  const assign = async (assignedTo: unknown): Promise<unknown> => ((await putJson(em, path, token, { assignedTo })).body as Issue).assignedTo
  t.same(await assign('user:2'), { type: 'user', id: '2', name: 'John Smith', email: 'john@acme.example' })
  t.same(await assign('1'), { type: 'user', id: '1', name: 'Jane Doe', email: 'jane@example.com' })
  t.same(await assign('alice@acme.example'), { type: 'user', id: '3', name: 'Alice Wong', email: 'alice@acme.example' })
  t.same(await assign('john'), { type: 'user', id: '2', name: 'John Smith', email: 'john@acme.example' }, 'username')
  t.same(await assign('team:4505138082299904'), { type: 'team', id: '4505138082299904', name: 'platform' })
  t.equal(await assign(''), null)
  t.equal(await assign(null), null)

  r = await putJson(em, path, token, { isBookmarked: true, hasSeen: true, isSubscribed: true })
  t.match(r.body, { isBookmarked: true, hasSeen: true, isSubscribed: true, status: 'unresolved' }, 'partial: status untouched')

  const invalid: Array<[unknown, unknown]> = [
    [{ status: 'done' }, { status: ['"done" is not a valid choice.'] }],
    [{ assignedTo: 'user:4' }, { assignedTo: ['Unknown actor input'] }], // Bob is only in globex
    [{ assignedTo: 'team:4507281246273536' }, { assignedTo: ['Unknown actor input'] }],
    [{ hasSeen: 'maybe' }, { hasSeen: ['Must be a valid boolean.'] }],
    [{ priority: 'urgent' }, { priority: ['"urgent" is not a valid choice.'] }]
  ]
  for (const [body, errors] of invalid) {
    const res = await putJson(em, path, token, body)
    t.same([res.status, res.body], [400, errors], JSON.stringify(body))
  }

  await api(em, '/_emulator/reset', undefined, { method: 'POST' })
  const restored = (await api(em, path, token)).body as Issue
  t.same([restored.status, restored.isBookmarked, restored.assignedTo], [issue?.status, issue?.isBookmarked, issue?.assignedTo], '/_emulator/reset restores the seed')
})

t.test('events: list newest first, latest/oldest/recommended, by id, via the project route, tags', async (t) => {
  const { em, token, all } = await setup(t)
  const issue = all.find((i) => i.type === 'error' && i.culprit !== null) ?? all[0]
  const base = `/api/0/organizations/acme/issues/${issue?.id ?? ''}`
  const list = (await api(em, `${base}/events/`, token)).body as Array<{ eventID: string, dateCreated: string, 'event.type': string }>
  t.ok(list.length >= 2)
  t.ok(list.every((e) => /^[0-9a-f]{32}$/.test(e.eventID) && e['event.type'] === 'error'))
  t.ok(Date.parse(list[0]?.dateCreated ?? '') >= Date.parse(list.at(-1)?.dateCreated ?? ''), 'newest first')

  const latest = (await api(em, `${base}/events/latest/`, token)).body as Record<string, unknown>
  t.equal(latest.eventID, list[0]?.eventID)
  t.equal(((await api(em, `${base}/events/oldest/`, token)).body as Record<string, unknown>).eventID, list.at(-1)?.eventID)
  t.equal(((await api(em, `${base}/events/recommended/`, token)).body as Record<string, unknown>).eventID, list[0]?.eventID)
  t.equal(latest.nextEventID, null)
  t.equal(latest.previousEventID, list[1]?.eventID)
  t.same((latest.entries as Array<{ type: string }>).map((e) => e.type), ['exception', 'request', 'breadcrumbs'])
  const byId = (await api(em, `${base}/events/${list[1]?.eventID ?? ''}/`, token)).body as Record<string, unknown>
  t.equal(byId.groupID, issue?.id)

  const viaProject = await api(em, `/api/0/projects/acme/${issue?.project.slug ?? ''}/events/${list[0]?.eventID ?? ''}/`, token)
  t.equal((viaProject.body as Record<string, unknown>).id, list[0]?.eventID)
  const other = all.find((i) => i.project.slug !== issue?.project.slug)?.project.slug ?? ''
  t.equal((await api(em, `/api/0/projects/acme/${other}/events/${list[0]?.eventID ?? ''}/`, token)).status, 404, 'not in that project')

  const unsupported = all.find((i) => i.issueCategory === 'ai_detected')
  const future = (await api(em, `/api/0/organizations/acme/issues/${unsupported?.id ?? ''}/events/latest/`, token)).body as { type: string, entries: Array<{ type: string }> }
  t.equal(future.type, 'future_ai_agent_trace', 'an event type newer than the spec')
  t.ok(future.entries.some((e) => e.type === 'ai_trace'), 'and an unknown entry type')
  const perf = all.find((i) => i.issueCategory === 'performance')
  const spans = (await api(em, `/api/0/organizations/acme/issues/${perf?.id ?? ''}/events/latest/`, token)).body as { entries: Array<{ type: string }> }
  t.ok(spans.entries.some((e) => e.type === 'spans'))
  const csp = all.find((i) => i.type === 'csp')
  const cspEvent = (await api(em, `/api/0/organizations/acme/issues/${csp?.id ?? ''}/events/latest/`, token)).body as { entries: Array<{ type: string }> }
  t.ok(cspEvent.entries.some((e) => e.type === 'csp'))

  const tag = (await api(em, `${base}/tags/environment/`, token)).body as { key: string, topValues: Array<{ value: string, count: number }> }
  t.equal(tag.key, 'environment')
  t.ok(tag.topValues.length > 0)
  const values = (await api(em, `${base}/tags/level/values/`, token)).body as Array<{ key: string, value: string }>
  t.same(values.map((v) => [v.key, v.value]), [['level', (issue as Issue).level]])
})

t.test('releases and stats_v2', async (t) => {
  const { em, token } = await setup(t)
  const releases = (await api(em, '/api/0/organizations/acme/releases/', token)).body as Array<{ id: unknown, version: string }>
  t.ok(releases.length >= 5)
  t.ok(releases.every((r) => Number.isInteger(r.id)), 'release ids are integers')
  const one = await api(em, `/api/0/organizations/acme/releases/${encodeURIComponent('worker@0.9.0+build.7')}/`, token)
  t.equal((one.body as { version: string }).version, 'worker@0.9.0+build.7')
  t.same(((await api(em, '/api/0/organizations/acme/releases/?query=frontend', token)).body as Array<{ version: string }>).map((r) => r.version), ['frontend@2.5.0', 'frontend@2.4.1', 'frontend@2.4.0'])

  const stats = async (qs: string): Promise<{ status: number, body: unknown }> => await api(em, `/api/0/organizations/acme/stats_v2/?${qs}`, token)
  t.same(await stats('groupBy=outcome').then((r) => [r.status, r.body]), [400, { detail: 'At least one "field" is required.' }])
  t.same(await stats('field=sum(quantity)').then((r) => [r.status, r.body]), [400, { detail: 'At least one "groupBy" is required.' }])
  const ok = (await stats('field=sum(quantity)&groupBy=category&statsPeriod=24h&interval=1h')).body as { intervals: string[], groups: Array<{ by: { category: string }, series: Record<string, number[]> }> }
  t.ok(ok.intervals.length >= 24 && ok.intervals.length <= 25)
  t.ok(ok.groups.every((g) => g.series['sum(quantity)']?.length === ok.intervals.length))
})
