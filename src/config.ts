import { isAbsolute, resolve, dirname } from 'node:path'
import { ConfigError } from './config-error.js'
import { loadOrCreateDevSecrets } from './dev-secrets.js'
import { SENTRY_SCOPES } from './sentry/scopes.js'

/**
 * Configuration, validated once at start. `loadConfig(env)` is the only reader of the
 * environment (server.ts passes `process.env`); everything else receives a `Config`.
 */

export const DEFAULT_SCOPES = 'org:read project:read team:read member:read event:read event:write'

export interface TokenKeyring {
  /** The key id new ciphertexts are sealed under. */
  currentKeyId: string
  keys: ReadonlyMap<string, Buffer>
}

export interface Config {
  port: number
  host: string
  /** External base URL without a trailing slash. */
  publicUrl: string
  /** Sentry's base URL (OAuth and API) without a trailing slash. */
  sentryUrl: string
  sentryClientId: string | undefined
  sentryClientSecret: string | undefined
  sentryScopes: string[]
  /** True when no Sentry credentials are set outside production: start the local emulator. */
  useEmulator: boolean
  /** Port of the in-process emulator in zero-config mode (0 = any free port). */
  emulatorPort: number
  /** The SQLite file (DATABASE_URL without a postgres scheme); unused with PostgreSQL. */
  databasePath: string
  dataDir: string
  /** On SIGTERM/SIGINT: how long /readyz answers 503 while requests are still served, before closing. */
  shutdownDrainMs: number
  /**
   * The whole shutdown's bound (drain + requests in flight + refreshes in flight); the process
   * exits after it even if something still runs. Always longer than one upstream call.
   */
  shutdownTimeoutMs: number
  /** PostgreSQL when DATABASE_URL is a postgres:// or postgresql:// URL; undefined means SQLite. */
  postgres: PostgresConfig | undefined
  sessionSecret: string
  tokenKeys: TokenKeyring
  logLevel: string
  /** Log lines are gathered into writes of about this many bytes; 0 writes each line at once (LOG_BUFFER_BYTES). */
  logBufferBytes: number
  /** Gathered log lines are written at least this often (LOG_FLUSH_INTERVAL_MS). */
  logFlushIntervalMs: number
  nodeEnv: string | undefined
  production: boolean
  /** Origins allowed for CORS with credentials and as postMessage targets. */
  allowedOrigins: string[]
  /** Refresh an access token this long before it expires. */
  refreshWindowSeconds: number
  /** The longest wait for a rate-limit window to reset before answering RATE_LIMITED. */
  rateLimitWaitBudgetMs: number
  /** Upstream timeouts. */
  upstreamConnectTimeoutMs: number
  upstreamRequestTimeoutMs: number
  /**
   * The one deadline of each GraphQL request and connect callback: every upstream wait
   * (concurrency gate, rate-limit windows, retries, the refresh lease, each exchange) ends by it.
   */
  requestTimeoutMs: number
  /** GraphQL operation limits. */
  graphqlMaxDepth: number
  graphqlMaxAliases: number
  graphqlMaxRootFields: number
  graphqlMaxCost: number
  graphqlMaxDocumentBytes: number
  graphqlMaxTokens: number
  graphqlMaxDirectives: number
  graphqlMaxFragments: number
  /** The most upstream Sentry calls one operation may make (src/graphql/upstream-cost.ts). */
  graphqlMaxUpstreamCalls: number
  /** When true, only persisted (allow-listed) queries run. */
  graphqlPersistedOnly: boolean
  /**
   * The persisted-operation manifest (Codegen persisted-documents, Apollo manifest, or ours):
   * the allow-list in GRAPHQL_PERSISTED_QUERIES_ONLY mode, known documents otherwise.
   * Undefined: the built-in src/graphql/persisted-queries.json.
   */
  graphqlPersistedQueriesFile: string | undefined
  /** Automatic persisted queries (Apollo's protocol) and the bounds of their cache. */
  graphqlApq: boolean
  graphqlApqMaxEntries: number
  graphqlApqMaxBytes: number
  graphiql: boolean
  /** Optional application pages for Sentry's registration form. */
  privacyPolicyUrl: string | undefined
  termsUrl: string | undefined
  /** Which identities /graphql and the connect endpoints accept (AUTH_MODE). */
  authMode: AuthMode
  /** Bearer JWT settings; null when AUTH_MODE=session. */
  jwt: JwtConfig | null
  /** SameSite of the session cookie (SESSION_COOKIE_SAMESITE). */
  sessionCookieSameSite: 'lax' | 'strict' | 'none'
  /** Operations: metrics, tracing, keep-alive (README "Operating"). */
  telemetry: TelemetryConfig
  /** Refresh ACTIVE connections whose tokens were issued this many days ago (0 = keep-alive off). */
  keepAliveDays: number
  /** How often the keep-alive task looks for stale connections. */
  keepAliveIntervalSeconds: number
}

