/**
 * Fault injection for API requests (never /oauth or /_emulator): the next `count` matching requests
 * fail with a status, are delayed, lose their socket, or stall after the headers. TEST-ONLY.
 */
import { hexId } from './util.js'

/** Nested-detail 401s of SentryAPIException (docs/sentry.md §4): they must NOT be treated as revocation. */
const NESTED_DETAILS = {
  'sso-required': 'Must login via SSO',
  '2fa-required': 'Organization requires two-factor authentication to be enabled',
  'sudo-required': 'Account verification required.',
  'member-disabled-over-limit': 'Organization over member limit'
} as const

export type NestedDetailCode = keyof typeof NESTED_DETAILS

export interface FaultSpec {
  /** How many matching requests this fault applies to (default 1). */
  count?: number
  /** Answer with this status instead of handling the request. */
  status?: number
  /** Wait this long before answering (with `status`, or normally without). */
  delayMs?: number
  /** Destroy the socket without an answer. */
  reset?: boolean
  /** Send the status line and headers, then hold the body back this long. */
  bodyDelayMs?: number
  /** Only requests whose path starts with this (e.g. /api/0/organizations/acme/issues/). */
  pathPrefix?: string
  /** With status 401: `{"detail": {"code": …, "message": …, "extra": …}}`. */
  nestedDetail?: NestedDetailCode
}

interface ActiveFault extends FaultSpec { remaining: number }

export function validateFault (input: unknown): FaultSpec {
  if (typeof input !== 'object' || input === null) throw new TypeError('fault must be an object')
  const f = input as Record<string, unknown>
  const intIn = (name: string, min: number, max: number): void => {
    const v = f[name]
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)) throw new TypeError(`${name} must be an integer in [${min}, ${max}]`)
  }
  intIn('count', 1, 1_000_000)
  intIn('status', 200, 599)
  intIn('delayMs', 0, 600_000)
  intIn('bodyDelayMs', 1, 600_000)
  if (f.reset !== undefined && typeof f.reset !== 'boolean') throw new TypeError('reset must be a boolean')
  if (f.pathPrefix !== undefined && typeof f.pathPrefix !== 'string') throw new TypeError('pathPrefix must be a string')
  if (f.nestedDetail !== undefined && !(typeof f.nestedDetail === 'string' && f.nestedDetail in NESTED_DETAILS)) {
    throw new TypeError(`nestedDetail must be one of ${Object.keys(NESTED_DETAILS).join(', ')}`)
  }
  if (f.status === undefined && f.delayMs === undefined && f.reset !== true && f.bodyDelayMs === undefined) {
    throw new TypeError('a fault needs status, delayMs, reset or bodyDelayMs')
  }
  return f as FaultSpec
}

export class FaultQueue {
  private faults: ActiveFault[] = []

  add (spec: FaultSpec): void {
    this.faults.push({ ...spec, remaining: spec.count ?? 1 })
  }

  clear (): void {
    this.faults = []
  }

  /** The first fault matching `path`, consumed once; faults apply in the order they were added. */
  take (path: string): FaultSpec | undefined {
    const fault = this.faults.find((f) => f.pathPrefix === undefined || path.startsWith(f.pathPrefix))
    if (fault === undefined) return undefined
    fault.remaining--
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault)
    return fault
  }
}

export interface FaultResponse { status: number, contentType: string, body: string, headers: Record<string, string> }

const GATEWAY_PAGES: Record<number, string> = {
  502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable',
  504: '504 Gateway Time-out'
}

/** A response like the one sentry.io (or its load balancer, for 502–504) gives for `status`. */
export function faultResponse (fault: FaultSpec, status: number, ctx: { baseUrl: string, orgSlug?: string }): FaultResponse {
  const json = (body: unknown, headers: Record<string, string> = {}): FaultResponse => ({ status, contentType: 'application/json', body: JSON.stringify(body), headers })
  const page = GATEWAY_PAGES[status]
  if (page !== undefined) {
    return { status, contentType: 'text/html', body: `<html>\r\n<head><title>${page}</title></head>\r\n<body>\r\n<center><h1>${page}</h1></center>\r\n</body>\r\n</html>\r\n`, headers: {} }
  }
  if (status === 401) {
    const auth = { 'WWW-Authenticate': 'xBasic realm="api"' }
    if (fault.nestedDetail === undefined) return json({ detail: 'Invalid token' }, auth)
    const org = ctx.orgSlug ?? 'acme'
    return json({ detail: { code: fault.nestedDetail, message: NESTED_DETAILS[fault.nestedDetail], extra: { orgSlug: org, loginUrl: `${ctx.baseUrl}/auth/login/${org}/` } } }, auth)
  }
  if (status === 403) return json({ detail: 'You do not have permission to perform this action.' })
  if (status === 404) return json({ detail: 'The requested resource does not exist' })
  if (status === 429) return { status, contentType: 'text/html; charset=utf-8', body: JSON.stringify('You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds'), headers: {} }
  if (status >= 500) return json({ detail: 'Internal Error', errorId: hexId('fault', Date.now(), Math.random()) })
  return json({ detail: `Emulated fault ${status}` })
}
