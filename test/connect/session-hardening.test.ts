/**
 * Issue 10, defect 6, written as attacks: a session cookie planted by a sibling subdomain, a
 * session fixed before the victim connects, a replayed pre-callback cookie, a session that must
 * end before its 30 days, and anonymous visits filling the users table.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { buildTestApp } from '../helpers/app.js'
import { sessionCookie } from '../helpers/graphql.js'
import { BrowserLike, decodeEntities, type Cookie } from '../helpers/browser-like.js'
import { countRows, runConnect } from '../helpers/connect-flow.js'
import type { Config } from '../../src/config.js'

const VIEWER = '{ viewer { id connections { id } } }'

function users (config: Config): number {
  const db = new Database(config.databasePath, { readonly: true, fileMustExist: true })
  try {
    return (db.prepare('select count(*) as n from users').get() as { n: number }).n
  } finally {
    db.close()
  }
}

async function viewer (url: string, b: BrowserLike): Promise<{ id?: string, connections?: unknown[], code?: string }> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: b.cookieHeader(new URL(`${url}/graphql`)) },
    body: JSON.stringify({ query: VIEWER })
  })
  const body = await res.json() as { data?: { viewer?: { id: string, connections: unknown[] } }, errors?: Array<{ extensions: { code: string } }> }
  return body.data?.viewer ?? { code: body.errors?.[0]?.extensions.code }
}

t.test('over https the session cookie is __Host-gateway_session; a planted plain gateway_session is ignored', async t => {
  const { app } = await buildTestApp(t, { env: { PUBLIC_URL: 'https://gw.example.com' } })
  const user = await app.store.createUser()
  // A sibling subdomain can set `gateway_session` (Domain=.example.com) but never a __Host- cookie.
  const planted = sessionCookie(app, user.id)
  t.match(planted, /^gateway_session=/)
  const res = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', cookie: planted }, payload: { query: VIEWER } })
  t.equal(res.json().errors[0].extensions.code, 'UNAUTHENTICATED', 'the unprefixed cookie is not a session over https')
  const hosted = planted.replace(/^gateway_session=/, '__Host-gateway_session=')
  const ok = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', cookie: hosted }, payload: { query: VIEWER } })
  t.equal(ok.json().data.viewer.id, user.id, 'the __Host- cookie is')
})

t.test('fixation: a cookie planted before the victim connects stops working once they connect', async t => {
  const { url, config } = await buildTestApp(t, { listen: true })
  // The attacker gets a session of their own (by connecting once), then plants a copy in the victim's browser.
  const attacker = new BrowserLike()
  await runConnect(attacker, url)
  const attackerView = await viewer(url, attacker)
  t.ok(attackerView.id)
  const victim = new BrowserLike()
  const stolen = attacker.cookie('gateway_session') as Cookie
  victim.cookies.push({ ...stolen })
  const run = await runConnect(victim, url, { skipHome: true, query: '?returnTo=%2F' })
  t.equal(run.callback.status, 303)
  t.not(victim.cookie('gateway_session')?.value, stolen.value, 'the session was rotated when the connection was made')

  const afterAttacker = await viewer(url, attacker)
  t.equal(afterAttacker.code, 'UNAUTHENTICATED', 'the attacker\'s copy of the cookie is refused')
  const victimView = await viewer(url, victim)
  t.equal(victimView.connections?.length, 1, 'the victim keeps a working session with the connection')
  t.equal(countRows(config).connections, 1)
})

t.test('replaying the pre-callback cookies fails the state check, before any code exchange', async t => {
  const { url, emulator } = await buildTestApp(t, { listen: true })
  const b = new BrowserLike()
  await b.fetch(`${url}/`)
  const start = await b.fetch(`${url}/connect/sentry`)
  const snapshot = b.cookies.map(c => ({ ...c }))
  const consent = await b.fetch(start.location as string)
  t.equal(consent.status, 200)
  const { parseForm } = await import('../helpers/browser-like.js')
  const form = parseForm(consent)
  const back = await b.fetch(form.action, { form: { ...form.fields, op: 'approve' } })
  const first = await b.fetch(back.location as string)
  t.equal(first.status, 303, 'the flow completed once')
  const exchanges = emulator.control.counters().tokenExchanges

  // The attacker restores the cookies as they were before the callback and gets a fresh code for
  // the same state from Sentry (which skips consent for an approved application).
  b.cookies.splice(0, b.cookies.length, ...snapshot)
  const again = await b.fetch(start.location as string)
  const fresh = again.status === 302 ? again : await b.fetch(parseForm(again).action, { form: { ...parseForm(again).fields, op: 'approve' } })
  t.equal(new URL(fresh.location as string).searchParams.get('state'), new URL(start.location as string).searchParams.get('state'), 'same state, fresh code')
  const replay = await b.fetch(fresh.location as string)
  t.equal(replay.status, 400, 'refused')
  t.match(decodeEntities(replay.body), /No connection was in progress/)
  t.equal(emulator.control.counters().tokenExchanges, exchanges, 'the fresh code was never exchanged')
})

t.test('sessions can be revoked before their 30 days (store and npm run revoke-sessions)', async t => {
  const { url, app, config } = await buildTestApp(t, { listen: true })
  const b = new BrowserLike()
  await runConnect(b, url)
  const before = await viewer(url, b)
  t.equal(before.connections?.length, 1)
  t.equal(await app.store.revokeSessions(before.id as string), 2, 'connect rotated once (1), revoke bumps again (2)')
  t.equal((await viewer(url, b)).code, 'UNAUTHENTICATED', 'the cookie is refused at once')
  const home = await b.fetch(`${url}/`)
  t.match(home.body, /No connections yet/, 'the landing page no longer shows the connection')
  t.equal(await app.store.revokeSessions('no-such-user'), null)

  // The command, on the same database, for a second browser of a second user.
  const b2 = new BrowserLike()
  await runConnect(b2, url)
  const second = await viewer(url, b2)
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const run = async (args: string[]): Promise<{ code: number | null, out: string }> => {
    const child = spawn('env', ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', process.execPath, '--import', 'tsx', 'src/cli/revoke-sessions.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: config.databasePath, SESSION_SECRET: config.sessionSecret, TOKEN_ENCRYPTION_KEY: [...config.tokenKeys.keys.values()][0]?.toString('base64') ?? '', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout?.on('data', d => { out += String(d) })
    child.stderr?.on('data', d => { out += String(d) })
    const [code] = await once(child, 'exit') as [number | null]
    return { code, out }
  }
  const ok = await run([second.id as string])
  t.equal(ok.code, 0, ok.out)
  t.match(ok.out, /every session of user/)
  t.equal((await viewer(url, b2)).code, 'UNAUTHENTICATED')
  const unknown = await run(['nobody'])
  t.equal(unknown.code, 1)
  t.match(unknown.out, /no user "nobody"/)
  const usage = await run([])
  t.equal(usage.code, 2)
})

t.test('anonymous visits create no user rows; the first connection creates exactly one', async t => {
  const { url, config } = await buildTestApp(t, { listen: true })
  const statuses = new Set<number>()
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${url}/`)
    statuses.add(res.status)
    await res.text()
  }
  t.same([...statuses], [200], '200 anonymous visits answered')
  const browser = new BrowserLike()
  for (let i = 0; i < 5; i++) await browser.fetch(`${url}/`)
  await browser.fetch(`${url}/connect/sentry`)
  t.equal(users(config), 0, '205 visits and a started flow: no user row')
  await runConnect(browser, url, { skipHome: true })
  t.equal(users(config), 1, 'the connection created the user')
  const listed = await browser.fetch(`${url}/`)
  t.notMatch(listed.body, /No connections yet/)
  t.equal(users(config), 1)
})
