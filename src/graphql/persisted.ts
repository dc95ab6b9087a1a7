/**
 * Persisted operations, both ways:
 *
 * - **Automatic persisted queries** (Apollo's APQ protocol,
 *   https://github.com/apollographql/apollo-link-persisted-queries#protocol): a client sends
 *   `extensions.persistedQuery.sha256Hash` alone; an unknown hash answers the error code
 *   `PERSISTED_QUERY_NOT_FOUND`, the client retries with hash + document, the gateway checks
 *   that sha256(document) equals the hash and keeps the document in a cache bounded both in
 *   entries and in bytes (least recently used first out). With APQ off, a hash-only request
 *   answers `PERSISTED_QUERY_NOT_SUPPORTED`, so Apollo's link stops sending hashes.
 * - **An allow-list** (GRAPHQL_PERSISTED_QUERIES_ONLY): only the documents of a manifest run.
 *   The manifest is the one the client's tooling writes: GraphQL Codegen's client preset
 *   `persistedDocuments` (`{ "<hash>": "<document>" }`,
 *   https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#persisted-documents),
 *   Apollo's `generate-persisted-query-manifest`
 *   (`{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [{ id, body, … }] }`,
 *   https://www.apollographql.com/docs/graphos/platform/security/persisted-queries#manifest-format),
 *   or the gateway's own src/graphql/persisted-queries.json. Those tools hash the document the
 *   client sends (with Apollo's added `__typename`), so the gateway runs exactly that text.
 *
 * A persisted operation is named by `extensions.persistedQuery.sha256Hash` (Apollo),
 * `documentId` (GraphQL over HTTP persisted operations, Codegen's docs), or mercurius'
 * `{"persisted": true, "query": "<hash>"}`.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type GraphQLSchema, parse, print, validate } from 'graphql'
import type { PersistedQueryProvider } from 'mercurius'
import { fromCode } from '../paths.js'

export const OPERATIONS_DIR = fromCode('graphql', 'operations')
export const PERSISTED_QUERIES_FILE = fromCode('graphql', 'persisted-queries.json')

/** Operation id (a hash) → document text. */
export type PersistedQueries = Record<string, string>

export function hashDocument (document: string, algorithm: 'sha256' | 'sha1' = 'sha256'): string {
  return createHash(algorithm).update(document, 'utf8').digest('hex')
}

/** Canonical text of every operation file, keyed by its sha256; fails on an invalid operation. */
export function buildPersistedQueries (dir: string, schema: GraphQLSchema): PersistedQueries {
  const out: PersistedQueries = {}
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.graphql')).sort()) {
    const document = parse(readFileSync(join(dir, name), 'utf8'))
    const errors = validate(schema, document)
    if (errors.length > 0) throw new Error(`${name}: ${errors.map((e) => e.message).join('; ')}`)
    const text = print(document)
    out[hashDocument(text)] = text
  }
  return out
}

const SHA256_HEX = /^[0-9a-f]{64}$/
const SHA1_HEX = /^[0-9a-f]{40}$/

/** An id as a manifest or a client writes it: `sha256:<hex>` and `<hex>` are the same id. */
function normalizeId (id: string): string {
  return id.startsWith('sha256:') ? id.slice(7) : id
}

/**
 * Reads a manifest in any of the supported formats (see the module comment). Every id must be
 * the sha256 (or, as Codegen's client preset writes by default, the sha1) of its document, so
 * a corrupted or hand-edited manifest is refused instead of running the wrong document.
 */
