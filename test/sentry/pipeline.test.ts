import t from 'tap'
import { authLayer, type TokenSource } from '../../src/sentry/auth.js'
import { Deadline } from '../../src/sentry/deadline.js'
import { type Send, type UpstreamRequest, type UpstreamResponse, compose } from '../../src/sentry/pipeline.js'
import { ConcurrencyGate, RateWindows } from '../../src/sentry/rate-limit.js'
import { regionLayer } from '../../src/sentry/region.js'
import { retryLayer } from '../../src/sentry/retry.js'
import { throttleLayer } from '../../src/sentry/throttle.js'
import { TransportError } from '../../src/sentry/transport.js'

// Each layer of the Sentry pipeline (src/sentry/pipeline.ts) alone, with a fake `next`.

const SENTRY = 'https://sentry.example'
const request = (over: Partial<UpstreamRequest> = {}): UpstreamRequest => ({
  method: 'GET',
  template: '/api/0/organizations/{organization_id_or_slug}/teams/',
  pathAndQuery: '/api/0/organizations/acme/teams/',
  baseUrl: SENTRY,
  headers: {},
  deadline: Deadline.after(5000),
  ...over
})
const answer = (status: number, headers: Record<string, string> = {}, text = '[]'): UpstreamResponse => ({ status, headers, text })

/** A fake `next` that answers from a script and records what it was sent. */
function script (...steps: Array<UpstreamResponse | Error>): Send & { seen: UpstreamRequest[] } {
  const seen: UpstreamRequest[] = []
  const send = async (req: UpstreamRequest): Promise<UpstreamResponse> => {
    seen.push(req)
    const step = steps.shift()
    if (step === undefined) throw new Error('unexpected call')
    if (step instanceof Error) throw step
    return step
  }
  return Object.assign(send, { seen })
}

t.test('compose: the first layer sees the request first', async t => {
  const order: string[] = []
  const tag = (name: string) => (next: Send): Send => async (req) => { order.push(name); return await next(req) }
  await compose(tag('a'), tag('b'), tag('c'))(async () => { order.push('send'); return answer(200) })(request())
  t.same(order, ['a', 'b', 'c', 'send'])
})

t.test('retry: GET 503 retried with its attempt number; PUT not; a delay past the deadline is not waited', async t => {
  const next = script(answer(503), answer(503), answer(200))
  t.equal((await retryLayer({ random: () => 0 })(next)(request())).status, 200)
  t.same(next.seen.map(r => r.attempt), [1, 2, 3])

  const put = script(answer(503))
  t.equal((await retryLayer({ random: () => 0 })(put)(request({ method: 'PUT' }))).status, 503, 'PUT: no replay')

  const late = script(answer(503))
  const res = await retryLayer({ random: () => 0.99 })(late)(request({ deadline: Deadline.after(1) }))
  t.equal(res.status, 503, 'the backoff would pass the deadline: the answer as it is')
  t.equal(late.seen.length, 1)

  const refused = script(new TransportError('connect', 'ECONNREFUSED'), answer(200))
  t.equal((await retryLayer({ random: () => 0 })(refused)(request({ method: 'PUT' }))).status, 200, 'never sent: safe to retry any method')
  const onRegion = script(new TransportError('connect', 'ECONNREFUSED'))
  await t.rejects(retryLayer({ random: () => 0 })(onRegion)(request({ canFallBack: true })), TransportError, 'a region host is left to the region layer')
  t.equal(onRegion.seen.length, 1)
})

t.test('throttle: waits for a spent window, learns the concurrency limit, and gives up at the deadline', async t => {
  const gate = new ConcurrencyGate()
  const windows = new RateWindows(Date.now)
  const waits: number[] = []
  const signals = { upstreamCall: () => ({ headers: {}, end () {} }), upstreamRetry () {}, upstreamRateLimited () {}, rateLimitWait (ms: number) { waits.push(ms) }, refresh: () => ({ end () {} }), leaseWait () {} }
  const layer = throttleLayer({ gate, windows, waitBudgetMs: 60_000, signals })
  const reset = String(Math.floor(Date.now() / 1000) + 30)
  const next = script(answer(200, { 'x-sentry-rate-limit-remaining': '0', 'x-sentry-rate-limit-reset': reset, 'x-sentry-rate-limit-concurrentlimit': '1' }))
  await layer(next)(request())
  t.equal(gate.limit, 1, 'ConcurrentLimit learned')
  await t.rejects(layer(next)(request({ deadline: Deadline.after(2000) })), { code: 'RATE_LIMITED' }, 'a 30 s window does not fit a 2 s deadline')
  t.equal(next.seen.length, 1, 'nothing sent')

  // The gate: one slot; a second request waits, then gives up at its deadline without a slot.
  const gate2 = new ConcurrencyGate(1)
  let finish: (() => void) | undefined
  const slow: Send = async () => { await new Promise<void>(resolve => { finish = resolve }); return answer(200) }
  const layer2 = throttleLayer({ gate: gate2, windows: new RateWindows(Date.now), waitBudgetMs: 0, signals })
  const first = layer2(slow)(request())
  await new Promise(resolve => setImmediate(resolve))
  const sent: string[] = []
  await t.rejects(layer2(async () => { sent.push('x'); return answer(200) })(request({ deadline: Deadline.after(50) })), { code: 'UPSTREAM_TIMEOUT' })
  t.same(sent, [], 'the waiter never sent its request')
  t.equal(gate2.queued, 0, 'and left the queue')
  finish?.()
  await first
  t.equal(gate2.inFlight, 0, 'every slot given back')
  t.ok(waits.length > 0, 'the gate wait was reported')

  // A 429: wait for Retry-After, then try again.
  const limited = script(answer(429, { 'retry-after': '0' }, '"slow down"'), answer(200))
  t.equal((await throttleLayer({ gate: new ConcurrencyGate(), windows: new RateWindows(Date.now), waitBudgetMs: 5000 })(limited)(request())).status, 200)
  t.equal(limited.seen.length, 2)
})

