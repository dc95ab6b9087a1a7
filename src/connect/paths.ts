/** The path of the OAuth callback; the redirect URI registered in Sentry is PUBLIC_URL + this. */
export const CALLBACK_PATH = '/oauth/sentry/callback'
