/**
 * Fuzz (issue 10): seeded random `returnTo`, `origin`, `mode` and `state` values built from the
 * pieces open redirects are made of. No accepted `returnTo` ever leaves the origin (resolved the
 * way a browser resolves a Location header or a link), and no answer is a 5xx. Set FUZZ_SEED to
 * replay another seed.
 */
import t from 'tap'
import { safeReturnTo } from '../../src/connect/return-to.js'
import { buildTestApp } from '../helpers/app.js'
import { chance, int, pick, rng, type Rng } from '../helpers/fuzz.js'

const SEED = Number(process.env.FUZZ_SEED ?? 20261130)
const ORIGIN = 'http://127.0.0.1:3000'

const PIECES = [
  '/', '/', '/', '//', '\\', '.', '..', '%2e', '%2E', '%2e%2e', '.%2e', '%2f', '%2F', '%5c', '%5C', '%00', '%0a', '%09', '%25',
  'evil.com', 'evil.com:443', '@evil.com', 'user:pass@', 'http:', 'https:', 'javascript:', 'data:', ':', '?', '#', '&', '=', ';',
  ' ', '\t', '\n', '\r', '\u0000', '\u007f', '\u00a0', '\u2028', '\uff0f', '\uff0e', 'é', '\ud800', 'a', 'b', 'graphiql', 'connect', 'oauth',
  'setup', 'sentry', '127.0.0.1', 'localhost', '[::1]', '0x7f.1', '..;', '.;', '%2e;'
]

function randomReturnTo (r: Rng): string {
  const n = int(r, 1, 10)
  let s = chance(r, 0.8) ? '/' : ''
  for (let i = 0; i < n; i++) s += pick(r, PIECES)
  return s
}

/** Where a browser lands with `value` as a Location header or link on one of our pages. */
const lands = (value: string, base: string): URL => new URL(value, base)

t.test('safeReturnTo: 20,000 random values, no accepted one leaves the origin', async (t) => {
  const r = rng(SEED)
  let accepted = 0
  let escaped = 0
  for (let i = 0; i < 20_000; i++) {
    const raw = randomReturnTo(r)
    const out = safeReturnTo(raw, ORIGIN)
    if (out === null) continue
    accepted++
    for (const base of [`${ORIGIN}/oauth/sentry/callback`, `${ORIGIN}/connect/sentry`, `${ORIGIN}/`]) {
      const url = lands(out, base)
      if (url.origin !== ORIGIN || url.pathname.startsWith('//') || !/^[\x21-\x7e]*$/.test(out) || !out.startsWith('/') || out.startsWith('//')) {
        escaped++
        t.fail(`${JSON.stringify(raw)} → ${JSON.stringify(out)} lands on ${url.href}`)
      }
    }
  }
  t.equal(escaped, 0, 'no accepted returnTo leaves the origin')
  t.ok(accepted > 1000, `${accepted} values were accepted (the generator is not all garbage)`)
})

t.test('/connect/sentry and the callback: 600 random returnTo/origin/mode/state values, no 5xx, no redirect off the origin', async (t) => {
  const { app, config } = await buildTestApp(t)
  const origin = new URL(config.publicUrl).origin
  const r = rng(SEED + 2)
  let bad = 0
  for (let i = 0; i < 300; i++) {
    const params = new URLSearchParams()
    params.append('returnTo', randomReturnTo(r))
    if (chance(r, 0.3)) params.append('origin', pick(r, [origin, 'https://evil.com', 'null', '', origin + '/', 'http://127.0.0.1', randomReturnTo(r)]))
    if (chance(r, 0.3)) params.append('mode', pick(r, ['popup', 'redirect', 'iframe', '', 'POPUP']))
    if (chance(r, 0.1)) params.append('returnTo', randomReturnTo(r))
    const res = await app.inject({ method: 'GET', url: `/connect/sentry?${params.toString()}` })
    const location = res.headers.location
    const ok = res.statusCode < 500 && (res.statusCode !== 302 || typeof location === 'string')
    if (!ok) {
      bad++
      t.fail(`connect ${params.toString()} answered ${res.statusCode}`)
    }
  }
  for (let i = 0; i < 300; i++) {
    const params = new URLSearchParams()
    if (chance(r, 0.9)) params.append('state', randomReturnTo(r).slice(0, int(r, 0, 80)))
    if (chance(r, 0.7)) params.append('code', pick(r, ['x', '', 'a'.repeat(500), randomReturnTo(r)]))
    if (chance(r, 0.2)) params.append('error', pick(r, ['access_denied', 'invalid_scope', '<b>', '', 'x'.repeat(100)]))
    const res = await app.inject({ method: 'GET', url: `/oauth/sentry/callback?${params.toString()}` })
    const location = res.headers.location
    if (res.statusCode >= 500 || (typeof location === 'string' && lands(location, `${origin}/oauth/sentry/callback`).origin !== origin)) {
      bad++
      t.fail(`callback ${params.toString()} answered ${res.statusCode} ${String(location)}`)
    }
  }
  t.equal(bad, 0, 'no 5xx and no off-origin redirect')
})