export type AuthMode = 'session' | 'jwt' | 'both'

/** Platform identity by bearer JWT (issue 13): one key source, the expected issuer and audience. */
export interface JwtConfig {
  /** The platform's JWKS (RS256, PS256, ES256, EdDSA); exclusive with `secret`. */
  jwksUrl: string | undefined
  /** HS256 secret (≥ 32 bytes) for a platform backend that signs its own tokens. */
  secret: string | undefined
  issuer: string
  /** One audience, or several separated by commas (a token must name one of them). */
  audience: string[]
  /** The claim that names the user (default `sub`). */
  userClaim: string
}

export interface TelemetryConfig {
  /** Bearer token for GET /metrics on the gateway port; undefined = not served there. */
  metricsToken: string | undefined
  /** A second listener on 127.0.0.1 serving /metrics without a token; undefined = none. */
  metricsPort: number | undefined
  /** Distinct GraphQL operation names kept as metric labels; later names count as "__other". */
  metricsMaxOperationNames: number
  /** OTLP/HTTP traces URL (…/v1/traces); undefined = tracing off. */
  otlpTracesUrl: string | undefined
  /** Extra headers for the OTLP exporter (OTEL_EXPORTER_OTLP_HEADERS). */
  otlpHeaders: Record<string, string>
  /** service.name of the spans (OTEL_SERVICE_NAME). */
  serviceName: string
}

