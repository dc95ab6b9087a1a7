import t from 'tap'
import { describeTokenFailure } from '../../src/connect/token-failure.js'
import { oauthErrorOf } from '../../src/sentry/token-endpoint.js'

t.test('describeTokenFailure maps every failure to words without echoing secrets', async t => {
  // Sentry's answer (status + `{"error": …}`), or how the exchange failed (src/sentry/token-endpoint.ts's TokenExchangeError).
  const responseError = (status: number, payload: unknown) => describeTokenFailure({ upstreamStatus: status, oauthError: oauthErrorOf(payload) })
  t.match(responseError(400, { error: 'invalid_grant' }), { status: 400, code: 'invalid_grant', upstreamStatus: 400, oauthError: 'invalid_grant' })
  t.match(responseError(401, { error: 'invalid_client' }), { status: 424, code: 'invalid_client' })
  t.match(responseError(401, null), { status: 424, code: 'invalid_client', oauthError: null })
  t.match(responseError(400, { error: 'Bad <b>' }), { status: 400, code: 'token_request_refused', oauthError: null }, 'odd error strings are dropped')
  t.match(responseError(400, Buffer.from('x')), { status: 400, code: 'token_request_refused' })
  t.match(responseError(503, { detail: 'x' }), { status: 424, code: 'sentry_error', upstreamStatus: 503 })
  t.match(responseError(500, undefined), { status: 424, code: 'sentry_error', upstreamStatus: 500 }, 'a non-JSON error answer')
  t.match(describeTokenFailure({ transport: 'timeout' }), { status: 424, code: 'sentry_timeout' })
  t.match(describeTokenFailure({ transport: 'unreachable' }), { status: 424, code: 'sentry_unreachable' })
  t.match(describeTokenFailure({ transport: 'bad_response' }), { status: 424, code: 'bad_token_response', upstreamStatus: null })
})
