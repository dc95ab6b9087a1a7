import t from 'tap'
import type { Config } from '../../src/config.js'
import type { Store } from '../../src/db/store.js'
import { createSentryGateway } from '../../src/sentry/gateway.js'

t.test('per-connection state is kept for a bounded number of connections', async t => {
  const gateway = createSentryGateway({
    config: { sentryUrl: 'https://sentry.io', refreshWindowSeconds: 300, rateLimitWaitBudgetMs: 0, upstreamConnectTimeoutMs: 100, upstreamRequestTimeoutMs: 100 } as Config,
    store: {} as Store,
    maxConnectionStates: 1
  })
  t.teardown(async () => { await gateway.close() })
  const a = gateway.forConnection('a')
  gateway.forConnection('b')
  t.equal(gateway.forConnection('a').connectionId, a.connectionId)
  t.equal(typeof gateway.owner, 'string')
})
