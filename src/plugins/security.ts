import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import helmet from '@fastify/helmet'
import cors from '@fastify/cors'
import type { Config } from '../config.js'

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

/**
 * Security headers (@fastify/helmet) and CORS (@fastify/cors). Registered first so every
 * route, including 404s and errors, carries the headers. CORS is open only to
 * config.allowedOrigins, with credentials; with none configured no CORS header is sent.
 */
export default fp(async function securityPlugin (app: FastifyInstance, opts: SecurityPluginOptions) {
  const { config } = opts
  const https = config.publicUrl.startsWith('https:')
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(config) },
    // Lets the landing page keep its link to the connect popup (window.opener / postMessage);
    // a plain same-origin policy would sever it as soon as the popup navigated to Sentry.
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
    // 'same-origin', not 'no-referrer': under no-referrer Chrome sends `Origin: null` on our own
    // form POSTs, which the disconnect CSRF check must refuse. Nothing leaks cross-origin either way.
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: https ? { maxAge: 15_552_000, includeSubDomains: false } : false
  })
  const allowed = new Set(config.allowedOrigins)
  await app.register(cors, {
    origin: allowed.size === 0
      ? false
      : (origin, callback) => { callback(null, origin !== undefined && allowed.has(origin)) },
    credentials: true,
    methods: ['GET', 'HEAD', 'POST'],
    maxAge: 600
  })
}, { name: 'security' })
