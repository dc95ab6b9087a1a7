import type { OrganizationRecord } from '../db/store.js'
import { isGatewayError } from '../errors.js'
import type { RequestTelemetry } from '../telemetry/request-context.js'
import type { Logger } from './transport.js'

/**
 * Region routing (docs/sentry.md §4 "Region routing"): each organization names the host that serves
 * its org-scoped API (`links.regionUrl`, e.g. https://us.sentry.io). OAuth and non-org calls stay
 * on SENTRY_URL. Self-hosted answers its own base URL. Whatever goes wrong, we fall back to
 * SENTRY_URL, which proxies org-scoped calls to the right region.
 */

/** How long a resolved region is trusted, and how long a failed lookup keeps SENTRY_URL. */
const RESOLVED_TTL_MS = 60 * 60 * 1000
const FAILED_TTL_MS = 60 * 1000

const isLoopback = (host: string): boolean => host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)

/**
 * The region base URL to use, or null when it is unusable. The bearer token goes wherever this
 * points, so only hosts of the configured Sentry are accepted: the same host or one of its
 * subdomains (us.sentry.io for sentry.io), or another loopback address when Sentry itself is on
 * loopback (local development, the emulator) — always over the same scheme AND the same port as
 * SENTRY_URL (another port of the same host is another service, docs/sentry.md §4).
 */
export function acceptableRegionUrl (regionUrl: string | null | undefined, sentryUrl: string): string | null {
  if (typeof regionUrl !== 'string' || regionUrl === '') return null
  let region: URL
  let base: URL
  try {
    region = new URL(regionUrl)
    base = new URL(sentryUrl)
  } catch {
    return null
  }
  if (region.protocol !== base.protocol || region.port !== base.port) return null
  if (region.username !== '' || region.password !== '' || region.search !== '' || region.hash !== '') return null
  const host = region.hostname.toLowerCase()
  const baseHost = base.hostname.toLowerCase()
  const trusted = host === baseHost || host.endsWith(`.${baseHost}`) || (isLoopback(host) && isLoopback(baseHost))
  if (!trusted) return null
  return region.href.replace(/\/+$/, '')
}

export interface RegionRoutesOptions {
  sentryUrl: string
  now: () => number
  /** The connection's stored organizations (seed); called once. */
  loadStored: () => Promise<OrganizationRecord[]>
  /**
   * GET /api/0/organizations/{org}/ on SENTRY_URL → links.regionUrl; counted on `forRequest`,
   * the request whose call started the lookup, when there is one.
   */
  lookup: (org: string, forRequest: RequestTelemetry | undefined) => Promise<string | null>
  logger?: Logger
}

/** Per-connection cache of organization → base URL. */
export class RegionRoutes {
  private readonly cache = new Map<string, { baseUrl: string, until: number }>()
  private readonly lookups = new Map<string, Promise<string>>()
  private seeded: Promise<void> | null = null

  constructor (private readonly options: RegionRoutesOptions) {}

  async baseUrlFor (org: string, forRequest?: RequestTelemetry): Promise<string> {
    const key = org.toLowerCase()
    const hit = this.cached(key)
    if (hit !== null) return hit
    this.seeded ??= this.seed()
    await this.seeded
    const seededHit = this.cached(key)
    if (seededHit !== null) return seededHit
    let lookup = this.lookups.get(key)
    if (lookup === undefined) {
      lookup = this.resolve(org, key, forRequest).finally(() => this.lookups.delete(key))
      this.lookups.set(key, lookup)
    }
    return await lookup
  }

  /** The region host could not be reached: use SENTRY_URL for this organization for a while. */
  failed (org: string, baseUrl: string): void {
    const key = org.toLowerCase()
    if (this.cache.get(key)?.baseUrl === baseUrl) this.set(key, this.options.sentryUrl, FAILED_TTL_MS)
    this.options.logger?.warn({ org: key }, 'sentry region unreachable; using SENTRY_URL')
  }

  /**
   * Seeds the cache from organizations the caller has already read (the GraphQL request's viewer
   * read), instead of reading the stored ones: a no-op once seeded.
   */
  prime (organizations: readonly OrganizationRecord[]): void {
    if (this.seeded !== null) return
    this.seedFrom(organizations)
    this.seeded = Promise.resolve()
  }

  private cached (key: string): string | null {
    const hit = this.cache.get(key)
    if (hit === undefined) return null
    if (hit.until <= this.options.now()) {
      this.cache.delete(key)
      return null
    }
    return hit.baseUrl
  }

  private set (key: string, baseUrl: string, ttlMs: number): void {
    this.cache.set(key, { baseUrl, until: this.options.now() + ttlMs })
  }

  private async seed (): Promise<void> {
    try {
      this.seedFrom(await this.options.loadStored())
    } catch {
      // The stored list is only a shortcut; the lookup below still works.
    }
  }

  private seedFrom (organizations: readonly OrganizationRecord[]): void {
    for (const o of organizations) {
      const url = acceptableRegionUrl(o.regionUrl, this.options.sentryUrl)
      if (url === null) continue
      this.set(o.slug.toLowerCase(), url, RESOLVED_TTL_MS)
      this.set(o.orgId.toLowerCase(), url, RESOLVED_TTL_MS)
    }
  }

  private async resolve (org: string, key: string, forRequest: RequestTelemetry | undefined): Promise<string> {
    try {
      const url = acceptableRegionUrl(await this.options.lookup(org, forRequest), this.options.sentryUrl)
      if (url !== null) {
        this.set(key, url, RESOLVED_TTL_MS)
        return url
      }
    } catch (err) {
      // The connection itself is unusable: the call would fail the same way, so say so now.
      if (isGatewayError(err) && (err.code === 'RECONNECT_REQUIRED' || err.code === 'NOT_CONNECTED')) throw err
      // Any other failure: SENTRY_URL (below).
    }
    this.set(key, this.options.sentryUrl, FAILED_TTL_MS)
    return this.options.sentryUrl
  }
}
