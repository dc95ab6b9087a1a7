import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { registrationText, registrationValues } from '../../src/pages/registration.js'
import { testEnv } from '../helpers/env.js'

t.test('registration values follow the configuration', async t => {
  const dir = t.testdir()
  const cfg = (extra: Record<string, string>): ReturnType<typeof loadConfig> => loadConfig(testEnv(dir, extra), { cwd: dir })
  const local = registrationValues(cfg({ PUBLIC_URL: 'http://localhost:3000' }))
  t.same(local.redirectUris, ['http://localhost:3000/oauth/sentry/callback'])
  t.equal(local.homepageUrl, 'http://localhost:3000')
  t.equal(local.registerAt, 'https://sentry.io/settings/account/api/applications/')
  t.match(local.notes.join(' '), /loopback/)
  t.equal(local.privacyPolicyUrl, null)

  const plain = registrationValues(cfg({ PUBLIC_URL: 'http://gw.internal' }))
  t.match(plain.notes.join(' '), /plain http/)

  const prod = registrationValues(cfg({
    PUBLIC_URL: 'https://gw.example.com',
    SENTRY_URL: 'https://sentry.acme.internal',
    ALLOWED_ORIGINS: 'https://app.example.com,https://gw.example.com',
    PRIVACY_POLICY_URL: 'https://gw.example.com/privacy',
    TERMS_URL: 'https://gw.example.com/terms',
    SENTRY_SCOPES: 'org:read event:read'
  }))
  t.same(prod.allowedOrigins, ['https://gw.example.com', 'https://app.example.com'], 'deduplicated, ours first')
  t.equal(prod.registerAt, 'https://sentry.acme.internal/settings/account/api/applications/')
  t.notMatch(prod.notes.join(' '), /loopback|plain http/)
  t.same(prod.scopes.map(s => s.scope), ['org:read', 'event:read'])
  const text = registrationText(prod)
  t.match(text, /Homepage URL: +https:\/\/gw\.example\.com\n/)
  t.match(text, /Authorized Redirect URIs: +https:\/\/gw\.example\.com\/oauth\/sentry\/callback/)
  t.match(text, /Privacy Policy URL: +https:\/\/gw\.example\.com\/privacy/)
  t.match(text, /Terms and Conditions URL: +https:\/\/gw\.example\.com\/terms/)
  t.match(text, /Authorized JavaScript Origins: +https:\/\/gw\.example\.com\n +https:\/\/app\.example\.com/)
  t.match(text, /SENTRY_SCOPES="org:read event:read"/)
  t.match(text, /SENTRY_URL=https:\/\/sentry\.acme\.internal/)
})
