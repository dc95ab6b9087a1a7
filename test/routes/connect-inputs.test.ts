/**
 * The connect routes' schemas let every input through to src/connect/ as Fastify parsed it, so
 * each bad input keeps its own answer: repeated query parameters, JSON values Ajv would coerce
 * (`["/x"]` to `"/x"`, `false` to null), bodies that are not objects.
 */
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { signToken } from '../helpers/jwks.js'
import { decodeEntities } from '../helpers/browser-like.js'

const SECRET = 'an-hs256-secret-of-at-least-32-bytes-0123456789'
const SPA = 'http://127.0.0.1:5999'
const ENV = { AUTH_MODE: 'both', AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: 'https://platform.example.com', AUTH_JWT_AUDIENCE: 'sentry-gateway', ALLOWED_ORIGINS: SPA }

t.test('GET /connect/sentry: repeated parameters get the page of a bad value, unknown ones are ignored', async t => {
  const { app } = await buildTestApp(t, { env: ENV })
  for (const [qs, words] of [
    ['returnTo=/a&returnTo=/b', /not a page of this gateway/],
    ['mode=popup&mode=popup', /must be "popup" or "redirect"/],
    [`origin=${SPA}&origin=${SPA}`, /not one this gateway may report to/],
    ['session=abcdefghijklmnopqrstuvwxyz&session=abcdefghijklmnopqrstuvwxyz', /connect link is not valid/]
  ] as Array<[string, RegExp]>) {
    const res = await app.inject(`/connect/sentry?${qs}`)
    t.equal(res.statusCode, 400, qs)
    t.match(decodeEntities(res.body), words, qs)
  }
  const started = await app.inject(`/connect/sentry?mode=popup&origin=${encodeURIComponent(SPA)}&utm_source=x&utm_source=y`)
  t.equal(started.statusCode, 302, 'unknown parameters, even repeated, are ignored')
})

t.test('GET /oauth/sentry/callback: a repeated state is no state', async t => {
  const { app } = await buildTestApp(t, { env: ENV })
  const res = await app.inject('/oauth/sentry/callback?state=a&state=b&code=c')
  t.equal(res.statusCode, 400)
  t.match(decodeEntities(res.body), /carried no state/)
})

t.test('POST /connect/sessions: values are checked as sent, never coerced; 401 comes before the body', async t => {
  const { app } = await buildTestApp(t, { env: ENV })
  const authorization = `Bearer ${await signToken(SECRET, 'alice')}`
  const post = async (payload: string, headers: Record<string, string> = { authorization }): Promise<{ status: number, json: any }> => {
    const res = await app.inject({ method: 'POST', url: '/connect/sessions', headers: { 'content-type': 'application/json', ...headers }, payload })
    return { status: res.statusCode, json: res.json() }
  }
  for (const [payload, words] of [
    ['{"returnTo":["/x"]}', /returnTo must be a path/],
    ['{"returnTo":42}', /returnTo must be a path/],
    [`{"origin":["${SPA}"]}`, /ALLOWED_ORIGINS/],
    ['{"origin":true}', /ALLOWED_ORIGINS/],
    ['false', /JSON object/],
    ['0', /JSON object/],
    ['""', /JSON object/],
    ['[]', /JSON object/],
    ['{"a":1,"b":2}', /Unknown field\(s\): "a", "b"/]
  ] as Array<[string, RegExp]>) {
    const res = await post(payload)
    t.equal(res.status, 400, payload)
    t.match(res.json, { error: 'BAD_USER_INPUT', message: words }, payload)
  }
  t.equal((await post('null')).status, 201, 'null is no body')
  t.equal((await post(`{"returnTo":"/","origin":"${SPA}"}`)).status, 201)
  const noToken = await post('[1]', {})
  t.equal(noToken.status, 401, 'without a token, the body is not looked at')
  t.match(noToken.json, { error: 'UNAUTHENTICATED', reason: 'missing token' })
})

t.test('POST /connections/:id/disconnect: a body that is not a form is a form without the token', async t => {
  const { app } = await buildTestApp(t, { env: ENV })
  for (const payload of ['"x"', '[]', '{"csrf":["a"]}', 'null', '{"csrf":1}']) {
    const res = await app.inject({ method: 'POST', url: '/connections/abc/disconnect', headers: { 'content-type': 'application/json' }, payload })
    t.equal(res.statusCode, 403, payload)
    t.match(decodeEntities(res.body), /Disconnect refused/, payload)
  }
})
