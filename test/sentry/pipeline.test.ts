// src/sentry/pipeline.ts: compose; each layer alone is tested in its own file (auth, region, throttle, retry).
import t from 'tap'
import { compose, type Send } from '../../src/sentry/pipeline.js'
import { answer, request } from '../helpers/fake-upstream.js'

t.test('compose: the first layer sees the request first', async t => {
  const order: string[] = []
  const tag = (name: string) => (next: Send): Send => async (req) => { order.push(name); return await next(req) }
  await compose(tag('a'), tag('b'), tag('c'))(async () => { order.push('send'); return answer(200) })(request())
  t.same(order, ['a', 'b', 'c', 'send'])
})
