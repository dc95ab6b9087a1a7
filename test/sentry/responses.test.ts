import t from 'tap'
import { errorForResponse } from '../../src/sentry/responses.js'
import { requiredScopesFor } from '../../src/sentry/scopes.js'

const ISSUES = '/api/0/organizations/{organization_id_or_slug}/issues/'

t.test('responses map to the public error codes without copying the body', async t => {
  const spec = { method: 'GET' as const, path: ISSUES, what: 'The organization' }
  const secret = 'sntryu_secret_token_value'
  const cursor = errorForResponse(400, { detail: 'Invalid cursor parameter.' }, spec)
  t.match(cursor, { code: 'BAD_USER_INPUT', extensions: { argument: 'cursor' } })
  const fields = errorForResponse(400, { status: [`bad ${secret}`], 'not a field!': ['x'] }, spec)
  t.match(fields, { code: 'BAD_USER_INPUT', extensions: { fields: ['status'] } })
  t.notMatch(fields.message, secret)
  t.match(errorForResponse(400, `raw ${secret}`, spec), { code: 'BAD_USER_INPUT', message: 'Sentry rejected the request parameters.' })
  t.match(errorForResponse(400, { detail: `unknown ${secret}` }, spec), { code: 'BAD_USER_INPUT', message: 'Sentry rejected the request parameters.' })

  const f = errorForResponse(403, { detail: 'You do not have permission to perform this action.' }, spec)
  t.match(f, { code: 'FORBIDDEN', extensions: { requiredScopes: ['event:read', 'event:write', 'event:admin'] } })
  const noAccess = errorForResponse(403, { detail: 'You do not have permission to perform this action.' }, spec, ['event:read'])
  t.match(noAccess, { code: 'FORBIDDEN', message: /no access/, extensions: { requiredScopes: ['event:read', 'event:write', 'event:admin'] } })
  t.notMatch(errorForResponse(403, {}, spec, ['org:read']).message, /no access/)
  t.match(errorForResponse(403, { detail: { code: 'superuser-required', message: 'x' } }, spec), { code: 'FORBIDDEN', extensions: { reason: 'superuser-required' } })
  const sso = errorForResponse(401, { detail: { code: 'sso-required', message: 'Must login via SSO', extra: { loginUrl: 'https://x/auth' } } }, spec)
  t.match(sso, { code: 'FORBIDDEN', extensions: { reason: 'sso-required', requiredScopes: [] } })
  t.match(sso.message, /single sign-on/)
  t.match(errorForResponse(401, { detail: { code: 'Weird Code!' } }, spec), { code: 'FORBIDDEN', extensions: { reason: 'unknown' } })
  t.match(errorForResponse(401, { detail: 'Unauthorized organization access.' }, spec), { code: 'FORBIDDEN', extensions: { reason: 'ORG_SCOPED_TOKEN' } })
  t.match(errorForResponse(401, { detail: 'UserApplication inactive or deleted' }, spec), { code: 'UPSTREAM_ERROR', extensions: { reason: 'INACTIVE' } })
  t.match(errorForResponse(401, { detail: 'Authentication credentials were not provided.' }, spec), { code: 'UPSTREAM_ERROR', extensions: { upstreamStatus: 401 } })
  t.match(errorForResponse(404, { detail: 'The requested resource does not exist' }, spec), { code: 'NOT_FOUND', message: /^The organization does not exist/ })
  t.match(errorForResponse(404, null, { method: 'GET', path: ISSUES }), { code: 'NOT_FOUND' })
  t.match(errorForResponse(504, null, spec), { code: 'UPSTREAM_TIMEOUT' })
  t.match(errorForResponse(500, { detail: 'Internal Error', errorId: 'abc' }, spec), { code: 'UPSTREAM_ERROR', extensions: { upstreamStatus: 500 } })
  t.match(errorForResponse(409, { detail: secret }, spec), { code: 'UPSTREAM_ERROR', extensions: { upstreamStatus: 409 } })
  t.same(requiredScopesFor('DELETE', ISSUES), [], 'unknown endpoint: no scope list')
})
