import t from 'tap'
import { safeReturnTo } from '../../src/connect/return-to.js'

const ORIGIN = 'http://127.0.0.1:3000'

t.test('safeReturnTo accepts only same-origin relative paths', async t => {
  t.equal(safeReturnTo(undefined, ORIGIN), '/')
  t.equal(safeReturnTo('/', ORIGIN), '/')
  t.equal(safeReturnTo('/graphiql?x=1#y', ORIGIN), '/graphiql?x=1#y')
  t.equal(safeReturnTo('/a/../b', ORIGIN), null, 'dot-segments are refused, not normalised (issue 10, defect 1)')
  for (const bad of ['//evil.com', '/\\evil.com', '\\\\evil.com', 'https://evil.com', 'http:/evil.com', 'javascript:alert(1)',
    'evil.com', '', ' /x', '/x\r\nSet-Cookie: a=b', '/x\u0000', '/x\\y', '/connect/sentry', '/oauth/sentry/callback', `/${'a'.repeat(2048)}`]) {
    t.equal(safeReturnTo(bad, ORIGIN), null, JSON.stringify(bad.slice(0, 30)))
  }
  t.equal(safeReturnTo(['/a', '/b'], ORIGIN), null, 'arrays are refused')
  t.equal(safeReturnTo(42, ORIGIN), null)
})
