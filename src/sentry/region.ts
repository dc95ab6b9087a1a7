import type { RequestTelemetry } from '../telemetry/request-context.js'
import type { Layer } from './pipeline.js'
import { TransportError } from './transport.js'

/**
 * Sends org-scoped calls to the organization's region (docs/sentry.md §4 "Region routing"),
 * everything else to SENTRY_URL. When the region host cannot be reached (the request was never
 * sent), the call goes to SENTRY_URL at once, which proxies org-scoped calls to the right
 * region, and the routes are told so that later calls skip the region for a while.
 */

export interface RegionResolver {
  /** The base URL for an organization's calls (its region, or SENTRY_URL); a lookup is counted on `forRequest`. */
  baseUrlFor (org: string, forRequest?: RequestTelemetry): Promise<string>
  /** `baseUrl` could not be reached for `org`. */
  failed (org: string, baseUrl: string): void
}

export function regionLayer (sentryUrl: string, routes: RegionResolver | null): Layer {
  return (next) => async (request) => {
    // Most calls already name SENTRY_URL (the caller's default): they go on as they are.
    const toSentryUrl = request.baseUrl === sentryUrl ? request : { ...request, baseUrl: sentryUrl }
    const org = request.org
    if (org === undefined || routes === null) return await next(toSentryUrl)
    const base = await routes.baseUrlFor(org, request.deadline.telemetry)
    if (base === sentryUrl) return await next(toSentryUrl)
    try {
      return await next({ ...request, baseUrl: base, canFallBack: true })
    } catch (err) {
      if (!(err instanceof TransportError) || !err.notSent) throw err
      routes.failed(org, base)
      return await next({ ...request, baseUrl: sentryUrl, canFallBack: false })
    }
  }
}
