/**
 * Parents of the performance-data types (codegen mappers, like models.ts): what the resolvers in
 * resolvers/explore.ts, trace.ts and health.ts pass down.
 */
import type { Scope } from './models.js'

/** A trace as Sentry sent it (roots with children), and where to ask for its meta. */
export interface TraceModel {
  scope: Scope
  traceId: string
  /** The time range the trace was read with (trace-meta is asked with the same). */
  range: { statsPeriod?: string | null, start?: string | null, end?: string | null }
  roots: Array<Record<string, unknown>>
}

/** A release-health group as Sentry sent it, and the Sentry field names of the request. */
export interface SessionGroupModel {
  by: Record<string, unknown>
  totals: Record<string, unknown>
  series: Record<string, unknown>
}
