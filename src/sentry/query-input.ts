/**
 * Shared by Sentry's query endpoints (Explore tables and time series, traces, sessions): the checks
 * that refuse bad input before any upstream call, and the answers to these endpoints' own failures.
 * Behaviour: docs/performance-data.md §1 and getsentry/sentry src/sentry/api/utils.py
 * handle_query_errors (a query problem is a 400 `{"detail": "<message>"}`, the user's only clue).
 */
import { GatewayError, badUserInput, isGatewayError, upstreamError } from '../errors.js'

/** Longest Sentry `detail` passed through to the user. */
export const MAX_DETAIL_CHARS = 300

/** `parse_stats_period` accepts `^\d+[smhdw]?$`; the gateway asks for the unit to avoid "24" meaning 24 seconds. */
const STATS_PERIOD = /^[1-9]\d{0,5}[smhdw]$/
const INTERVAL = /^[1-9]\d{0,6}[smhd]?$/

export interface TimeRangeInput {
  statsPeriod?: string | null
  start?: string | null
  end?: string | null
}

export interface TimeRangeQuery {
  statsPeriod?: string
  start?: string
  end?: string
}

/**
 * `statsPeriod` (e.g. 24h, 14d) or `start` + `end`, never both (Sentry silently prefers statsPeriod);
 * `defaultPeriod` when neither is given.
 */
export function timeRange (input: TimeRangeInput, defaultPeriod: string): TimeRangeQuery {
  const { statsPeriod, start, end } = input
  if (statsPeriod != null) {
    if (start != null || end != null) {
      throw badUserInput('Give either statsPeriod or start and end, not both.', { argument: 'statsPeriod' })
    }
    if (!STATS_PERIOD.test(statsPeriod)) {
      throw badUserInput('statsPeriod must be a number with a unit s, m, h, d or w, e.g. "24h" or "14d".', { argument: 'statsPeriod' })
    }
    return { statsPeriod }
  }
  if (start == null && end == null) return { statsPeriod: defaultPeriod }
  if (start == null) throw badUserInput('end needs start.', { argument: 'start' })
  if (end == null) throw badUserInput('start needs end.', { argument: 'end' })
  const s = Date.parse(start)
  const e = Date.parse(end)
  if (Number.isNaN(s)) throw badUserInput('start is not an ISO-8601 date.', { argument: 'start' })
  if (Number.isNaN(e)) throw badUserInput('end is not an ISO-8601 date.', { argument: 'end' })
  if (e <= s) throw badUserInput('end must be after start.', { argument: 'end' })
  return { start: new Date(s).toISOString(), end: new Date(e).toISOString() }
}

/** An interval like 1h, 5m, 1d or a number of seconds. */
export function intervalArg (value: string | null | undefined, argument = 'interval'): string | undefined {
  if (value == null) return undefined
  if (!INTERVAL.test(value)) {
    throw badUserInput('interval must be a number of seconds or a number with a unit s, m, h or d, e.g. "1h".', { argument })
  }
  return value
}

/** A list of non-empty strings of bounded size (fields, yAxis, groupBy, sort, projects…). */
export function stringList (value: readonly string[] | null | undefined, argument: string, min: number, max: number): string[] {
  const list = value ?? []
  if (list.length < min || list.length > max) {
    throw badUserInput(min === max ? `${argument} takes exactly ${min} entries.` : `${argument} takes ${min} to ${max} entries; got ${list.length}.`, { argument, min, max })
  }
  for (const item of list) {
    if (item.trim() === '' || item.length > 200) throw badUserInput(`Every ${argument} entry must be a non-empty string of at most 200 characters.`, { argument })
  }
  return [...list]
}

/** Sentry's trace ids are 32 hex characters; dashes (UUID form) and upper case are accepted. */
export function traceIdArg (value: string, argument = 'traceId'): string {
  const id = value.replace(/-/g, '').toLowerCase()
  if (!/^[0-9a-f]{32}$/.test(id)) throw badUserInput('traceId must be 32 hexadecimal characters.', { argument })
  return id
}