t.test('ConcurrencyGate: a waiter that gives up is never granted a slot later', async t => {
  const gate = new ConcurrencyGate(1)
  const release = await gate.acquire()
  t.equal(await gate.tryAcquire(20), null)
  t.equal(gate.queued, 0)
  release()
  t.equal(gate.inFlight, 0)
  const again = await gate.tryAcquire(0)
  t.ok(again, 'free again')
  again?.()
})

t.test('auth: Bearer token; one refresh and one retry on "Token expired"; other 401s pass through', async t => {
  let version = 1
  const refreshed: number[] = []
  const tokens: TokenSource = {
    current: async () => ({ value: `tok${version}`, version }),
    afterUnauthorized: async (used) => { refreshed.push(used.version); version++ }
  }
  const expired = answer(401, {}, JSON.stringify({ detail: 'Token expired' }))
  const next = script(expired, answer(200))
  t.equal((await authLayer(tokens)(next)(request())).status, 200)
  t.same(next.seen.map(r => r.headers.authorization), ['Bearer tok1', 'Bearer tok2'])
  t.same(refreshed, [1])

  const twice = script(expired, expired)
  await t.rejects(authLayer(tokens)(twice)(request()), { code: 'UPSTREAM_ERROR', extensions: { reason: 'TOKEN_NOT_ACCEPTED' } })

  const other = script(answer(401, {}, JSON.stringify({ detail: 'Unauthorized organization access.' })))
  t.equal((await authLayer(tokens)(other)(request())).status, 401, 'not a refresh case: for the caller to word')
  t.equal(other.seen.length, 1)
})

t.test('region: org calls go to the region; a region never reached falls back to SENTRY_URL once', async t => {
  const failed: string[] = []
  const routes = { baseUrlFor: async () => 'https://us.sentry.example', failed: (org: string, base: string) => { failed.push(`${org} ${base}`) } }
  const next = script(answer(200), new TransportError('connect', 'ECONNREFUSED'), answer(200), answer(200))
  await regionLayer(SENTRY, routes)(next)(request({ org: 'acme' }))
  t.equal(next.seen[0]?.baseUrl, 'https://us.sentry.example')
  t.equal(next.seen[0]?.canFallBack, true)
  await regionLayer(SENTRY, routes)(next)(request({ org: 'acme' }))
  t.same(next.seen.slice(1).map(r => r.baseUrl), ['https://us.sentry.example', SENTRY])
  t.same(failed, ['acme https://us.sentry.example'])
  await regionLayer(SENTRY, routes)(next)(request())
  t.equal(next.seen[3]?.baseUrl, SENTRY, 'not org-scoped: SENTRY_URL')

  const reset = script(new TransportError('reset', 'ECONNRESET'))
  await t.rejects(regionLayer(SENTRY, routes)(reset)(request({ org: 'acme' })), TransportError, 'maybe received: no fallback')
})

t.test('Deadline: race rejects with UPSTREAM_TIMEOUT and lets the work finish', async t => {
  let finished = false
  const work = new Promise<string>(resolve => setTimeout(() => { finished = true; resolve('done') }, 100))
  await t.rejects(Deadline.after(10).race(work), { code: 'UPSTREAM_TIMEOUT' })
  t.equal(await work, 'done')
  t.ok(finished)
  t.equal(await Deadline.after(1000).race(Promise.resolve(1)), 1)
  t.throws(() => { Deadline.after(0).check() }, { code: 'UPSTREAM_TIMEOUT' })
  t.ok(Deadline.after(1000).fits(10))
  t.notOk(Deadline.after(10).fits(1000))
})
