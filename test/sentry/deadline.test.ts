// src/sentry/deadline.ts.
import t from 'tap'
import { Deadline } from '../../src/sentry/deadline.js'

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