export interface PostgresConfig {
  /** The connection URL (it may carry a password: never log it). */
  url: string
  /** Pool size per instance (PG_POOL_MAX). */
  poolMax: number
  /** Wait for a pooled connection before failing (PG_CONNECT_TIMEOUT_MS). */
  connectionTimeoutMs: number
  /** Idle pooled connections are closed after this (PG_IDLE_TIMEOUT_MS). */
  idleTimeoutMs: number
  /** Server-side statement_timeout (PG_STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs: number
}

export { ConfigError } from './config-error.js'

type Env = Record<string, string | undefined>

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

function read (env: Env, name: string): string | undefined {
  const v = env[name]
  if (v === undefined) return undefined
  const trimmed = v.trim()
  return trimmed === '' ? undefined : trimmed
}

function int (env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `"${raw}" is not a whole number; set it to an integer between ${min} and ${max}.`)
  const n = Number(raw)
  if (n < min || n > max) throw new ConfigError(name, `${n} is out of range; set it to an integer between ${min} and ${max}.`)
  return n
}

function bool (env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  if (/^(1|true|yes|on)$/i.test(raw)) return true
  if (/^(0|false|no|off)$/i.test(raw)) return false
  throw new ConfigError(name, `"${raw}" is not a boolean; use true or false.`)
}

function httpUrl (name: string, raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError(name, `"${raw}" is not a URL; use an absolute http(s) URL such as https://sentry.io.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `"${raw}" must use http or https.`)
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError(name, `"${raw}" must not carry credentials, a query or a fragment; give the base URL only.`)
  }
  return url.href.replace(/\/+$/, '')
}

/** Parses TOKEN_ENCRYPTION_KEY: one base64 key (key id "default"), or `kid:base64,…` with the current key first. */
export function parseTokenKeys (raw: string, name = 'TOKEN_ENCRYPTION_KEY'): TokenKeyring {
  const keys = new Map<string, Buffer>()
  const parts = raw.split(',').map(p => p.trim()).filter(p => p !== '')
  if (parts.length === 0) throw new ConfigError(name, 'is empty; set it to a 32-byte base64 key (openssl rand -base64 32).')
  let currentKeyId = ''
  for (const part of parts) {
    const colon = part.indexOf(':')
    const kid = colon === -1 ? 'default' : part.slice(0, colon)
    const b64 = colon === -1 ? part : part.slice(colon + 1)
    if (!/^[A-Za-z0-9._-]{1,32}$/.test(kid)) {
      throw new ConfigError(name, `key id "${kid}" is invalid; use 1-32 letters, digits, ".", "_" or "-".`)
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) {
      throw new ConfigError(name, `key "${kid}" is not valid base64; generate one with: openssl rand -base64 32`)
    }
    const key = Buffer.from(b64, 'base64')
    if (key.length !== 32) {
      throw new ConfigError(name, `key "${kid}" decodes to ${key.length} bytes, it must be 32 bytes; generate one with: openssl rand -base64 32`)
    }
    if (keys.has(kid)) throw new ConfigError(name, `key id "${kid}" appears twice; give each key a unique id.`)
    if (currentKeyId === '') currentKeyId = kid
    keys.set(kid, key)
  }
  return { currentKeyId, keys }
}

function parseScopes (raw: string): string[] {
  const scopes = [...new Set(raw.split(/\s+/).filter(s => s !== ''))]
  if (scopes.length === 0) throw new ConfigError('SENTRY_SCOPES', 'is empty; list the scopes separated by spaces, e.g. "org:read event:read".')
  for (const s of scopes) {
    if (!SENTRY_SCOPES.has(s)) {
      throw new ConfigError('SENTRY_SCOPES', `"${s}" is not a Sentry scope; use scopes from Sentry's list, e.g. org:read project:read event:read.`)
    }
  }
  return scopes
}

function parseOrigins (raw: string | undefined): string[] {
  if (raw === undefined) return []
  return raw.split(',').map(o => o.trim()).filter(o => o !== '').map(o => {
    let u: URL
    try {
      u = new URL(o)
    } catch {
      throw new ConfigError('ALLOWED_ORIGINS', `"${o}" is not an origin; use a comma-separated list like https://app.example.com.`)
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.origin !== o.replace(/\/$/, '')) {
      throw new ConfigError('ALLOWED_ORIGINS', `"${o}" must be a bare origin (scheme://host[:port]) with no path.`)
    }
    return u.origin
  })
}

/** True for a DATABASE_URL that selects PostgreSQL. */
export function isPostgresUrl (raw: string | undefined): raw is string {
  return raw !== undefined && /^postgres(ql)?:\/\//i.test(raw)
}

function postgresFrom (env: Env, raw: string): PostgresConfig {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError('DATABASE_URL', 'is not a valid PostgreSQL URL; use postgres://user:password@host:5432/database.')
  }
  if (url.hostname === '' && !url.searchParams.has('host')) {
    throw new ConfigError('DATABASE_URL', 'names no host; use postgres://user:password@host:5432/database.')
  }
  return {
    url: raw,
    poolMax: int(env, 'PG_POOL_MAX', 10, 1, 1000),
    connectionTimeoutMs: int(env, 'PG_CONNECT_TIMEOUT_MS', 3000, 100, 120_000),
    idleTimeoutMs: int(env, 'PG_IDLE_TIMEOUT_MS', 10_000, 100, 3_600_000),
    statementTimeoutMs: int(env, 'PG_STATEMENT_TIMEOUT_MS', 5000, 100, 600_000)
  }
}

const isLoopback = (hostname: string): boolean => hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname)

/**
 * A secret made of a few distinct characters (e.g. one character repeated): a random 32-character
 * string has ~25 distinct ones, so fewer than 8 is not random whatever its length.
 */
export function isTrivialSecret (secret: string): boolean {
  return new Set(secret).size < 8
}