export function parseManifest (parsed: unknown, where: string): PersistedQueries {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${where} must be a JSON object: a Codegen persisted-documents map { "<hash>": "<document>" } or an Apollo persisted query manifest`)
  }
  const record = parsed as Record<string, unknown>
  let entries: Array<[string, unknown]>
  if (record.format === 'apollo-persisted-query-manifest') {
    if (record.version !== 1 || !Array.isArray(record.operations)) {
      throw new Error(`${where}: only version 1 of the Apollo persisted query manifest (with an "operations" array) is supported`)
    }
    entries = record.operations.map((op: unknown, i: number) => {
      const o = (op ?? {}) as Record<string, unknown>
      if (typeof o.id !== 'string') throw new Error(`${where}: operations[${i}] has no string "id"`)
      return [o.id, o.body]
    })
  } else {
    entries = Object.entries(record)
  }
  const out: PersistedQueries = {}
  for (const [rawId, body] of entries) {
    const id = normalizeId(rawId)
    if (typeof body !== 'string') throw new Error(`${where}: the entry ${rawId} is not a GraphQL document string`)
    const ok = (SHA256_HEX.test(id) && hashDocument(body) === id) || (SHA1_HEX.test(id) && hashDocument(body, 'sha1') === id)
    if (!ok) throw new Error(`${where}: the entry ${rawId} is not the sha256 (or sha1) hash of its document; regenerate the manifest`)
    out[id] = body
  }
  return out
}

export function loadPersistedQueries (file: string = PERSISTED_QUERIES_FILE): PersistedQueries {
  return parseManifest(JSON.parse(readFileSync(file, 'utf8')), file)
}

/** Every problem of a manifest against the schema: documents that do not parse or validate. */
export function checkManifest (queries: PersistedQueries, schema: GraphQLSchema): string[] {
  const problems: string[] = []
  for (const [id, body] of Object.entries(queries)) {
    try {
      const errors = validate(schema, parse(body))
      for (const e of errors) problems.push(`${id}: ${e.message}`)
    } catch (err) {
      problems.push(`${id}: ${(err as Error).message}`)
    }
  }
  return problems
}

/**
 * The APQ cache: least recently used first out, bounded by entry count and by the UTF-8 bytes
 * of the stored documents. A document larger than the whole budget is not stored.
 */
export class PersistedQueryCache {
  readonly #entries = new Map<string, string>()
  readonly maxEntries: number
  readonly maxBytes: number
  #bytes = 0

  constructor (maxEntries: number, maxBytes: number) {
    this.maxEntries = maxEntries
    this.maxBytes = maxBytes
  }

  get size (): number { return this.#entries.size }
  get bytes (): number { return this.#bytes }

  get (hash: string): string | undefined {
    const query = this.#entries.get(hash)
    if (query !== undefined) {
      this.#entries.delete(hash)
      this.#entries.set(hash, query)
    }
    return query
  }

  set (hash: string, query: string): void {
    const size = Buffer.byteLength(query, 'utf8')
    if (size > this.maxBytes || this.maxEntries === 0) return
    this.#delete(hash)
    this.#entries.set(hash, query)
    this.#bytes += size
    for (const [oldest, text] of this.#entries) {
      if (this.#entries.size <= this.maxEntries && this.#bytes <= this.maxBytes) break
      this.#entries.delete(oldest)
      this.#bytes -= Buffer.byteLength(text, 'utf8')
    }
  }

  #delete (hash: string): void {
    const old = this.#entries.get(hash)
    if (old === undefined) return
    this.#entries.delete(hash)
    this.#bytes -= Buffer.byteLength(old, 'utf8')
  }
}

interface PersistedRequest {
  query?: unknown
  persisted?: unknown
  documentId?: unknown
  extensions?: { persistedQuery?: { version?: unknown, sha256Hash?: unknown } } | null
}

/** The operation id a request names, if any (see the module comment for the three forms). */
export function requestedId (request: PersistedRequest): string | null {
  if (request.persisted === true && typeof request.query === 'string') return normalizeId(request.query)
  if (typeof request.documentId === 'string' && request.documentId !== '') return normalizeId(request.documentId)
  const apq = request.extensions?.persistedQuery
  if (apq !== undefined && apq !== null && typeof apq.sha256Hash === 'string') return normalizeId(apq.sha256Hash)
  return null
}

/** A request that sends an id but no document (the first leg of APQ, or an allow-list call). */
const hashOnly = (request: PersistedRequest): boolean =>
  requestedId(request) !== null && (request.persisted === true || typeof request.query !== 'string' || request.query === '')

export interface PersistedQueryOptions {
  /** GRAPHQL_PERSISTED_QUERIES_ONLY: only these documents run. */
  allowList: PersistedQueries | null
  /** The APQ cache; null when APQ is off. */
  apq: PersistedQueryCache | null
  /** Documents known up front in APQ mode (a configured manifest): they need no registration. */
  known?: PersistedQueries | null
}

export const NOT_FOUND_MESSAGE = 'PersistedQueryNotFound'
export const NOT_SUPPORTED_MESSAGE = 'PersistedQueryNotSupported'

/**
 * The mercurius provider for the three modes. Mercurius throws its PERSISTED_QUERY_* errors,
 * which src/graphql/error-formatter.ts shapes into Apollo's codes. Messages are Apollo's own
 * (its link matches on them as well as on the code).
 */
export function persistedQueryProvider (options: PersistedQueryOptions): PersistedQueryProvider {
  // Mercurius reads a falsy hash as "not a persisted request it supports" (lib/routes.js,
  // executePersistedQuery); its type says string, so "no hash" is ''.
  const NO_HASH = ''
  const { allowList, apq } = options
  const known = options.known ?? {}
  const lookup = (table: PersistedQueries, id: string): string | undefined => Object.hasOwn(table, id) ? table[id] : undefined
  if (allowList !== null) {
    return {
      isPersistedQuery: () => true,
      // Every request is a persisted one: there is no retry leg that registers a document.
      isPersistedQueryRetry: () => false,
      getHash: (request) => requestedId(request) ?? NO_HASH,
      getQueryFromHash: async (hash: string) => lookup(allowList, hash),
      notFoundError: NOT_FOUND_MESSAGE,
      notSupportedError: 'Only persisted operations are accepted: send extensions.persistedQuery.sha256Hash, documentId, or {"persisted": true, "query": "<sha256>"} with the id of a document on the allow-list.'
    }
  }
  return {
    isPersistedQuery: hashOnly,
    isPersistedQueryRetry: (request) => apq !== null && requestedId(request) !== null && !hashOnly(request),
    // With APQ off, a hash-only request gets PERSISTED_QUERY_NOT_SUPPORTED (mercurius throws it
    // for a persisted request without a hash) unless the id is a known document.
    getHash: (request) => {
      const id = requestedId(request)
      if (id === null) return NO_HASH
      return apq !== null || lookup(known, id) !== undefined ? id : NO_HASH
    },
    getHashForQuery: (query: string) => hashDocument(query),
    getQueryFromHash: async (hash: string) => lookup(known, hash) ?? apq?.get(hash),
    saveQuery: async (hash: string, query: string) => { apq?.set(hash, query) },
    notFoundError: NOT_FOUND_MESSAGE,
    notSupportedError: NOT_SUPPORTED_MESSAGE,
    mismatchError: 'provided sha does not match query'
  }
}
