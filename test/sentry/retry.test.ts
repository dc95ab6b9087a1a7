// src/sentry/retry.ts alone, with a fake `next` (test/helpers/fake-upstream.ts).
import t from 'tap'
import { Deadline } from '../../src/sentry/deadline.js'
import { retryLayer } from '../../src/sentry/retry.js'
import { TransportError } from '../../src/sentry/transport.js'
import { answer, request, script } from '../helpers/fake-upstream.js'

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
