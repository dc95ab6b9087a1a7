// src/sentry/region.ts alone, with a fake `next` (test/helpers/fake-upstream.ts).
import t from 'tap'
import { regionLayer } from '../../src/sentry/region.js'
import { TransportError } from '../../src/sentry/transport.js'
import { SENTRY, answer, request, script } from '../helpers/fake-upstream.js'

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
