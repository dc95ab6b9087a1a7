/**
 * GraphiQL opens the example operations (latency dashboard, trace view, release health) as its
 * default tabs, and each example runs without errors against the emulator.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { OPERATIONS_DIR } from '../../src/graphql/persisted.js'
import { EXAMPLE_TABS } from '../../src/plugins/graphiql-offline.js'
import { buildTestApp } from '../helpers/app.js'
import { connectViewer, gql } from '../helpers/graphql.js'
import { counters, resetCounters } from '../helpers/emulator.js'

const ta = await buildTestApp(t)
const viewer = await connectViewer(ta)

t.test('main.js defines the example tabs and hands them to GraphiQL', async (t) => {
  const res = await ta.app.inject({ method: 'GET', url: '/graphiql/main.js' })
  t.equal(res.statusCode, 200)
  t.match(res.body, /defaultTabs: window\.GATEWAY_EXAMPLE_TABS,/)
  const m = /^window\.GATEWAY_EXAMPLE_TABS = (.*)$/m.exec(res.body)
  const tabs = JSON.parse(m?.[1] ?? '[]') as Array<{ query: string, variables: string }>
  t.same(tabs.map((tab) => /query (\w+)/.exec(tab.query)?.[1]), ['LatencyDashboard', 'TraceView', 'ReleaseHealth'])
  t.notMatch(m?.[1] ?? '', /</, 'no raw < in the inline JSON')
})

t.test('every example runs without errors, with the upstream calls it documents', async (t) => {
  const expected: Record<string, number> = { 'latency-dashboard.graphql': 2, 'trace-view.graphql': 2, 'release-health.graphql': 7 }
  for (const { file, variables } of EXAMPLE_TABS) {
    await resetCounters(ta.emulator)
    const res = await gql(ta.app, readFileSync(join(OPERATIONS_DIR, file), 'utf8'), { cookie: viewer.cookie, variables })
    t.notOk(res.body.errors, `${file}: ${JSON.stringify(res.body.errors)}`)
    t.ok(res.body.data?.organization, file)
    t.equal((await counters(ta.emulator)).apiRequests, expected[file], `${file}: upstream calls`)
  }
})
