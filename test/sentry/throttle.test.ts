// src/sentry/throttle.ts alone, with a fake `next` (test/helpers/fake-upstream.ts).
import t from 'tap'
import { Deadline } from '../../src/sentry/deadline.js'
import { type Send } from '../../src/sentry/pipeline.js'
import { ConcurrencyGate, RateWindows } from '../../src/sentry/rate-limit.js'
import { throttleLayer } from '../../src/sentry/throttle.js'
import { answer, request, script } from '../helpers/fake-upstream.js'

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
