import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import secureSession from '@fastify/secure-session'
import { rememberOpenedSessions } from '../../src/plugins/session-memo.js'
import { buildTestApp } from '../helpers/app.js'
import { connectViewer } from '../helpers/graphql.js'

const EXPIRY = 3600
const COOKIE = 'sid'

interface Subject { app: FastifyInstance, opens: () => number }

/** A Fastify app with secure-session and the memo; `opens` counts the library's own openings. */
async function subject (t: Test, key: Buffer | Buffer[], max?: number): Promise<Subject> {
  const app = Fastify()
  t.teardown(async () => { await app.close() })
  await app.register(secureSession, { key, cookieName: COOKIE, expiry: EXPIRY, cookie: { path: '/' } })
  let opens = 0
  const open = app.decodeSecureSession
  app.decodeSecureSession = (cookie, log, name) => { opens++; return open(cookie, log, name) }
  rememberOpenedSessions(app, { expirySeconds: EXPIRY, max })
  app.get('/who', async (request) => ({ userId: request.session.get('userId') ?? null, gen: request.session.get('gen') ?? null }))
  app.post('/become', async (request) => { request.session.set('userId', 'someone-else'); return { ok: true } })
  await app.ready()
  return { app, opens: () => opens }
}

const sealed = (app: FastifyInstance, data: Record<string, unknown>): string => app.encodeSecureSession(app.createSecureSession(data))
const header = (value: string): Record<string, string> => ({ cookie: `${COOKIE}=${encodeURIComponent(value)}` })
const setCookies = (h: string | string[] | undefined): string[] => h === undefined ? [] : Array.isArray(h) ? h : [h]

t.test('a cookie value is opened once; every request gets its own session with the same data', async t => {
  const key = randomBytes(32)
  const { app, opens } = await subject(t, key)
  const cookie = sealed(app, { userId: 'u1', gen: 3 })
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ method: 'GET', url: '/who', headers: header(cookie) })
    t.same(res.json(), { userId: 'u1', gen: 3 }, `request ${i + 1}`)
    t.same(setCookies(res.headers['set-cookie']), [], 'an unchanged session is not sent back')
  }
  t.equal(opens(), 1, 'the library opened it once')

  // A request that changes its session changes only its own copy.
  const become = await app.inject({ method: 'POST', url: '/become', headers: header(cookie) })
  t.equal(setCookies(become.headers['set-cookie']).length, 1, 'the changed session is sealed and sent')
  const again = await app.inject({ method: 'GET', url: '/who', headers: header(cookie) })
  t.same(again.json(), { userId: 'u1', gen: 3 }, 'the old cookie still names its own user')
  t.equal(opens(), 1)

  // Without a cookie: an empty session, nothing remembered.
  t.same((await app.inject({ method: 'GET', url: '/who' })).json(), { userId: null, gen: null })
})

t.test('a cookie that does not open is never remembered', async t => {
  const { app, opens } = await subject(t, randomBytes(32))
  const other = Fastify()
  t.teardown(async () => { await other.close() })
  await other.register(secureSession, { key: randomBytes(32), cookieName: COOKIE, expiry: EXPIRY })
  await other.ready()
  const foreign = sealed(other, { userId: 'u1' })
  const good = sealed(app, { userId: 'u1' })
  const tampered = `${good.slice(0, 10)}${good[10] === 'A' ? 'B' : 'A'}${good.slice(11)}`
  for (const bad of [foreign, tampered, 'not a cookie', `${good.split(';')[0] ?? ''};`]) {
    for (let i = 0; i < 2; i++) {
      t.same((await app.inject({ method: 'GET', url: '/who', headers: header(bad) })).json(), { userId: null, gen: null }, bad.slice(0, 20))
    }
  }
  t.equal(opens(), 8, 'each refused cookie opened (and refused) every time')
})

t.test('past its expiry a remembered cookie goes back to the library, which refuses it', async t => {
  const { app, opens } = await subject(t, randomBytes(32))
  // Issued so that it expires about 2 s from now (secure-session: (__ts + expiry) * 1000 > now).
  const cookie = sealed(app, { userId: 'u1', __ts: Math.floor(Date.now() / 1000) - EXPIRY + 3 })
  t.same((await app.inject({ method: 'GET', url: '/who', headers: header(cookie) })).json(), { userId: 'u1', gen: null }, 'valid, and remembered')
  t.same((await app.inject({ method: 'GET', url: '/who', headers: header(cookie) })).json(), { userId: 'u1', gen: null })
  t.equal(opens(), 1)
  await new Promise((resolve) => setTimeout(resolve, 3100))
  t.same((await app.inject({ method: 'GET', url: '/who', headers: header(cookie) })).json(), { userId: null, gen: null }, 'expired')
  t.equal(opens(), 2, 'the library decided')
  t.same((await app.inject({ method: 'GET', url: '/who', headers: header(cookie) })).json(), { userId: null, gen: null }, 'still expired')
})

t.test('a cookie sealed with an older key is re-sealed on every answer, remembered or not', async t => {
  const [current, older] = [randomBytes(32), randomBytes(32)]
  const { app, opens } = await subject(t, [current, older])
  const before = Fastify()
  t.teardown(async () => { await before.close() })
  await before.register(secureSession, { key: older, cookieName: COOKIE, expiry: EXPIRY })
  await before.ready()
  const cookie = sealed(before, { userId: 'u1', gen: 1 })
  for (let i = 0; i < 2; i++) {
    const res = await app.inject({ method: 'GET', url: '/who', headers: header(cookie) })
    t.same(res.json(), { userId: 'u1', gen: 1 })
    const fresh = setCookies(res.headers['set-cookie']).find((c) => c.startsWith(`${COOKIE}=`))
    t.ok(fresh, `request ${i + 1} gets a cookie sealed with the current key`)
    const value = decodeURIComponent((fresh ?? '').split(';')[0]?.slice(COOKIE.length + 1) ?? '')
    t.same(app.decodeSecureSession(value)?.get('userId'), 'u1', 'which opens with the current key')
  }
  t.equal(opens(), 1 + 2, 'the older cookie opened once, each fresh one once')
})

t.test('at most `max` cookie values are remembered, the oldest dropped first', async t => {
  const { app, opens } = await subject(t, randomBytes(32), 2)
  const [a, b, c] = ['a', 'b', 'c'].map((userId) => sealed(app, { userId })) as [string, string, string]
  for (const cookie of [a, b, c]) await app.inject({ method: 'GET', url: '/who', headers: header(cookie) })
  t.equal(opens(), 3)
  t.same((await app.inject({ method: 'GET', url: '/who', headers: header(c) })).json(), { userId: 'c', gen: null })
  t.equal(opens(), 3, 'c is remembered')
  t.same((await app.inject({ method: 'GET', url: '/who', headers: header(a) })).json(), { userId: 'a', gen: null })
  t.equal(opens(), 4, 'a was dropped, and is opened again')
})

t.test('the gateway opens session cookies through the memo', async t => {
  const gw = await buildTestApp(t)
  t.equal(gw.app.decodeSecureSession.name, 'decodeRemembered')
  const viewer = await connectViewer(gw)
  for (let i = 0; i < 2; i++) {
    const res = await gw.app.inject({ method: 'POST', url: '/graphql', headers: { cookie: viewer.cookie, 'content-type': 'application/json' }, payload: { query: '{ viewer { id } }' } })
    t.same(res.json(), { data: { viewer: { id: viewer.userId } } }, `request ${i + 1}`)
  }
})
