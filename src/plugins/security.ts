import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import helmet, { type HelmetOptions } from 'helmet'
import cors from '@fastify/cors'
import type { Config } from '../config.js'

declare module 'fastify' {
  interface RouteShorthandOptions {
    /** Helmet options merged over the app's for this route (e.g. a different COOP). */
    helmet?: HelmetOptions
  }
  interface FastifyContextConfig {
    /** The route's security headers, computed when the route is added (see securityPlugin). */
    securityHeaders?: Array<[string, string]>
  }
}

export interface SecurityPluginOptions {
  config: Config
}

/**
 * The Content-Security-Policy for every response. Our pages load scripts only from /assets/
 * (no inline script), so script-src is 'self'. GraphiQL (served with local assets at /graphiql)
 * needs inline styles: mercurius' page has a <style> block and React sets style attributes.
 * Its service worker is a same-origin script (worker-src 'self'); its icons are data: URLs.
 */
export function contentSecurityPolicy (config: Config): Record<string, string[]> {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'"],
    'worker-src': ["'self'"],
    'manifest-src': ["'self'"],
    // Forms post only to us. The Connect button is a link, not a form, because Chrome also
    // applies form-action to the redirects that follow a form submission.
    'form-action': ["'self'"],
    'frame-ancestors': ["'self'"],
    'object-src': ["'none'"]
  }
  // Over plain http (local development), upgrading subresources to https would break the page.
  if (config.publicUrl.startsWith('https:')) directives['upgrade-insecure-requests'] = []
  return directives
}

/** Helmet's options for every response (a route may merge its own over them: `{ helmet: {…} }`). */
export function helmetOptions (config: Config): HelmetOptions {
  const https = config.publicUrl.startsWith('https:')
  return {
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(config) },
    // Lets the landing page keep its link to the connect popup (window.opener / postMessage);
    // a plain same-origin policy would sever it as soon as the popup navigated to Sentry.
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
    // 'same-origin', not 'no-referrer': under no-referrer Chrome sends `Origin: null` on our own
    // form POSTs, which the disconnect CSRF check must refuse. Nothing leaks cross-origin either way.
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: https ? { maxAge: 15_552_000, includeSubDomains: false } : false
  }
}

/**
 * The headers helmet's middleware sets, computed once: it runs against a response that is never
 * sent (no socket is ever connected). Helmet's middleware only sets (and removes) fixed headers
 * derived from its options (https://github.com/helmetjs/helmet, index.ts), so the result is the
 * same for every request.
 */
export function helmetHeaders (options: HelmetOptions): Array<[string, string]> {
  const req = new IncomingMessage(new Socket())
  const res = new ServerResponse(req)
  let failure: unknown
  helmet(options)(req, res, (err?: unknown) => { failure = err })
  if (failure !== undefined) throw failure
  return Object.entries(res.getHeaders()).map(([name, value]) => [name, String(value)])
}

/**
 * Security headers (helmet's, computed once per app and once per route that merges its own
 * options) and CORS (@fastify/cors). Registered first so every route, including 404s and errors,
 * carries the headers. @fastify/helmet is not used: it rebuilds helmet's middleware on every
 * request (https://github.com/fastify/fastify-helmet, index.js `buildHelmetOnRoutes`), measured at
 * about 4 % of the gateway's CPU per request. CORS is open only to config.allowedOrigins, with
 * credentials; with none configured the plugin is not registered and no CORS header is sent.
 */
export default fp(async function securityPlugin (app: FastifyInstance, opts: SecurityPluginOptions) {
  const { config } = opts
  const base = helmetOptions(config)
  const everywhere = helmetHeaders(base)
  // One computation per options object (Fastify adds a HEAD route with the GET route's options).
  const perRoute = new WeakMap<HelmetOptions, Array<[string, string]>>()
  app.addHook('onRoute', (route) => {
    const own = route.helmet
    if (own === undefined) return
    let headers = perRoute.get(own)
    if (headers === undefined) {
      headers = helmetHeaders({ ...base, ...own } as HelmetOptions)
      perRoute.set(own, headers)
    }
    route.config = { ...route.config, securityHeaders: headers }
  })
  app.addHook('onRequest', (request, reply, done) => {
    for (const [name, value] of request.routeOptions.config.securityHeaders ?? everywhere) reply.header(name, value)
    done()
  })
  // Without ALLOWED_ORIGINS no CORS header is ever sent and a preflight meets the 404 of an
  // unknown route, so the plugin (two hooks' work per request, ~4 % of a small answer's CPU in
  // the benchmark's profile) is not registered at all.
  if (config.allowedOrigins.length === 0) return
  const allowed = new Set(config.allowedOrigins)
  await app.register(cors, {
    origin: (origin, callback) => { callback(null, origin !== undefined && allowed.has(origin)) },
    credentials: true,
    methods: ['GET', 'HEAD', 'POST'],
    maxAge: 600
  })
}, { name: 'security' })
