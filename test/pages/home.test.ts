import t from 'tap'
import type { ConnectionRecord } from '../../src/db/store.js'
import { renderHome } from '../../src/pages/home.js'

t.test('the landing page renders every connection state', async t => {
  const now = new Date('2030-01-01T00:00:00Z')
  const base: ConnectionRecord = {
    id: 'c1',
    userId: 'u1',
    sentryUser: { id: '1', name: 'Jane <Doe>', email: 'jane@example.com' },
    scopes: ['org:read'],
    status: 'ACTIVE',
    statusReason: null,
    statusChangedAt: now,
    expiresAt: new Date(now.getTime() + 86_400_000 * 2),
    scopingOrgId: null,
    createdAt: now,
    updatedAt: now,
    tokensIssuedAt: now,
    organizations: [{ orgId: '1', slug: 'acme', name: 'Acme & Co', regionUrl: 'https://us.sentry.io' }]
  }
  const page = renderHome({
    scopes: ['org:read', 'made:up'],
    csrfToken: 'tok"en',
    authorizedApplicationsUrl: 'https://sentry.io/settings/account/authorizations/',
    oauthConfigured: true,
    notice: null,
    now,
    connections: [
      base,
      { ...base, id: 'c2', expiresAt: new Date(now.getTime() + 86_400_000), scopingOrgId: '1', updatedAt: new Date(now.getTime() + 1000) },
      { ...base, id: 'c3', expiresAt: new Date(now.getTime() + 3 * 3_600_000), sentryUser: { id: '2', name: null, email: null }, organizations: [] },
      { ...base, id: 'c4', expiresAt: new Date(now.getTime() - 1000), sentryUser: { id: '3', name: null, email: 'x@example.com' } },
      { ...base, id: 'c5', expiresAt: null },
      { ...base, id: 'c6', status: 'REVOKED', statusReason: null, expiresAt: null }
    ]
  })
  t.match(page, /Jane &lt;Doe&gt; &lt;jane@example\.com&gt;/, 'names are escaped')
  t.match(page, /Acme &amp; Co/)
  t.match(page, /value="tok&quot;en"/)
  t.match(page, /in 2 days/)
  t.match(page, /in 1 day;/)
  t.match(page, /in 3 h/)
  t.match(page, /expired; the gateway refreshes it/)
  t.match(page, /<dd>never<\/dd>/)
  t.match(page, /token limited to this organization/)
  t.match(page, /last updated/)
  t.match(page, /#2 <span/)
  t.match(page, /none visible to this token/)
  t.match(page, /&lt;x@example\.com&gt;/)
  t.match(page, /use the “made:up” permission/)
  t.equal((page.match(/>Reconnect</g) ?? []).length, 1, 'Reconnect only for the revoked one')
  const unconfigured = renderHome({ scopes: [], csrfToken: 't', authorizedApplicationsUrl: 'x', oauthConfigured: false, notice: null, now, connections: [{ ...base, status: 'REVOKED', statusReason: 'gone' }] })
  t.notMatch(unconfigured, />Reconnect</, 'no Reconnect without an OAuth client')
  t.match(unconfigured, /No Sentry OAuth application is configured/)
})
