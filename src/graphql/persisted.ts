/**
 * The allow-list ("persisted queries") mode for production (GRAPHQL_PERSISTED_QUERIES_ONLY).
 * The operations the gateway's own clients use live in src/graphql/operations/*.graphql;
 * `npm run codegen` writes persisted-queries.json, mapping sha256(printed document) to the
 * document. In allow-list mode only those documents run: a client sends
 * `{"persisted": true, "query": "<sha256>"}` (mercurius' prepared form) or Apollo's
 * `extensions.persistedQuery.sha256Hash`.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type GraphQLSchema, parse, print, validate } from 'graphql'
import type { PersistedQueryProvider } from 'mercurius'

export const OPERATIONS_DIR = fileURLToPath(new URL('./operations/', import.meta.url))
export const PERSISTED_QUERIES_FILE = fileURLToPath(new URL('./persisted-queries.json', import.meta.url))

export type PersistedQueries = Record<string, string>

export function hashDocument (document: string): string {
  return createHash('sha256').update(document, 'utf8').digest('hex')
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

export function loadPersistedQueries (file: string = PERSISTED_QUERIES_FILE): PersistedQueries {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'))
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${file} must be a JSON object mapping sha256 hashes to GraphQL documents`)
  }
  const out: PersistedQueries = {}
  for (const [hash, query] of Object.entries(parsed)) {
    if (typeof query !== 'string' || hashDocument(query) !== hash) {
      throw new Error(`${file}: the entry ${hash} does not hash to its key; run \`npm run codegen\``)
    }
    out[hash] = query
  }
  return out
}

interface PersistedRequest {
  query?: string
  persisted?: boolean
  extensions?: { persistedQuery?: { version?: number, sha256Hash?: string } }
}

/** Only allow-listed documents run; any other request gets a BAD_USER_INPUT error. */
export function allowListProvider (queries: PersistedQueries): PersistedQueryProvider {
  return {
    isPersistedQuery: () => true,
    getHash: (request: PersistedRequest) => {
      if (request.persisted === true && typeof request.query === 'string') return request.query
      const apq = request.extensions?.persistedQuery
      if (apq?.version === 1 && typeof apq.sha256Hash === 'string') return apq.sha256Hash
      return false
    },
    getQueryFromHash: async (hash: string) => Object.hasOwn(queries, hash) ? queries[hash] : undefined,
    notFoundError: 'This operation is not on the allow-list of persisted operations.',
    notSupportedError: 'Only persisted operations are accepted: send {"persisted": true, "query": "<sha256>"} or extensions.persistedQuery.sha256Hash.'
  } as unknown as PersistedQueryProvider
}
