/**
 * src/plugins/sentry-oauth.ts: @fastify/oauth2 is loaded when the first connect flow starts (not
 * at start-up), registered on its own Fastify instance, and drives the redirect as before.
 */
import { createRequire } from 'node:module'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { stateCookieName, verifierCookieName } from '../../src/connect/cookies.js'

const loaded = (): boolean => Object.keys(createRequire(import.meta.url).cache).some(f => /[/\\]@fastify[/\\]oauth2[/\\]index\.js$/.test(f))

t.test('@fastify/oauth2 is not loaded by a start, only by the first connect flow', async t => {
  const { app, config } = await buildTestApp(t)
  t.notOk(loaded(), 'not loaded after the app is ready')
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
  t.notOk(loaded(), 'nor by a request that does not connect')

  const first = await app.inject({ method: 'GET', url: '/connect/sentry' })
  t.equal(first.statusCode, 302)
  t.ok(loaded(), 'loaded by the first connect')
  const to = new URL(String(first.headers.location))
  t.equal(`${to.origin}${to.pathname}`, `${config.sentryUrl}/oauth/authorize/`)
  t.equal(to.searchParams.get('code_challenge_method'), 'S256')
  t.equal(to.searchParams.get('redirect_uri'), `${config.publicUrl}/oauth/sentry/callback`)
  const cookies = ([] as string[]).concat(first.headers['set-cookie'] ?? [])
  t.ok(cookies.some(c => c.startsWith(`${verifierCookieName(config)}=`)), 'the PKCE verifier cookie is set on our reply')
  t.ok(cookies.some(c => c.startsWith(`${stateCookieName(config)}=`)), 'and the state cookie')

  const second = await app.inject({ method: 'GET', url: '/connect/sentry' })
  t.equal(second.statusCode, 302)
  t.not(new URL(String(second.headers.location)).searchParams.get('state'), to.searchParams.get('state'), 'every flow has its own state')
})
