/** The path of the OAuth callback; the redirect URI registered in Sentry is PUBLIC_URL + this. */
export const CALLBACK_PATH = '/oauth/sentry/callback'

/** Starts a connect flow (a browser's own, or a connect link's with `?session=`). */
export const CONNECT_PATH = '/connect/sentry'

/** Issues a connect link for a bearer JWT's user. */
export const CONNECT_SESSIONS_PATH = '/connect/sessions'
