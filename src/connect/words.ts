/** What the connect flow's pages say when it fails, by error code (shown to the user, and posted to the opener in popup mode). */

/** The callback's state check failed (src/connect/flow.ts), by reason. */
export const STATE_WORDS: Record<'missing' | 'no-flow' | 'mismatch' | 'expired', string> = {
  missing: 'Sentry’s answer carried no state, so it cannot be matched to a connection you started.',
  'no-flow': 'No connection was in progress in this browser: it already finished, or it was started in another browser or session.',
  mismatch: 'Sentry’s answer does not belong to the connection started in this browser.',
  expired: 'The connection took longer than 10 minutes, so it expired.'
}

/** A connect link (POST /connect/sessions) was refused, by error code. */
export const SESSION_WORDS: Record<'invalid_session' | 'session_used' | 'session_expired' | 'session_other_user' | 'session_required', string> = {
  invalid_session: 'This connect link is not valid: it was not issued by this gateway, or it was altered.',
  session_used: 'This connect link was already used. Links work once; start again from your app.',
  session_expired: 'This connect link expired (links are valid for 10 minutes). Start again from your app.',
  session_other_user: 'This connect link was issued for another user than the one signed in to this browser, so it was refused.',
  session_required: 'On this gateway, connections start from your app: it asks for a connect link (POST /connect/sessions) and opens it.'
}

/** Sentry's authorization page answered with an OAuth error (RFC 6749 §4.1.2.1), by error code. */
export const AUTHORIZE_ERROR_WORDS: Record<string, string> = {
  invalid_scope: 'Sentry refused one of the requested permissions (invalid_scope). The administrator should check SENTRY_SCOPES.',
  invalid_request: 'Sentry found the request incomplete or malformed (invalid_request).',
  unauthorized_client: 'Sentry does not let this application connect in this way (unauthorized_client).',
  unsupported_response_type: 'Sentry does not support the requested response type (unsupported_response_type).',
  server_error: 'Sentry had an internal error while authorizing (server_error).',
  temporarily_unavailable: 'Sentry is temporarily unavailable (temporarily_unavailable).'
}
