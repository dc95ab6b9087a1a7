/**
 * `npm run registration`: prints the exact values to register this gateway as an OAuth
 * application in Sentry (User settings → API → Applications) for the current environment
 * (PUBLIC_URL, SENTRY_URL, SENTRY_SCOPES, ALLOWED_ORIGINS, PRIVACY_POLICY_URL, TERMS_URL).
 * `--json` prints them as JSON. Needs no secrets and writes nothing.
 */
import { pathToFileURL } from 'node:url'
import { loadConfig, ConfigError } from '../config.js'
import { registrationText, registrationValues } from '../pages/registration.js'

type Env = Record<string, string | undefined>

const unset = (v: string | undefined): boolean => v === undefined || v.trim() === ''

export function runRegistration (env: Env, args: string[], out: (s: string) => void, err: (s: string) => void): number {
  // Registration needs no secrets: stand-ins keep loadConfig from generating (and writing) any,
  // and from insisting on client credentials that only exist once the application does.
  const probe: Env = { ...env }
  if (unset(probe.SESSION_SECRET)) probe.SESSION_SECRET = 'registration-needs-no-session-secret-000000'
  // Bytes 0..31: a stand-in production would not refuse as trivial (never used to encrypt).
  if (unset(probe.TOKEN_ENCRYPTION_KEY)) probe.TOKEN_ENCRYPTION_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('base64')
  if (unset(probe.SENTRY_CLIENT_ID) && unset(probe.SENTRY_CLIENT_SECRET)) {
    probe.SENTRY_CLIENT_ID = 'not-registered-yet'
    probe.SENTRY_CLIENT_SECRET = 'not-registered-yet'
  }
  let values
  try {
    values = registrationValues(loadConfig(probe))
  } catch (e) {
    /* c8 ignore next -- loadConfig throws only ConfigError; anything else is a bug to surface */
    if (!(e instanceof ConfigError)) throw e
    err(`registration: invalid configuration: ${e.message}\n`)
    return 1
  }
  out(args.includes('--json') ? `${JSON.stringify(values, null, 2)}\n` : registrationText(values))
  return 0
}

/* c8 ignore next 4 -- the command-line entry; tests call runRegistration directly */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = runRegistration(process.env, process.argv.slice(2),
    s => { process.stdout.write(s) }, s => { process.stderr.write(s) })
}
