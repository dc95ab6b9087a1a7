import type { Config } from '../config.js'
import { CALLBACK_PATH } from '../connect/paths.js'
import { describeScope } from './scopes.js'

/**
 * Sentry pages the user is sent to. Both are the React routes of getsentry/sentry
 * (static/app/routes.tsx): "API → Applications" lists the OAuth applications you registered,
 * "Authorized Applications" (account/authorizations) lists the apps you allowed and revokes them.
 */
export function sentryApplicationsUrl (sentryUrl: string): string {
  return `${sentryUrl}/settings/account/api/applications/`
}

export function sentryAuthorizedApplicationsUrl (sentryUrl: string): string {
  // The local emulator serves its stand-in page at the same path.
  return `${sentryUrl}/settings/account/authorizations/`
}

export interface RegistrationValues {
  /** Where to create the application. */
  registerAt: string
  name: string
  homepageUrl: string
  redirectUris: string[]
  /** Sentry's "Authorized JavaScript Origins". */
  allowedOrigins: string[]
  privacyPolicyUrl: string | null
  termsUrl: string | null
  scopes: Array<{ scope: string, words: string }>
  /** Extra advice for this configuration (loopback redirect, plain http). */
  notes: string[]
  /** The environment the gateway needs once the application exists. */
  env: Array<{ name: string, value: string }>
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** The exact values to type into Sentry's "Create New Application" form for this configuration. */
export function registrationValues (config: Config): RegistrationValues {
  const publicUrl = new URL(config.publicUrl)
  const origins = [...new Set([publicUrl.origin, ...config.allowedOrigins])]
  const notes: string[] = []
  if (LOOPBACK.has(publicUrl.hostname)) {
    notes.push(`PUBLIC_URL is a loopback address. Sentry accepts any port for a registered loopback redirect URI that has no port, so ${publicUrl.protocol}//${publicUrl.hostname}${CALLBACK_PATH} also works when the port changes.`)
  }
  if (publicUrl.protocol === 'http:' && !LOOPBACK.has(publicUrl.hostname)) {
    notes.push('PUBLIC_URL uses plain http on a non-loopback host: tokens and session cookies would cross the network unencrypted. Use https.')
  }
  notes.push('Sentry does not ask for scopes when you register a self-service application; the gateway requests them when a user connects (SENTRY_SCOPES).')
  return {
    registerAt: sentryApplicationsUrl(config.sentryUrl),
    name: `Sentry GraphQL gateway (${publicUrl.host})`,
    homepageUrl: config.publicUrl,
    redirectUris: [`${config.publicUrl}${CALLBACK_PATH}`],
    allowedOrigins: origins,
    privacyPolicyUrl: config.privacyPolicyUrl ?? null,
    termsUrl: config.termsUrl ?? null,
    scopes: config.sentryScopes.map(scope => ({ scope, words: describeScope(scope) })),
    notes,
    env: [
      { name: 'SENTRY_URL', value: config.sentryUrl },
      { name: 'PUBLIC_URL', value: config.publicUrl },
      { name: 'SENTRY_CLIENT_ID', value: '<the Client ID Sentry shows after saving>' },
      { name: 'SENTRY_CLIENT_SECRET', value: '<the Client Secret Sentry shows after saving>' },
      { name: 'SENTRY_SCOPES', value: config.sentryScopes.join(' ') }
    ]
  }
}

/** The same values as plain text, for `npm run registration`. */
export function registrationText (values: RegistrationValues): string {
  const field = (label: string, value: string | string[]): string =>
    `${`${label}:`.padEnd(31)}${(Array.isArray(value) ? value : [value]).join(`\n${' '.repeat(31)}`)}`
  const lines = [
    `Register an OAuth application in Sentry: ${values.registerAt}`,
    '("Create New Application", then fill in these fields and save.)',
    '',
    field('Name', values.name),
    field('Homepage URL', values.homepageUrl),
    field('Privacy Policy URL', values.privacyPolicyUrl ?? '(leave empty, or set PRIVACY_POLICY_URL)'),
    field('Terms and Conditions URL', values.termsUrl ?? '(leave empty, or set TERMS_URL)'),
    field('Authorized Redirect URIs', values.redirectUris),
    field('Authorized JavaScript Origins', values.allowedOrigins),
    '',
    'Scopes the gateway requests when a user connects:',
    ...values.scopes.map(s => `  ${s.scope.padEnd(20)} ${s.words}`),
    '',
    ...values.notes.map(n => `Note: ${n}`),
    '',
    'Then start the gateway with:',
    ...values.env.map(e => `  ${e.name}=${/^[\w:/.@-]*$/.test(e.value) ? e.value : JSON.stringify(e.value)}`),
    ''
  ]
  return lines.join('\n')
}
