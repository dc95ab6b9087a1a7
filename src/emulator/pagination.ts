/**
 * Sentry's cursor pagination (docs/sentry.md §4 "Pagination via the Link header"; S:src/sentry/api/base.py,
 * S:src/sentry/utils/pagination_factory.py): `per_page` ≤ 100, cursors "value:offset:is_prev", and a
 * Link header with BOTH rels on every list response.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { badRequest, pathOf, queryOf } from './http.js'

export const MAX_PER_PAGE = 100

/** `get_per_page`: default 100, over 100 → 400, not an integer → 400. */
export function parsePerPage (q: URLSearchParams): number {
  const raw = q.get('per_page')
  if (raw === null) return MAX_PER_PAGE
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw badRequest('Invalid per_page parameter.')
  const n = Number(raw)
  if (n > MAX_PER_PAGE) throw badRequest(`Invalid per_page value. Cannot exceed ${MAX_PER_PAGE}.`)
  if (n < 1) throw badRequest('Invalid per_page parameter.')
  return n
}

/** The issues list takes `limit` instead (spec: default 100, "The maximum is 100"). */
export function parseLimit (q: URLSearchParams): number {
  const raw = q.get('limit')
  if (raw === null || raw === '') return MAX_PER_PAGE
  if (!/^\s*[+-]?\d+\s*$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PER_PAGE) throw badRequest('invalid limit')
  return Number(raw)
}

/** `Cursor.from_string`: exactly three parts, value int or float, offset and is_prev ints. */
export function parseCursor (q: URLSearchParams): number {
  const raw = q.get('cursor')
  if (raw === null || raw === '') return 0
  const parts = raw.split(':')
  if (parts.length !== 3 || !/^-?\d+(\.\d+)?$/.test(parts[0] ?? '') || !/^-?\d+$/.test(parts[1] ?? '') || !/^-?\d+$/.test(parts[2] ?? '')) {
    throw badRequest('Invalid cursor parameter.')
  }
  const offset = Number(parts[1])
  if (offset < 0) throw badRequest('Pagination offset cannot be negative')
  return offset
}

function cursorLink (base: string, name: 'previous' | 'next', cursor: string, hasResults: boolean): string {
  return `<${base}&cursor=${cursor}>; rel="${name}"; results="${hasResults ? 'true' : 'false'}"; cursor="${cursor}"`
}

/**
 * Slices one page and sets the Link header: absolute URL from the request's own host, the current
 * query minus `cursor` (so `…/?&cursor=…` when there is none), previous first, then next.
 */
export function paginate<T> (request: FastifyRequest, reply: FastifyReply, rows: readonly T[], perPage: number): T[] {
  const q = queryOf(request.url)
  const offset = parseCursor(q)
  q.delete('cursor')
  const base = `${request.protocol}://${request.headers.host ?? 'localhost'}${pathOf(request.url)}?${q.toString()}`
  const prevOffset = Math.max(0, offset - perPage)
  reply.header('Link', [
    cursorLink(base, 'previous', `0:${prevOffset}:1`, offset > 0),
    cursorLink(base, 'next', `0:${offset + perPage}:0`, offset + perPage < rows.length)
  ].join(', '))
  return rows.slice(offset, offset + perPage)
}