export function databasePathFrom (raw: string | undefined, cwd: string): string {
  const value = raw ?? './data/gateway.db'
  // A `file:` URI may carry SQLite URI parameters (`?mode=ro`, `?cache=shared`): the gateway
  // writes to its database (migrations, sessions, tokens), so they are refused rather than
  // taken as part of the file name.
  if (value.startsWith('file:') && /[?#]/.test(value)) {
    throw new ConfigError('DATABASE_URL', `"${value}" carries URI parameters (${value.slice(value.search(/[?#]/))}); the gateway needs a writable SQLite file, so give its path only, e.g. file:/var/lib/gateway.db.`)
  }
  const path = value.startsWith('file:') ? value.slice('file:'.length).replace(/^\/\/(?=\/)/, '') : value
  if (path === '' || path === ':memory:') {
    throw new ConfigError('DATABASE_URL', 'must name a SQLite file, e.g. ./data/gateway.db or file:/var/lib/gateway.db.')
  }
  return isAbsolute(path) ? path : resolve(cwd, path)
}

export interface LoadConfigOptions {
  /** Base for relative paths; defaults to process.cwd(). */
  cwd?: string
}

/**
 * Validates the environment. Throws a ConfigError naming the variable and the fix.
 * Outside production, missing secrets are generated once and kept in the data folder.
 */
export function loadConfig (env: Env, options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd()
  const nodeEnv = read(env, 'NODE_ENV')
  // Any casing of "production" is production (it used to mean development, emulator included);
  // a near miss is refused rather than silently taken for development.
  const production = nodeEnv?.toLowerCase() === 'production'
  if (nodeEnv !== undefined && !production && /^prod/i.test(nodeEnv)) {
    throw new ConfigError('NODE_ENV', `"${nodeEnv}" is not a known environment; use production (or development, test).`)
  }

  const port = int(env, 'PORT', 3000, 0, 65535)
  const host = read(env, 'HOST') ?? '127.0.0.1'
  const publicUrl = httpUrl('PUBLIC_URL', read(env, 'PUBLIC_URL') ?? `http://localhost:${port}`)
  if (new URL(publicUrl).pathname !== '/') {
    throw new ConfigError('PUBLIC_URL', `"${publicUrl}" must be an origin without a path, e.g. https://gateway.example.com.`)
  }
  // Browsers keep Secure cookies only over https, or on http://localhost (a secure context).
  if (production && !publicUrl.startsWith('https:') && !isLoopback(new URL(publicUrl).hostname)) {
    throw new ConfigError('PUBLIC_URL', `"${publicUrl}" must be https when NODE_ENV=production: the session and OAuth cookies are Secure, so a browser on http would never send them back.`)
  }
  const sentryUrl = httpUrl('SENTRY_URL', read(env, 'SENTRY_URL') ?? 'https://sentry.io')

  const sentryClientId = read(env, 'SENTRY_CLIENT_ID')
  const sentryClientSecret = read(env, 'SENTRY_CLIENT_SECRET')
  if (sentryClientId !== undefined && sentryClientSecret === undefined) {
    throw new ConfigError('SENTRY_CLIENT_SECRET', 'is missing while SENTRY_CLIENT_ID is set; copy the client secret of your Sentry OAuth application.')
  }
  if (sentryClientId === undefined && sentryClientSecret !== undefined) {
    throw new ConfigError('SENTRY_CLIENT_ID', 'is missing while SENTRY_CLIENT_SECRET is set; copy the client ID of your Sentry OAuth application.')
  }
  if (sentryClientId === undefined && production) {
    throw new ConfigError('SENTRY_CLIENT_ID', 'is required when NODE_ENV=production; register an OAuth application in Sentry and set SENTRY_CLIENT_ID and SENTRY_CLIENT_SECRET.')
  }
  const sentryScopes = parseScopes(read(env, 'SENTRY_SCOPES') ?? DEFAULT_SCOPES)

  const databaseUrl = read(env, 'DATABASE_URL')
  const postgres = isPostgresUrl(databaseUrl) ? postgresFrom(env, databaseUrl) : undefined
  const databasePath = databasePathFrom(postgres === undefined ? databaseUrl : undefined, cwd)
  const dataDir = dirname(databasePath)

  const logLevel = read(env, 'LOG_LEVEL') ?? 'info'
  if (!LOG_LEVELS.has(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `"${logLevel}" is not a level; use one of ${[...LOG_LEVELS].join(', ')}.`)
  }

  let sessionSecret = read(env, 'SESSION_SECRET')
  let tokenKeyRaw = read(env, 'TOKEN_ENCRYPTION_KEY')
  if (sessionSecret !== undefined && sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET', `is ${sessionSecret.length} characters; it must be at least 32 (openssl rand -base64 48).`)
  }
  // Validate a given key before any generation, so a bad value is reported as such.
  if (tokenKeyRaw !== undefined) parseTokenKeys(tokenKeyRaw)
  if (postgres !== undefined && (sessionSecret === undefined || tokenKeyRaw === undefined)) {
    // Generated development secrets live in one machine's data folder: instances sharing a
    // PostgreSQL database would each generate their own and could not open each other's tokens.
    const missing = sessionSecret === undefined ? 'SESSION_SECRET' : 'TOKEN_ENCRYPTION_KEY'
    throw new ConfigError(missing, `is required with a PostgreSQL DATABASE_URL: every instance sharing the database needs the same value (${missing === 'SESSION_SECRET' ? 'openssl rand -base64 48' : 'openssl rand -base64 32'}).`)
  }
  if (postgres !== undefined && sentryClientId === undefined) {
    throw new ConfigError('SENTRY_CLIENT_ID', 'is required with a PostgreSQL DATABASE_URL: the embedded Sentry emulator keeps its tokens in one process, so instances sharing the database cannot use it. Set SENTRY_CLIENT_ID and SENTRY_CLIENT_SECRET (and SENTRY_URL for a standalone `npm run emulator`).')
  }
  if (sessionSecret === undefined || tokenKeyRaw === undefined) {
    if (production) {
      const missing = sessionSecret === undefined ? 'SESSION_SECRET' : 'TOKEN_ENCRYPTION_KEY'
      throw new ConfigError(missing, missing === 'SESSION_SECRET'
        ? 'is required when NODE_ENV=production; set at least 32 random characters (openssl rand -base64 48).'
        : 'is required when NODE_ENV=production; set a 32-byte base64 key (openssl rand -base64 32).')
    }
    const generated = loadOrCreateDevSecrets(dataDir)
    sessionSecret ??= generated.sessionSecret
    tokenKeyRaw ??= generated.tokenEncryptionKey
  }
  const tokenKeys = parseTokenKeys(tokenKeyRaw)
  if (production) {
    if (isTrivialSecret(sessionSecret)) {
      throw new ConfigError('SESSION_SECRET', 'is trivial (too few distinct characters); set at least 32 random characters (openssl rand -base64 48).')
    }
    for (const [kid, key] of tokenKeys.keys) {
      if (isTrivialSecret(key.toString('latin1'))) {
        throw new ConfigError('TOKEN_ENCRYPTION_KEY', `key "${kid}" is trivial (too few distinct bytes); generate one with: openssl rand -base64 32`)
      }
    }
  }
  const allowedOrigins = parseOrigins(read(env, 'ALLOWED_ORIGINS'))
  const { authMode, jwt } = parseAuth(env)
  const sessionCookieSameSite = parseSameSite(env, publicUrl, allowedOrigins)

  const upstreamConnectTimeoutMs = int(env, 'SENTRY_CONNECT_TIMEOUT_MS', 5000, 100, 120000)
  const upstreamRequestTimeoutMs = int(env, 'SENTRY_REQUEST_TIMEOUT_MS', 15000, 100, 300000)
  const rateLimitWaitBudgetMs = int(env, 'SENTRY_RATE_LIMIT_WAIT_MS', 2000, 0, 60000)
  // A load balancer needs a few health-check intervals to notice /readyz; a developer's Ctrl-C does not.
  const shutdownDrainMs = int(env, 'SHUTDOWN_DRAIN_MS', production ? 5000 : 0, 0, 600_000)
  // The longest request in flight: a rate-limit wait, then an upstream call (connect + answer), which
  // may be a token refresh whose rotated pair must be stored before the database closes.
  const requestTimeoutMs = int(env, 'GRAPHQL_REQUEST_TIMEOUT_MS', upstreamRequestTimeoutMs, 100, 300000)
  // …or a request's own deadline (GRAPHQL_REQUEST_TIMEOUT_MS) when it is longer.
  const longestRequestMs = Math.max(rateLimitWaitBudgetMs + upstreamConnectTimeoutMs + upstreamRequestTimeoutMs, requestTimeoutMs)
  const shutdownTimeoutMs = int(env, 'SHUTDOWN_TIMEOUT_MS', shutdownDrainMs + longestRequestMs + 5000, 1000, 3_600_000)
  if (shutdownTimeoutMs <= shutdownDrainMs + upstreamConnectTimeoutMs + upstreamRequestTimeoutMs) {
    throw new ConfigError('SHUTDOWN_TIMEOUT_MS', `${shutdownTimeoutMs} ms does not cover SHUTDOWN_DRAIN_MS + SENTRY_CONNECT_TIMEOUT_MS + SENTRY_REQUEST_TIMEOUT_MS (${shutdownDrainMs + upstreamConnectTimeoutMs + upstreamRequestTimeoutMs} ms): requests and token refreshes in flight would be cut off; raise it or leave it unset.`)
  }

  return {
    port,
    host,
    publicUrl,
    sentryUrl,
    sentryClientId,
    sentryClientSecret,
    sentryScopes,
    useEmulator: sentryClientId === undefined,
    emulatorPort: int(env, 'SENTRY_EMULATOR_PORT', 9010, 0, 65535),
    databasePath,
    dataDir,
    postgres,
    sessionSecret,
    tokenKeys,
    logLevel,
    logBufferBytes: int(env, 'LOG_BUFFER_BYTES', 4096, 0, 1024 * 1024),
    logFlushIntervalMs: int(env, 'LOG_FLUSH_INTERVAL_MS', 1000, 10, 60_000),
    nodeEnv,
    production,
    allowedOrigins,
    refreshWindowSeconds: int(env, 'SENTRY_REFRESH_WINDOW_SECONDS', 300, 0, 30 * 86400),
    rateLimitWaitBudgetMs,
    upstreamConnectTimeoutMs,
    upstreamRequestTimeoutMs,
    shutdownDrainMs,
    shutdownTimeoutMs,
    requestTimeoutMs,
    graphqlMaxDepth: int(env, 'GRAPHQL_MAX_DEPTH', 15, 1, 100),
    graphqlMaxAliases: int(env, 'GRAPHQL_MAX_ALIASES', 15, 0, 1000),
    graphqlMaxRootFields: int(env, 'GRAPHQL_MAX_ROOT_FIELDS', 10, 1, 1000),
    graphqlMaxCost: int(env, 'GRAPHQL_MAX_COST', 5000, 1, 10_000_000),
    graphqlMaxDocumentBytes: int(env, 'GRAPHQL_MAX_DOCUMENT_BYTES', 20_000, 100, 10_000_000),
    graphqlMaxTokens: int(env, 'GRAPHQL_MAX_TOKENS', 2000, 10, 1_000_000),
    graphqlMaxDirectives: int(env, 'GRAPHQL_MAX_DIRECTIVES', 50, 0, 10_000),
    graphqlMaxFragments: int(env, 'GRAPHQL_MAX_FRAGMENTS', 50, 0, 10_000),
    graphqlMaxUpstreamCalls: int(env, 'GRAPHQL_MAX_UPSTREAM_CALLS', 100, 1, 100_000),
    graphqlPersistedOnly: bool(env, 'GRAPHQL_PERSISTED_QUERIES_ONLY', false),
    graphqlPersistedQueriesFile: optionalPath(env, 'GRAPHQL_PERSISTED_QUERIES_FILE', cwd),
    graphqlApq: bool(env, 'GRAPHQL_APQ', true),
    graphqlApqMaxEntries: int(env, 'GRAPHQL_APQ_MAX_ENTRIES', 1000, 0, 1_000_000),
    graphqlApqMaxBytes: int(env, 'GRAPHQL_APQ_MAX_BYTES', 5_000_000, 0, 1_000_000_000),
    graphiql: bool(env, 'GRAPHIQL', true),
    privacyPolicyUrl: optionalUrl(env, 'PRIVACY_POLICY_URL'),
    termsUrl: optionalUrl(env, 'TERMS_URL'),
    authMode,
    jwt,
    sessionCookieSameSite,
    telemetry: telemetryConfig(env),
    keepAliveDays: int(env, 'SENTRY_KEEPALIVE_DAYS', 30, 0, 55),
    keepAliveIntervalSeconds: int(env, 'SENTRY_KEEPALIVE_INTERVAL_SECONDS', 3600, 10, 7 * 86400)
  }
}

function optionalPath (env: Env, name: string, cwd: string): string | undefined {
  const raw = read(env, name)
  if (raw === undefined) return undefined
  return isAbsolute(raw) ? raw : resolve(cwd, raw)
}

/**
 * AUTH_MODE and the AUTH_JWT_* settings. Without JWT settings the default is `session`; with
 * them, `jwt`. `jwt` and `both` need a key source (AUTH_JWKS_URL or AUTH_JWT_SECRET, not both),
 * AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE.
 */
function parseAuth (env: Env): { authMode: AuthMode, jwt: JwtConfig | null } {
  const jwksRaw = read(env, 'AUTH_JWKS_URL')
  const secret = read(env, 'AUTH_JWT_SECRET')
  const issuer = read(env, 'AUTH_JWT_ISSUER')
  const audienceRaw = read(env, 'AUTH_JWT_AUDIENCE')
  const userClaim = read(env, 'AUTH_JWT_USER_CLAIM') ?? 'sub'
  const modeRaw = read(env, 'AUTH_MODE')
  const anyJwt = jwksRaw !== undefined || secret !== undefined
  if (modeRaw !== undefined && modeRaw !== 'session' && modeRaw !== 'jwt' && modeRaw !== 'both') {
    throw new ConfigError('AUTH_MODE', `"${modeRaw}" is not a mode; use session, jwt or both.`)
  }
  const authMode: AuthMode = modeRaw ?? (anyJwt ? 'jwt' : 'session')
  if (authMode === 'session') {
    if (anyJwt) {
      throw new ConfigError('AUTH_MODE', 'is "session" but AUTH_JWKS_URL or AUTH_JWT_SECRET is set; use AUTH_MODE=jwt or both, or remove the JWT settings.')
    }
    return { authMode, jwt: null }
  }
  if (!anyJwt) {
    throw new ConfigError('AUTH_JWKS_URL', `is required with AUTH_MODE=${authMode}; set the platform's JWKS URL, or AUTH_JWT_SECRET for HS256 tokens.`)
  }
  if (jwksRaw !== undefined && secret !== undefined) {
    throw new ConfigError('AUTH_JWT_SECRET', 'is set together with AUTH_JWKS_URL; keep one key source: the JWKS (asymmetric keys) or the secret (HS256).')
  }
  let jwksUrl: string | undefined
  if (jwksRaw !== undefined) {
    let u: URL
    try {
      u = new URL(jwksRaw)
    } catch {
      throw new ConfigError('AUTH_JWKS_URL', `"${jwksRaw}" is not a URL; use the absolute https URL of the platform's JWKS.`)
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ConfigError('AUTH_JWKS_URL', `"${jwksRaw}" must use https (or http for a local JWKS).`)
    jwksUrl = u.href
  }
  if (secret !== undefined && Buffer.byteLength(secret) < 32) {
    throw new ConfigError('AUTH_JWT_SECRET', `is ${Buffer.byteLength(secret)} bytes; HS256 needs at least 32 (openssl rand -base64 48).`)
  }
  if (issuer === undefined) throw new ConfigError('AUTH_JWT_ISSUER', 'is required with JWT identity; set the `iss` your platform puts in its tokens.')
  if (audienceRaw === undefined) throw new ConfigError('AUTH_JWT_AUDIENCE', 'is required with JWT identity; set the `aud` your platform issues tokens for (this gateway).')
  const audience = audienceRaw.split(',').map(a => a.trim()).filter(a => a !== '')
  if (!/^[A-Za-z_][\w.:/-]{0,63}$/.test(userClaim)) {
    throw new ConfigError('AUTH_JWT_USER_CLAIM', `"${userClaim}" is not a claim name; use a name such as sub or email.`)
  }
  return { authMode, jwt: { jwksUrl, secret, issuer, audience, userClaim } }
}

/** SESSION_COOKIE_SAMESITE: `none` needs an https PUBLIC_URL (Secure cookies) and ALLOWED_ORIGINS. */
function parseSameSite (env: Env, publicUrl: string, allowedOrigins: string[]): 'lax' | 'strict' | 'none' {
  const raw = read(env, 'SESSION_COOKIE_SAMESITE')?.toLowerCase() ?? 'lax'
  if (raw !== 'lax' && raw !== 'strict' && raw !== 'none') {
    throw new ConfigError('SESSION_COOKIE_SAMESITE', `"${raw}" is not a SameSite value; use lax, strict or none.`)
  }
  if (raw === 'none') {
    if (!publicUrl.startsWith('https:')) {
      throw new ConfigError('SESSION_COOKIE_SAMESITE', 'is "none", which browsers accept only on Secure cookies; set an https PUBLIC_URL.')
    }
    if (allowedOrigins.length === 0) {
      throw new ConfigError('SESSION_COOKIE_SAMESITE', 'is "none" but ALLOWED_ORIGINS is empty; list the sites that may call the gateway with the cookie.')
    }
  }
  return raw
}

/**
 * Metrics and tracing settings. Tracing reads the standard OpenTelemetry variables
 * (https://opentelemetry.io/docs/specs/otel/protocol/exporter/): a per-signal
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is, OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/traces.
 */
function telemetryConfig (env: Env): TelemetryConfig {
  const metricsToken = read(env, 'METRICS_TOKEN')
  if (metricsToken !== undefined && (metricsToken.length < 16 || !/^[\x21-\x7e]+$/.test(metricsToken))) {
    throw new ConfigError('METRICS_TOKEN', 'must be at least 16 printable characters without spaces (openssl rand -hex 24).')
  }
  const metricsPortRaw = read(env, 'METRICS_PORT')
  const metricsPort = metricsPortRaw === undefined ? undefined : int(env, 'METRICS_PORT', 0, 1, 65535)
  const base = read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT')
  const traces = read(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')
  let otlpTracesUrl: string | undefined
  if (traces !== undefined) otlpTracesUrl = otlpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces)
  else if (base !== undefined) otlpTracesUrl = `${otlpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', base).replace(/\/+$/, '')}/v1/traces`
  const tracesDisabled = read(env, 'OTEL_TRACES_EXPORTER') === 'none' || bool(env, 'OTEL_SDK_DISABLED', false)
  return {
    metricsToken,
    metricsPort,
    metricsMaxOperationNames: int(env, 'METRICS_MAX_OPERATION_NAMES', 100, 0, 10_000),
    otlpTracesUrl: tracesDisabled ? undefined : otlpTracesUrl,
    otlpHeaders: otlpHeaders(read(env, 'OTEL_EXPORTER_OTLP_HEADERS')),
    serviceName: read(env, 'OTEL_SERVICE_NAME') ?? 'sentry-graphql-gateway'
  }
}

function otlpUrl (name: string, raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError(name, `"${raw}" is not a URL; use the collector's OTLP/HTTP address, e.g. http://localhost:4318.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `"${raw}" must use http or https (this gateway exports OTLP over HTTP, e.g. http://localhost:4318).`)
  }
  return url.href
}

/** W3C Baggage-like `key=value,key2=value2` (the OTLP exporter spec's format), values URL-decoded. */
function otlpHeaders (raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (raw === undefined) return out
  for (const part of raw.split(',')) {
    if (part.trim() === '') continue
    const eq = part.indexOf('=')
    const key = eq === -1 ? '' : part.slice(0, eq).trim()
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) {
      throw new ConfigError('OTEL_EXPORTER_OTLP_HEADERS', 'must be a comma-separated list of key=value pairs, e.g. "authorization=Bearer abc,x-tenant=ops".')
    }
    let value: string
    try {
      value = decodeURIComponent(part.slice(eq + 1).trim())
    } catch {
      throw new ConfigError('OTEL_EXPORTER_OTLP_HEADERS', `the value of "${key}" is not valid percent-encoding.`)
    }
    out[key.toLowerCase()] = value
  }
  return out
}

function optionalUrl (env: Env, name: string): string | undefined {
  const raw = read(env, name)
  return raw === undefined ? undefined : httpUrl(name, raw)
}

/** Start-up warnings for a configuration that works but is probably not what was meant. */
export function startupWarnings (config: Pick<Config, 'host' | 'useEmulator'>): string[] {
  const warnings: string[] = []
  if (config.useEmulator && ['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0'].includes(config.host)) {
    warnings.push(`HOST=${config.host} exposes a gateway that runs against the local Sentry emulator (no SENTRY_CLIENT_ID) to the network: anyone who reaches it can connect with the emulator's made-up users. Set HOST=127.0.0.1, or configure a real Sentry.`)
  }
  return warnings
}
