import t from 'tap'
import { buildQuery, fillPath, pageQuery, pageSize } from '../../src/sentry/caller.js'

const ISSUES = '/api/0/organizations/{organization_id_or_slug}/issues/'

t.test('fillPath encodes every parameter as one segment and refuses empty ones', async t => {
  t.equal(fillPath('/api/0/organizations/{organization_id_or_slug}/releases/{version}/', { organization_id_or_slug: 'acme', version: 'a/b c?d#e' }),
    '/api/0/organizations/acme/releases/a%2Fb%20c%3Fd%23e/')
  for (const bad of ['', '.', '..']) {
    t.throws(() => fillPath(ISSUES, { organization_id_or_slug: bad }), { code: 'BAD_USER_INPUT' })
  }
  t.throws(() => fillPath(ISSUES, {}), { code: 'BAD_USER_INPUT' })
})

t.test('buildQuery repeats arrays and drops undefined and null', async t => {
  t.equal(buildQuery({ project: ['1', 2], query: 'is:unresolved level:error', a: undefined, b: null, full: false }),
    '?project=1&project=2&query=is%3Aunresolved+level%3Aerror&full=false')
  t.equal(buildQuery({}), '')
  t.equal(buildQuery(), '')
})

t.test('page sizes are 1..100', async t => {
  t.equal(pageSize(undefined), undefined)
  t.equal(pageSize(100), 100)
  for (const bad of [0, 101, 1.5, -1]) t.throws(() => pageSize(bad), { code: 'BAD_USER_INPUT' })
  t.same(pageQuery({ cursor: '0:100:0', perPage: 5 }), { cursor: '0:100:0', per_page: 5 })
  t.same(pageQuery({ cursor: '' }), {})
  t.same(pageQuery(), {})
})
