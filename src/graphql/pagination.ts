/**
 * Relay connections over Sentry's cursor pagination (docs/sentry.md §4: Link header cursors
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
  last?: number | null
  before?: string | null
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
  /** Sentry's total where it sends one (`X-Hits` on issue lists), else null. */
  totalCount: number | null
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

export function decodeCursor (cursor: string, argument = 'after'): { sentryCursor: string | null, skip: number } {
  const m = /^[A-Za-z0-9_-]{1,400}$/.test(cursor)
    ? CURSOR_RE.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
    : null
  const skip = m === null ? Number.NaN : Number(m[1])
  if (m === null || skip > SENTRY_PAGE_MAX) {
    throw badUserInput(`\`${argument}\` is not a cursor of this API; pass a cursor, pageInfo.endCursor or pageInfo.startCursor from a previous page.`, { argument })
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

/**
 * An edge whose cursor is encoded when read: most queries select `nodes` or `edges { node }`
 * only, and encoding a cursor for each of 100 rows was ~2 % of a 100-issue request's CPU in
 * the benchmark's profile (README "Benchmarks", table of changes).
 */
class PageEdge<T> implements Edge<T> {
  readonly node: T
  readonly #sentryCursor: string | null
  readonly #skip: number
  constructor (node: T, sentryCursor: string | null, skip: number) {
    this.node = node
    this.#sentryCursor = sentryCursor
    this.#skip = skip
  }

  get cursor (): string {
    return encodeCursor(this.#sentryCursor, this.#skip)
  }

  /** Serialized (logs, tests) like the plain `{ cursor, node }` it stands for. */
  toJSON (): Edge<T> {
    return { cursor: this.cursor, node: this.node }
  }
}

/** Maps one Sentry page to a Relay connection, given the request that fetched it. */
export function toConnection<TRaw, TNode> (page: Page<TRaw>, req: PageRequest, map: (raw: TRaw) => TNode): Connection<TNode> {
  const end = Math.min(page.items.length, req.skip + req.first)
  const edges: Array<Edge<TNode>> = []
  for (let i = req.skip; i < end; i++) {
    const lastOfPage = i === page.items.length - 1
    const node = map(page.items[i] as TRaw)
    edges.push(lastOfPage && page.nextCursor !== null ? new PageEdge(node, page.nextCursor, 0) : new PageEdge(node, req.cursor, i + 1))
  }
  return {
    edges,
    nodes: edges.map((e) => e.node),
    totalCount: page.hits ?? null,
    pageInfo: {
      hasNextPage: end < page.items.length || page.nextCursor !== null,
      hasPreviousPage: req.skip > 0 || page.prevCursor !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null
    }
  }
}

/** Fetches one Sentry page: the list endpoint at a cursor with a page size. */
export type FetchPage<TRaw> = (cursor: string | null, perPage: number) => Promise<Page<TRaw>>

function pageSizeArg (value: number, argument: 'first' | 'last'): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_FIRST) {
    throw badUserInput(`\`${argument}\` must be between 1 and ${MAX_FIRST}; got ${value}.`, { argument, min: 1, max: MAX_FIRST })
  }
  return value
}

/**
 * A connection in either direction. Forward (`first`/`after`) is one Sentry call. Backward
 * (`last`/`before`) follows Sentry's `previous` link: the page holding the `before` cursor is
 * read with the page size the answer needs, then, when it has too few rows before the cursor,
 * the page its `previous` link names (same page size, so that page ends where this one
 * starts): at most two calls. The edges it returns carry forward cursors, so paging forward
 * again from any of them works.
 */
export async function paginate<TRaw, TNode> (args: PageArgsInput, fetch: FetchPage<TRaw>, map: (raw: TRaw) => TNode): Promise<Connection<TNode>> {
  if (args.last == null) {
    if (args.before != null) throw badUserInput('`before` pages backward: pass `last` with it.', { argument: 'before' })
    const req = pageRequest(args)
    return toConnection(await fetch(req.cursor, req.perPage), req, map)
  }
  const last = pageSizeArg(args.last, 'last')
  if (args.before == null) {
    throw badUserInput('`last` needs `before` (a startCursor from a forward page): Sentry lists cannot be read from their end.', { argument: 'last' })
  }
  if (args.after != null) throw badUserInput('Pass either `after` (with `first`) or `before` (with `last`), not both.', { argument: 'after' })
  const { sentryCursor, skip } = decodeCursor(args.before, 'before')
  // The `before` item is row skip-1 of the page at sentryCursor; with skip 0 it is the last row
  // of the page before it, which is then read with one more row, dropped at the end.
  const before = skip === 0 ? 0 : skip - 1
  const want = skip === 0 ? last + 1 : last
  const perPage = Math.min(SENTRY_PAGE_MAX, Math.max(want, before, 1))
  const here = await fetch(sentryCursor, perPage)
  type Row = { raw: TRaw, cursor: string }
  let rows: Row[] = here.items.slice(0, before).map((raw, i) => ({ raw, cursor: encodeCursor(sentryCursor, i + 1) }))
  let morePrevious = here.prevCursor !== null
  if (rows.length < want && here.prevCursor !== null) {
    const prevCursor = here.prevCursor
    const prev = await fetch(prevCursor, perPage)
    // An offset cursor's `previous` page starts at max(0, offset - perPage), so near the start
    // of a list it runs into this page: cut it where this page's first row appears.
    const first = here.items.length > 0 ? JSON.stringify(here.items[0]) : null
    const overlap = first === null ? -1 : prev.items.findIndex((raw) => JSON.stringify(raw) === first)
    const prevItems = overlap === -1 ? prev.items : prev.items.slice(0, overlap)
    const older = prevItems.map((raw, i): Row => ({
      raw,
      // After the last row of the previous page comes the page at sentryCursor.
      cursor: i === prevItems.length - 1 ? encodeCursor(sentryCursor, 0) : encodeCursor(prevCursor, i + 1)
    }))
    rows = [...older, ...rows]
    morePrevious = prev.prevCursor !== null
  }
  if (skip === 0) rows = rows.slice(0, -1)
  const kept = rows.slice(Math.max(0, rows.length - last))
  const edges = kept.map((r) => ({ cursor: r.cursor, node: map(r.raw) }))
  return {
    edges,
    nodes: edges.map((e) => e.node),
    totalCount: here.hits ?? null,
    pageInfo: {
      hasNextPage: true,
      hasPreviousPage: rows.length > kept.length || morePrevious,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null
    }
  }
}
