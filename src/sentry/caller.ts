import { badUserInput, upstreamError } from '../errors.js'
import { type CallContext, type CallSpec, type SentryHttp, responseHeader } from './http.js'
import { MAX_PAGE_SIZE, toPage } from './pagination.js'
import type { Page, PageArgs } from './types.js'

/**
 * What resource modules call: a Sentry call bound to one connection. Resource modules describe
 * the call (method, openapi path template, params, query) and get typed data back.
 */
export interface SentryCaller {
  json<T>(spec: CallSpec): Promise<T>
  /** A list endpoint: the array plus the cursors of its `Link` header. */
  page<T>(spec: CallSpec): Promise<Page<T>>
  /** A list inside an object body (e.g. `{data, meta}`): the body plus the cursors of its `Link` header. */
  pageOf<T>(spec: CallSpec): Promise<{ body: T, nextCursor: string | null, prevCursor: string | null }>
}

export function createCaller (http: SentryHttp, ctx: CallContext): SentryCaller {
  return {
    async json<T>(spec: CallSpec): Promise<T> {
      return (await http.call<T>(ctx, spec)).data
    },
    async page<T>(spec: CallSpec): Promise<Page<T>> {
      const res = await http.call<unknown>(ctx, spec)
      if (!Array.isArray(res.data)) throw upstreamError('Sentry answered a list request with something that is not a list.')
      const page = toPage(res.data as T[], responseHeader(res, 'link'))
      // The issue list's total: `X-Hits`, capped by `X-Max-Hits` (getsentry/sentry src/sentry/api/base.py, add_cursor_headers).
      const hits = responseHeader(res, 'x-hits')
      if (hits !== undefined && /^\d+$/.test(hits)) page.hits = Number(hits)
      return page
    },
    async pageOf<T>(spec: CallSpec): Promise<{ body: T, nextCursor: string | null, prevCursor: string | null }> {
      const res = await http.call<T>(ctx, spec)
      const { nextCursor, prevCursor } = toPage([], responseHeader(res, 'link'))
      return { body: res.data, nextCursor, prevCursor }
    }
  }
}

/** Validates a page size: 1..100 (Sentry's maximum, facts.md §4). */
export function pageSize (value: number | undefined, argument = 'perPage'): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw badUserInput(`${argument} must be an integer between 1 and ${MAX_PAGE_SIZE}.`, { argument })
  }
  return value
}

/** `cursor` and `per_page` query parameters from PageArgs. */
export function pageQuery (args: PageArgs = {}): { cursor?: string, per_page?: number } {
  const query: { cursor?: string, per_page?: number } = {}
  if (typeof args.cursor === 'string' && args.cursor !== '') query.cursor = args.cursor
  const perPage = pageSize(args.perPage)
  if (perPage !== undefined) query.per_page = perPage
  return query
}
