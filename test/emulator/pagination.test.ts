import t from 'tap'
import { request } from 'undici'
import { ACME_ISSUE_COUNT } from '../../src/emulator/index.js'
import { api, startTestEmulator, tokenFor } from '../helpers/emulator.js'

interface Link { url: string, rel: string, results: string, cursor: string }

/** Parses the header strictly in Sentry's CURSOR_LINK_HEADER format (docs/sentry.md §4). */
function parseLink (header: string | null): Record<string, Link> {
  const out: Record<string, Link> = {}
  for (const part of (header ?? '').split(', ')) {
    const m = /^<([^>]+)>; rel="(previous|next)"; results="(true|false)"; cursor="([^"]+)"$/.exec(part)
    if (m === null) throw new Error(`bad Link part: ${part}`)
    const [, url = '', rel = '', results = '', cursor = ''] = m
    out[rel] = { url, rel, results, cursor }
  }
  return out
}

t.test('walking every acme issue with limit=100 via Link until results="false"', async (t) => {
  const em = await startTestEmulator(t)
  const token = tokenFor(em)
  let url = `${em.url}/api/0/organizations/acme/issues/?query=&limit=100`
  const ids: string[] = []
  let pages = 0
  for (;;) {
    const r = await api(em, url.slice(em.url.length), token)
    t.equal(r.status, 200)
    pages++
    ids.push(...(r.body as Array<{ id: string }>).map((i) => i.id))
    const link = parseLink(r.headers.get('link'))
    t.same(Object.keys(link), ['previous', 'next'], 'both rels, previous first')
    t.equal(link.previous?.results, pages === 1 ? 'false' : 'true')
    if (link.next?.results === 'false') break
    url = link.next?.url ?? ''
    t.match(url, /\?query=&limit=100&cursor=0:\d+:0$/, 'query kept, cursor last')
    t.ok(pages < 10)
  }
  t.equal(pages, 3)
  t.equal(ids.length, ACME_ISSUE_COUNT)
  t.equal(new Set(ids).size, ids.length, 'no duplicates')
})

t.test('Link header: absolute URL from the request host, the ?& quirk, cursor format', async (t) => {
  const em = await startTestEmulator(t)
  const token = tokenFor(em)
  const r = await request(`${em.url}/api/0/organizations/`, { headers: { authorization: `Bearer ${token}`, host: 'sentry.example.test:8443' } })
  await r.body.dump()
  t.equal(r.headers.link,
    '<http://sentry.example.test:8443/api/0/organizations/?&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", ' +
    '<http://sentry.example.test:8443/api/0/organizations/?&cursor=0:100:0>; rel="next"; results="false"; cursor="0:100:0"')

  const members = await api(em, '/api/0/organizations/acme/members/?per_page=2&cursor=0:2:0', token)
  const link = parseLink(members.headers.get('link'))
  t.equal((members.body as unknown[]).length, 2)
  t.same(link.previous, { url: `${em.url}/api/0/organizations/acme/members/?per_page=2&cursor=0:0:1`, rel: 'previous', results: 'true', cursor: '0:0:1' })
  t.same(link.next, { url: `${em.url}/api/0/organizations/acme/members/?per_page=2&cursor=0:4:0`, rel: 'next', results: 'false', cursor: '0:4:0' })
})

t.test('an issue’s events page through per_page like any list', async (t) => {
  const em = await startTestEmulator(t)
  const token = tokenFor(em)
  const issue = ((await api(em, '/api/0/organizations/acme/issues/?query=&limit=1&sort=new', token)).body as Array<{ id: string }>)[0]?.id ?? ''
  const seen: string[] = []
  let path = `/api/0/organizations/acme/issues/${issue}/events/?per_page=1`
  for (let i = 0; i < 5; i++) {
    const r = await api(em, path, token)
    seen.push(...(r.body as Array<{ eventID: string }>).map((e) => e.eventID))
    const next = parseLink(r.headers.get('link')).next
    if (next?.results !== 'true') break
    path = next.url.slice(em.url.length)
  }
  t.ok(seen.length >= 2 && seen.length <= 3)
  t.equal(new Set(seen).size, seen.length)
})

t.test('page size and cursor errors (docs/sentry.md §4)', async (t) => {
  const em = await startTestEmulator(t)
  const token = tokenFor(em)
  const cases: Array<[string, string]> = [
    ['/api/0/organizations/?per_page=101', 'Invalid per_page value. Cannot exceed 100.'],
    ['/api/0/organizations/acme/projects/?per_page=abc', 'Invalid per_page parameter.'],
    ['/api/0/organizations/?cursor=garbage', 'Invalid cursor parameter.'],
    ['/api/0/organizations/?cursor=0:1', 'Invalid cursor parameter.'],
    ['/api/0/organizations/acme/issues/?cursor=a:b:c', 'Invalid cursor parameter.'],
    ['/api/0/organizations/acme/issues/?limit=101', 'invalid limit'],
    ['/api/0/organizations/acme/issues/?limit=ten', 'invalid limit']
  ]
  for (const [path, detail] of cases) {
    const r = await api(em, path, token)
    t.same([r.status, r.body], [400, { detail }], path)
  }
  t.equal((await api(em, '/api/0/organizations/?per_page=100&cursor=1420837533:0:0', token)).status, 200, 'any numeric cursor value is accepted')
  t.equal((await api(em, '/api/0/organizations/?cursor=0.5:0:0', token)).status, 200, 'float values too')
})
