import t from 'tap'
import { buildQuery, fillPath, formEncode, pageQuery, pageSize } from '../../src/sentry/caller.js'

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

t.test('fillPath answers what a replace over the template answers, for any placement of placeholders', async t => {
  // The straightforward form fillPath replaces (it splits each template once and keeps the parts).
  const reference = (template: string, params: Record<string, string>): string =>
    template.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => encodeURIComponent(params[name] as string))
  const params = { a: 'x y', b: 'ü/é', organization_id_or_slug: 'acme', c: '%2F' }
  for (const template of ['/api/0/', '/{a}', '{a}/', '{a}{b}', '/x/{a}/y/{b}/z/{a}/', '/api/0/organizations/{organization_id_or_slug}/projects/', '/{c}/{not valid}/{a}']) {
    t.equal(fillPath(template, params), reference(template, params), template)
    t.equal(fillPath(template, params), reference(template, params), `${template} (again, from the remembered parts)`)
  }
  t.throws(() => fillPath('/{a}/{missing}/', params), { code: 'BAD_USER_INPUT', message: /non-empty missing is required/ })
})

t.test('formEncode writes exactly what URLSearchParams writes', async t => {
  const samples = ['', 'plain-._*', 'is:unresolved level:error', 'a+b=c&d', '100%', '!\'()~', 'ü', '日本', '😀', '\ud800', 'x\udc00y', '\u0000\n\t']
  for (let c = 0; c < 0x80; c++) samples.push(`a${String.fromCharCode(c)}b`)
  for (const s of samples) t.equal(formEncode(s), new URLSearchParams([['', s]]).toString().slice(1), JSON.stringify(s))
  t.equal(buildQuery({ 'a b': ['x~y', '(1)'], "it's": '!' }), `?${new URLSearchParams([['a b', 'x~y'], ['a b', '(1)'], ["it's", '!']]).toString()}`)
})

t.test('page sizes are 1..100', async t => {
  t.equal(pageSize(undefined), undefined)
  t.equal(pageSize(100), 100)
  for (const bad of [0, 101, 1.5, -1]) t.throws(() => pageSize(bad), { code: 'BAD_USER_INPUT' })
  t.same(pageQuery({ cursor: '0:100:0', perPage: 5 }), { cursor: '0:100:0', per_page: 5 })
  t.same(pageQuery({ cursor: '' }), {})
  t.same(pageQuery(), {})
})
