import t from 'tap'
import { normalizeEventId } from '../../src/sentry/issues.js'

t.test('event ids are 32 hex characters or an alias', async t => {
  t.equal(normalizeEventId('9FAC2CEED9344F2BBFDD1FDACB0ED9B1'), '9fac2ceed9344f2bbfdd1fdacb0ed9b1')
  t.equal(normalizeEventId('9fac2cee-d934-4f2b-bfdd-1fdacb0ed9b1'), '9fac2ceed9344f2bbfdd1fdacb0ed9b1')
  t.throws(() => normalizeEventId('../../x'), { code: 'BAD_USER_INPUT' })
})
