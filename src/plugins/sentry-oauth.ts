import fp from 'fastify-plugin'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { FastifyOAuth2Options } from '@fastify/oauth2'
import type { Config } from '../config.js'
import { fieldOf } from '../http/fields.js'
import { cookieSecure } from './session.js'
import { CALLBACK_PATH } from '../connect/paths.js'
import { OAUTH_COOKIE_PATH, STATE_COOKIE, VERIFIER_COOKIE } from '../connect/cookies.js'
import { type ConnectIntent, type PendingFlow, sameSecret, startConnectFlow } from '../connect/flow.js'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * @fastify/oauth2 for Sentry (the part the gateway uses: the authorization URL with its state
     * and PKCE cookies); present only when SENTRY_CLIENT_ID/SECRET are configured.
     */
    sentryOAuth2: SentryOAuth2
  }
  interface FastifyRequest {
    /** Set by GET /connect/sentry before the authorization URL is generated. */
    sentryConnectIntent: ConnectIntent | null
    /** Set by the callback when its state matched the browser's flow (src/connect/flow.ts). */
    sentryConnectFlow: (PendingFlow & { state: string }) | null
  }
}

export interface SentryOAuth2 {
  generateAuthorizationUri: (request: FastifyRequest, reply: FastifyReply) => Promise<string>
}

export interface SentryOAuthPluginOptions {
  config: Config
  now?: () => number
}

/**
 * @fastify/oauth2 configured for Sentry: authorization code with PKCE S256, client credentials
 * in the form body (the only form every Sentry version accepts, docs/sentry.md §2), state in
 * the plugin's cookie (binds the browser) and server-side (single-use, see src/connect/flow.ts). The PKCE
 * verifier travels in the plugin's httpOnly, SameSite=Lax cookie, Secure when PUBLIC_URL is
 * https or in production. It drives the redirect only: the code exchange and the refresh go to
 * Sentry's token endpoint through src/sentry/token-endpoint.ts (body cap, deadline, one parser).
 */
export default fp(async function sentryOAuthPlugin (app: FastifyInstance, opts: SentryOAuthPluginOptions) {
  const { config } = opts
  const now = opts.now ?? Date.now
  const publicOrigin = new URL(config.publicUrl).origin
  app.decorateRequest('sentryConnectIntent', null)
  app.decorateRequest('sentryConnectFlow', null)

  if (config.sentryClientId === undefined || config.sentryClientSecret === undefined) {
    app.log.warn('SENTRY_CLIENT_ID/SENTRY_CLIENT_SECRET are not set: connecting to Sentry is disabled; see /setup/sentry.')
    return
  }

  const https = config.publicUrl.startsWith('https:')
  const options: FastifyOAuth2Options = {
    name: 'sentryOAuth2',
    credentials: {
      client: { id: config.sentryClientId, secret: config.sentryClientSecret },
      auth: {
        authorizeHost: config.sentryUrl,
        authorizePath: '/oauth/authorize/',
        tokenHost: config.sentryUrl,
        tokenPath: '/oauth/token/'
      },
      options: { authorizationMethod: 'body', bodyFormat: 'form' },
      http: { timeout: config.upstreamRequestTimeoutMs }
    },
    scope: config.sentryScopes,
    callbackUri: `${config.publicUrl}${CALLBACK_PATH}`,
    pkce: 'S256',
    userAgent: 'sentry-graphql-gateway',
    // __Host- names need a secure origin; over http (local development) plain names are used.
    hostPrefixedCookies: https,
    ...(https ? {} : { verifierCookieName: VERIFIER_COOKIE, redirectStateCookieName: STATE_COOKIE }),
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: cookieSecure(config),
      // Only the callback reads them (a __Host- cookie is forced to Path=/ by the plugin).
      path: OAUTH_COOKIE_PATH
    },
    async generateStateFunction (request: FastifyRequest): Promise<string> {
      const intent: ConnectIntent = request.sentryConnectIntent ?? { returnTo: '/', mode: 'redirect', messageOrigin: publicOrigin, userId: null, via: 'cookie' }
      return await startConnectFlow(app.store, intent, now())
    },
    checkStateFunction (request: FastifyRequest): boolean {
      const flow = request.sentryConnectFlow
      const state = fieldOf(request.query, 'state')
      return flow !== null && typeof state === 'string' && sameSecret(state, flow.state)
    }
  }

  // @fastify/oauth2 (with simple-oauth2 and joi, ~70–100 ms of a start's CPU) is loaded when the
  // first connect flow starts, and registered on a Fastify instance of its own: it only builds the
  // authorization URL and sets its cookies on the reply it is given (this app's, with
  // @fastify/cookie). A failed load is tried again by the next flow.
  let loading: Promise<{ own: FastifyInstance, oauth2: SentryOAuth2 }> | undefined
  const load = async (): Promise<SentryOAuth2> => {
    loading ??= (async () => {
      // The default export: module.exports under Node's CommonJS interop and in the start bundle
      // (scripts/build.mjs), where a CommonJS module loaded with import() has no named exports.
      const { default: fastifyOauth2 } = await import('@fastify/oauth2')
      const own = Fastify({ logger: false })
      try {
        await own.register(fastifyOauth2, options)
        await own.ready()
      } catch (err) {
        await own.close()
        throw err
      }
      return { own, oauth2: own.sentryOAuth2 }
    })()
    try {
      return (await loading).oauth2
    } catch (err) {
      loading = undefined
      throw err
    }
  }
  app.decorate('sentryOAuth2', {
    generateAuthorizationUri: async (request, reply) => await (await load()).generateAuthorizationUri(request, reply)
  } satisfies SentryOAuth2)
  app.addHook('onClose', async () => {
    const loaded = await loading?.catch(() => undefined)
    await loaded?.own.close()
  })
}, { name: 'sentry-oauth', dependencies: ['session', 'database'] })
