/**
 * Relay connections over Sentry's cursor pagination (facts.md §4: Link header cursors
 * `value:offset:is_prev`, at most 100 rows a page).
 *
 * A gateway cursor is base64url(`s1:<skip>:<sentry cursor>`): "the rows of the Sentry page at
 * <sentry cursor>, after skipping <skip> of them". The last edge of a Sentry page gets
 * (skip 0, Sentry's next cursor), so `endCursor` is Sentry's next cursor as the brief asks;
 * an edge inside a page resumes inside that page.
 */
import { badUserInput } from '../errors.js'
import type { Page } from '../sentry/types.js'

export const MAX_FIRST = 100
export const DEFAULT_FIRST = 25
const SENTRY_PAGE_MAX = 100

export interface PageArgsInput {
  first?: number | null
  after?: string | null
}

export interface PageRequest {
  /** The Sentry cursor to request, null for the first page. */
  cursor: string | null
  /** Rows of that Sentry page to skip. */
  skip: number
  /** How many rows to ask Sentry for (skip + first, at most 100). */
  perPage: number
  first: number
}

export interface Edge<T> { cursor: string, node: T }

export interface Connection<T> {
  edges: Array<Edge<T>>
  nodes: T[]
  pageInfo: {
    hasNextPage: boolean
    hasPreviousPage: boolean
    startCursor: string | null
    endCursor: string | null
  }
}

const CURSOR_RE = /^s1:(\d{1,3}):([\x21-\x7e]{0,256})$/

export function encodeCursor (sentryCursor: string | null, skip: number): string {
  return Buffer.from(`s1:${skip}:${sentryCursor ?? ''}`, 'utf8').toString('base64url')
}

export function decodeCursor (cursor: string): { sentryCursor: string | null, skip: number } {
  const m = /^[A-Za-z0-9_-]{1,400}$/.test(cursor)
    ? CURSOR_RE.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
    : null
  const skip = m === null ? Number.NaN : Number(m[1])
  if (m === null || skip > SENTRY_PAGE_MAX) {
    throw badUserInput('`after` is not a cursor of this API; pass a cursor or pageInfo.endCursor from a previous page.', { argument: 'after' })
  }
  const sentryCursor = String(m[2])
  return { sentryCursor: sentryCursor === '' ? null : sentryCursor, skip }
}

/** Validates `first`/`after` (BAD_USER_INPUT outside 1..100) and plans the Sentry request. */
export function pageRequest (args: PageArgsInput): PageRequest {
  const first = args.first ?? DEFAULT_FIRST
  if (!Number.isInteger(first) || first < 1 || first > MAX_FIRST) {
    throw badUserInput(`\`first\` must be between 1 and ${MAX_FIRST}; got ${first}.`, { argument: 'first', min: 1, max: MAX_FIRST })
  }
  const { sentryCursor, skip } = args.after == null ? { sentryCursor: null, skip: 0 } : decodeCursor(args.after)
  return { cursor: sentryCursor, skip, perPage: Math.min(SENTRY_PAGE_MAX, skip + first), first }
}

/** Maps one Sentry page to a Relay connection, given the request that fetched it. */
export function toConnection<TRaw, TNode> (page: Page<TRaw>, req: PageRequest, map: (raw: TRaw) => TNode): Connection<TNode> {
  const end = Math.min(page.items.length, req.skip + req.first)
  const edges: Array<Edge<TNode>> = []
  for (let i = req.skip; i < end; i++) {
    const lastOfPage = i === page.items.length - 1
    edges.push({
      cursor: lastOfPage && page.nextCursor !== null ? encodeCursor(page.nextCursor, 0) : encodeCursor(req.cursor, i + 1),
      node: map(page.items[i] as TRaw)
    })
  }
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: end < page.items.length || page.nextCursor !== null,
      hasPreviousPage: req.skip > 0 || page.prevCursor !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null
    }
  }
}
