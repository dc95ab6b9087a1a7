import type { FastifyReply } from 'fastify'
import type { Config } from '../config.js'

/**
 * The cookies @fastify/oauth2 sets while a connect flow runs: the PKCE verifier and the state.
 * Over http (local development) they carry our names and live under the callback's folder; over
 * https the plugin's `__Host-` names are used, which a browser forces to Path=/ (RFC 6265bis §4.1.3.2).
 */
export const VERIFIER_COOKIE = 'sentry-oauth-verifier'
export const STATE_COOKIE = 'sentry-oauth-state'
/** The plugin's own names over https (`hostPrefixedCookies`). */
export const HOST_VERIFIER_COOKIE = '__Host-oauth2-code-verifier'
export const HOST_STATE_COOKIE = '__Host-oauth2-redirect-state'
/** Only the callback reads the flow's cookies (over http). */
export const OAUTH_COOKIE_PATH = '/oauth/sentry'

const isHttps = (config: Pick<Config, 'publicUrl'>): boolean => config.publicUrl.startsWith('https:')

/** The name of @fastify/oauth2's state cookie. */
export function stateCookieName (config: Pick<Config, 'publicUrl'>): string {
  return isHttps(config) ? HOST_STATE_COOKIE : STATE_COOKIE
}

/** The name of @fastify/oauth2's PKCE verifier cookie. */
export function verifierCookieName (config: Pick<Config, 'publicUrl'>): string {
  return isHttps(config) ? HOST_VERIFIER_COOKIE : VERIFIER_COOKIE
}

/** The plugin clears its cookies when it exchanges a code; every other ending of a flow clears them with this. */
export function clearOAuthCookies (reply: FastifyReply, config: Pick<Config, 'publicUrl' | 'production'>): void {
  const https = isHttps(config)
  for (const name of [verifierCookieName(config), stateCookieName(config)]) {
    reply.clearCookie(name, { path: https ? '/' : OAUTH_COOKIE_PATH, secure: https || config.production, httpOnly: true, sameSite: 'lax' })
  }
}
