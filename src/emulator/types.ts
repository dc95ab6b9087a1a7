/** The emulator's public types (re-exported by index.ts). */
import type { FaultSpec } from './faults.js'
import type { RateLimitInput } from './rate-limit.js'

export interface EmulatorOptions {
  /** Default '127.0.0.1'. */
  host?: string
  /** Default 0 (a random free port). */
  port?: number
  /** Access-token lifetime; default 30 days (2,592,000 s), docs/sentry.md §2. */
  tokenLifetimeSeconds?: number
  /**
   * Default false: a user-level app whose token reaches all of the user's orgs. True: the consent page
   * shows an org picker and tokens are scoped to one org (organization_id in the token response,
   * /organizations/ lists only that org, another org → 401 "Unauthorized organization access."), docs/sentry.md §1.
   */
  orgLevel?: boolean
  /** Default false. True: no rate-limit headers ever, and every regionUrl is the emulator's own base URL. */
  selfHosted?: boolean
  /**
   * Default false. True: a second listener on the same state; the second organization ("globex")
   * gets links.regionUrl = that listener (simulates de.sentry.io). Both listeners serve every org.
   */
  regionServer?: boolean
  /** Pre-registered OAuth applications. */
  clients?: EmulatorClient[]
  logger?: boolean
  /** Artificial latency added to every API call; default 0. */
  latencyMs?: number
  /** Clock in epoch ms (tests inject one to expire codes and tokens); default Date.now. */
  now?: () => number
}

export interface EmulatorClient {
  clientId: string
  clientSecret: string
  name: string
  redirectUris: string[]
}

export interface IssueTokenRequest {
  clientId: string
  scopes: string[]
  /** Default "1", the default user (Jane Doe). */
  userId?: string
  /** Scope the token to this organization, like an org-level app (adds organization_id). */
  organizationSlug?: string
  expiresInSeconds?: number
}

/** The body of a successful POST /oauth/token/ (docs/sentry.md §2), exactly. */
export interface TokenResponseBody {
  access_token: string
  refresh_token: string
  expires_in: number
  expires_at: string
  token_type: 'Bearer'
  scope: string
  user: { id: string, name: string, email: string }
  organization_id?: string
}

export interface EmulatorCounters {
  apiRequests: number
  /** Keyed by "METHOD /api/0/…{param}…/" route pattern, as in the spec. */
  byRoute: Record<string, number>
  /** Which listener served the API request: 'main' or 'region'. */
  byOrigin: Record<string, number>
  /** Successful authorization_code exchanges. */
  tokenExchanges: number
  /** Successful refresh_token grants. */
  refreshes: number
  /** refresh_token grants answered with an error. */
  refreshFailures: number
  /** Approvals on the consent page (including skipped consent). */
  authorizations: number
  /** 429s from the rate limiter (not from injected faults). */
  rateLimited: number
}

/**
 * TEST-ONLY control surface: the same operations as the HTTP API under /_emulator/.
 * Never exposed by the production gateway.
 */
export interface EmulatorControl {
  /** POST /_emulator/clients */
  registerClient: (client: EmulatorClient) => void
  /** POST /_emulator/tokens: a token without the browser flow. */
  issueToken: (req: IssueTokenRequest) => TokenResponseBody
  /** POST /_emulator/tokens/expire: every access token expires now (refresh tokens keep working). Returns how many. */
  expireTokens: () => number
  /** POST /_emulator/tokens/revoke: delete the tokens, grants and authorizations of one app (or all). Returns the tokens deleted. */
  revokeTokens: (clientId?: string) => number
  /** POST /_emulator/rate-limit; no argument or {} restores Sentry's defaults. */
  setRateLimit: (config?: RateLimitInput) => void
  /** POST /_emulator/faults */
  addFault: (fault: FaultSpec) => void
  /** DELETE /_emulator/faults */
  clearFaults: () => void
  /** GET /_emulator/counters */
  counters: () => EmulatorCounters
  /** POST /_emulator/counters/reset */
  resetCounters: () => void
  /**
   * POST /_emulator/org-features: replace an organization's features (e.g. without discover-basic
   * and performance-view the events endpoints answer 404); null restores the defaults.
   */
  setOrgFeatures: (org: string, features: string[] | null) => void
  /** POST /_emulator/reset: seed data, counters, faults and rate-limit settings back to the start (clients and tokens stay). */
  reset: () => void
}

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:43123 (no trailing slash) */
  url: string
  /** The region listener's URL, when regionServer is set. */
  regionUrl?: string
  control: EmulatorControl
  close: () => Promise<void>
}

export type { FaultSpec, RateLimitInput }
