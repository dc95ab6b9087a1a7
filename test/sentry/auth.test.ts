// src/sentry/auth.ts alone, with a fake `next` (test/helpers/fake-upstream.ts).
import t from 'tap'
import { authLayer, type TokenSource } from '../../src/sentry/auth.js'
import { answer, request, script } from '../helpers/fake-upstream.js'

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
