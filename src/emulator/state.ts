/**
 * Everything the emulator remembers, shared by the main and region listeners: seed data, OAuth
 * apps, grants, tokens, authorizations, counters, rate-limit windows and queued faults.
 */
import { randomBytes } from 'node:crypto'
import { FaultQueue } from './faults.js'
import type { OrgRec, SeedData } from './model.js'
import { RateLimiter } from './rate-limit.js'
import { buildSeed } from './seed.js'
import type { World } from './serialize.js'
import type { EmulatorClient, EmulatorCounters, EmulatorOptions, TokenResponseBody } from './types.js'
import { SpanCache } from './span-cache.js'
import { isoMicros, randomToken } from './util.js'

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600
/** `ApiGrant.DEFAULT_EXPIRATION = timedelta(minutes=10)` (docs/sentry.md §1). */
export const GRANT_LIFETIME_MS = 10 * 60 * 1000

export interface ResolvedOptions {
  host: string
  port: number
  tokenLifetimeSeconds: number
  orgLevel: boolean
  selfHosted: boolean
  regionServer: boolean
  logger: boolean
  latencyMs: number
  now: () => number
}

export function resolveOptions (opts: EmulatorOptions): ResolvedOptions {
  return {
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    tokenLifetimeSeconds: opts.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
    orgLevel: opts.orgLevel ?? false,
    selfHosted: opts.selfHosted ?? false,
    regionServer: opts.regionServer ?? false,
    logger: opts.logger ?? false,
    latencyMs: opts.latencyMs ?? 0,
    now: opts.now ?? Date.now
  }
}

/** An `ApiGrant`: the authorization code and what was approved with it. */
export interface GrantRec {
  code: string
  clientId: string
  userId: string
  /** The redirect_uri used at authorize (or the app's default); the exchange must repeat it. */
  redirectUri: string
  scopes: string[]
  orgId: string | null
  expiresAt: number
  codeChallenge: string | null
  codeChallengeMethod: string | null
}

/** An `ApiToken` row: refresh rotates both values in place (docs/sentry.md §2). */
export interface TokenRec {
  clientId: string
  userId: string
  scopes: string[]
  /** `scoping_organization_id`, for org-level apps. */
  orgId: string | null
  accessToken: string
  refreshToken: string
  expiresAt: number
}

/** An `ApiAuthorization`: which scopes the user approved for an app (drives consent skipping). */
export interface AuthorizationRec {
  userId: string
  clientId: string
  scopes: Set<string>
  orgId: string | null
}

function emptyCounters (): EmulatorCounters {
  return { apiRequests: 0, byRoute: {}, byOrigin: {}, tokenExchanges: 0, refreshes: 0, refreshFailures: 0, authorizations: 0, rateLimited: 0 }
}

export class EmulatorState implements World {
  data: SeedData = buildSeed()
  readonly spanCache = new SpanCache()
  counters: EmulatorCounters = emptyCounters()
  readonly clients = new Map<string, EmulatorClient>()
  readonly grants = new Map<string, GrantRec>()
  authorizations: AuthorizationRec[] = []
  readonly rateLimiter = new RateLimiter()
  readonly faults = new FaultQueue()
  /** Signs the consent form's transaction field (stands in for Sentry's session). */
  readonly txKey = randomBytes(32)
  mainUrl = ''
  regionUrl: string | undefined
  private readonly byAccess = new Map<string, TokenRec>()
  private readonly byRefresh = new Map<string, TokenRec>()

  constructor (readonly options: ResolvedOptions) {}

  now (): number {
    return this.options.now()
  }

  regionUrlOf (org: OrgRec): string {
    if (this.options.selfHosted) return this.mainUrl
    return org.region === 'region' && this.regionUrl !== undefined ? this.regionUrl : this.mainUrl
  }

  orgBySlugOrId (value: string): OrgRec | undefined {
    return this.data.orgs.find((o) => o.slug === value || o.id === value)
  }

  isMember (orgId: string, userId: string): boolean {
    return this.data.members.some((m) => m.orgId === orgId && m.userId === userId)
  }

  // -------------------------------------------------------------------------------------------
  // Tokens

  createToken (t: Omit<TokenRec, 'accessToken' | 'refreshToken' | 'expiresAt'>, lifetimeSeconds = this.options.tokenLifetimeSeconds): TokenRec {
    const token: TokenRec = { ...t, accessToken: randomToken(), refreshToken: randomToken(), expiresAt: this.now() + lifetimeSeconds * 1000 }
    this.byAccess.set(token.accessToken, token)
    this.byRefresh.set(token.refreshToken, token)
    return token
  }

  tokenByAccess (value: string): TokenRec | undefined {
    return this.byAccess.get(value)
  }

  tokenByRefresh (value: string): TokenRec | undefined {
    return this.byRefresh.get(value)
  }

  /** `ApiToken.refresh()`: new access and refresh values on the same row; the old ones die at once. */
  rotate (token: TokenRec): void {
    this.byAccess.delete(token.accessToken)
    this.byRefresh.delete(token.refreshToken)
    token.accessToken = randomToken()
    token.refreshToken = randomToken()
    token.expiresAt = this.now() + this.options.tokenLifetimeSeconds * 1000
    this.byAccess.set(token.accessToken, token)
    this.byRefresh.set(token.refreshToken, token)
  }

  allTokens (): TokenRec[] {
    return [...this.byAccess.values()]
  }

  /** Deletes tokens, un-exchanged grants and authorizations of the user + app (docs/sentry.md §3). */
  revoke (match: { clientId?: string, userId?: string }): number {
    const hit = (x: { clientId: string, userId: string }): boolean =>
      (match.clientId === undefined || x.clientId === match.clientId) && (match.userId === undefined || x.userId === match.userId)
    let n = 0
    for (const token of this.allTokens().filter(hit)) {
      this.byAccess.delete(token.accessToken)
      this.byRefresh.delete(token.refreshToken)
      n++
    }
    for (const [code, grant] of this.grants) if (hit(grant)) this.grants.delete(code)
    this.authorizations = this.authorizations.filter((a) => !hit(a))
    return n
  }

  /** `process_token_details` (docs/sentry.md §2): expires_in counts down, organization_id only when scoped. */
  tokenResponse (token: TokenRec): TokenResponseBody {
    const user = this.data.users.find((u) => u.id === token.userId)
    const body: TokenResponseBody = {
      access_token: token.accessToken,
      refresh_token: token.refreshToken,
      expires_in: Math.trunc((token.expiresAt - this.now()) / 1000),
      expires_at: isoMicros(token.expiresAt),
      token_type: 'Bearer',
      scope: token.scopes.join(' '),
      user: { id: token.userId, name: user?.name ?? '', email: user?.email ?? '' }
    }
    if (token.orgId !== null) body.organization_id = token.orgId
    return body
  }

  authorize (rec: AuthorizationRec): void {
    const existing = this.authorizations.find((a) => a.userId === rec.userId && a.clientId === rec.clientId && a.orgId === rec.orgId)
    if (existing === undefined) this.authorizations.push(rec)
    else for (const s of rec.scopes) existing.scopes.add(s)
  }

  // -------------------------------------------------------------------------------------------
  // Counters and reset

  resetCounters (): void {
    this.counters = emptyCounters()
  }

  resetWorld (): void {
    this.data = buildSeed()
    this.spanCache.clear()
    this.resetCounters()
    this.faults.clear()
    this.rateLimiter.configure()
  }
}
