import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { stateHash } from '../../src/connect/flow.js'

t.test('served assets, the setup page, and a callback without any session', async t => {
  const { app, config } = await buildTestApp(t, { env: { PRIVACY_POLICY_URL: 'https://gw.example.com/privacy', ALLOWED_ORIGINS: 'https://app.example.com' } })
  const js = await app.inject({ method: 'GET', url: '/assets/connect.js' })
  t.equal(js.statusCode, 200)
  t.match(js.headers['content-type'], /text\/javascript/)
  t.match(js.body, /window\.open/)
  t.match(js.body, /msg\.origin !== window\.location\.origin/)
  const popup = await app.inject({ method: 'GET', url: '/assets/popup-result.js' })
  t.match(popup.body, /opener\.postMessage\(message, targetOrigin\)/)
  t.notMatch(popup.body, /'\*'/, 'never posts to any origin')
  const css = await app.inject({ method: 'GET', url: '/assets/app.css' })
  t.match(css.headers['content-type'], /text\/css/)

  const setup = await app.inject({ method: 'GET', url: '/setup/sentry' })
  t.equal(setup.statusCode, 200)
  t.match(setup.body, `${config.publicUrl}/oauth/sentry/callback`)
  t.match(setup.body, /https:\/\/gw\.example\.com\/privacy/)
  t.match(setup.body, /set TERMS_URL/)
  t.match(setup.body, /An OAuth application is configured/)
  t.match(setup.body, /npm run registration/)
  t.match(setup.body, /<code>http:\/\/localhost:\d+<\/code><br><code>https:\/\/app\.example\.com<\/code>/, 'every allowed origin listed')

  // Anything else calling the plugin's generateAuthorizationUri gets a plain flow back to "/".
  const fakeRequest = { sentryConnectIntent: null, query: {} }
  const fakeReply = { setCookie: () => fakeReply }
  const uri = await app.sentryOAuth2.generateAuthorizationUri(fakeRequest as never, fakeReply as never)
  t.match(uri, /^http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\/\?/)
  // The flow is kept server-side under the hash of its state.
  const flow = await app.store.takeConnectFlow(stateHash(new URL(uri).searchParams.get('state') ?? ''))
  t.match(flow, { returnTo: '/', mode: 'redirect', messageOrigin: new URL(config.publicUrl).origin, userId: null, via: 'cookie' })

  const cb = await app.inject({ method: 'GET', url: '/oauth/sentry/callback?code=abc&state=def' })
  t.equal(cb.statusCode, 400)
  t.match(cb.body, /No connection was in progress/)
  t.notMatch(cb.body, /abc/, 'the code is not echoed')
})

t.test('without an OAuth client the pages explain what to set up', async t => {
  const { app } = await buildTestApp(t, { env: { SENTRY_CLIENT_ID: '', SENTRY_CLIENT_SECRET: '' } })
  const home = await app.inject({ method: 'GET', url: '/' })
  t.equal(home.statusCode, 200)
  t.match(home.body, /No Sentry OAuth application is configured/)
  t.notMatch(home.body, /data-popup-href/)
  t.match(home.body, /\/settings\/account\/authorizations\/"/, 'the link goes to Sentry’s Authorized Applications path, which the emulator serves too')
  const start = await app.inject({ method: 'GET', url: '/connect/sentry' })
  t.equal(start.statusCode, 503)
  t.match(start.body, /Sentry is not configured/)
  const setup = await app.inject({ method: 'GET', url: '/setup/sentry' })
  t.match(setup.body, /No OAuth application is configured yet/)
})