// ---------------------------------------------------------------------------------------------
// Upstream answers

/**
 * A Sentry `detail` made safe to show: printable characters only, URLs and token-like strings
 * removed, at most MAX_DETAIL_CHARS. Null when nothing useful remains.
 */
export function scrubDetail (detail: unknown): string | null {
  if (typeof detail !== 'string') return null
  let text = detail
    // Control characters (C0, DEL, C1) become spaces.
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '[url]')
    .replace(/\bsntry[a-z]?_[A-Za-z0-9_=+/-]+/g, '[redacted]')
    .replace(/\b[0-9a-f]{40,}\b/gi, '[redacted]')
    .replace(/\bBearer\s+\S+/gi, 'Bearer [redacted]')
    .replace(/\s+/g, ' ')
    .trim()
  if (text === '') return null
  if (text.length > MAX_DETAIL_CHARS) text = text.slice(0, MAX_DETAIL_CHARS - 1) + '…'
  return text
}

/** Which argument a known Sentry query message is about (messages: docs/performance-data.md §1). */
const DETAIL_ARGUMENTS: Array<[RegExp, string]> = [
  [/fields at a time|No columns selected|Invalid field|is not a valid function|Argument to function/i, 'fields'],
  [/dataset must be/i, 'dataset'],
  [/sort by|orderBy/i, 'sort'],
  [/top events|topEvents/i, 'topEvents'],
  [/groupBy|group by/i, 'groupBy'],
  [/interval/i, 'interval'],
  [/multiple projects|project/i, 'projects'],
  [/statsPeriod|date range|start|end\b/i, 'statsPeriod'],
  [/query|parse error|filter/i, 'query']
]

export interface QueryErrorOptions {
  /** GraphQL argument names by Sentry's (e.g. fields → yAxis on the time series). */
  rename?: Record<string, string>
  /** What the endpoint is, for messages: "Explore", "Release health". */
  feature: string
  /** Whether a 404 means the feature is off (events endpoints answer 404 with an empty body). */
  featureGated404?: boolean
  /** A 500 with a known cause and its explanation. */
  known500?: string
}

/** CallSpec.errors for a query endpoint. */
export function queryErrors (options: QueryErrorOptions): (status: number, body: unknown) => GatewayError | undefined {
  return (status, body) => {
    if (status === 400) {
      const raw = typeof body === 'string' ? body : typeof body === 'object' && body !== null ? (body as { detail?: unknown }).detail : undefined
      const detail = scrubDetail(raw)
      if (detail === null) return badUserInput(`Sentry rejected the ${options.feature} query.`)
      const found = DETAIL_ARGUMENTS.find(([re]) => re.test(detail))?.[1]
      const argument = found === undefined ? undefined : options.rename?.[found] ?? found
      return badUserInput(`Sentry rejected the ${options.feature} query: ${detail}`, {
        ...(argument === undefined ? {} : { argument }), sentryDetail: detail
      })
    }
    if (status === 404 && options.featureGated404 === true && (body === null || body === '')) {
      return new GatewayError('NOT_FOUND', `${options.feature} is not enabled for this organization (Sentry needs Discover or Performance on its plan).`, { reason: 'FEATURE_DISABLED' })
    }
    if (status === 500 && options.known500 !== undefined) {
      return upstreamError(options.known500, { upstreamStatus: 500, reason: 'KNOWN_UPSTREAM_FAILURE' })
    }
    return undefined
  }
}

/** Explore's lower limits (30 requests a second, 15 concurrent) deserve their own message. */
export async function withQueryRateLimit<T> (feature: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    if (isGatewayError(err) && err.code === 'RATE_LIMITED') {
      throw new GatewayError('RATE_LIMITED', `Sentry's ${feature} rate limit is reached (these query endpoints allow 30 requests a second and 15 at once); ${err.message.replace(/^Sentry rate limit reached; /, '')}`, {
        ...err.extensions, limit: { perSecond: 30, concurrent: 15 }
      })
    }
    throw err
  }
}
