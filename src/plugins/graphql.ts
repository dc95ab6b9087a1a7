import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import mercurius from 'mercurius'
import type { Config } from '../config.js'
import { buildContext } from '../graphql/context.js'
import { errorFormatter } from '../graphql/error-formatter.js'
import { checkSite, PREFLIGHT_HEADERS, GRAPHQL_CACHE_CONTROL, GRAPHQL_RESPONSE_JSON, GRAPHQL_VARY, GRAPHQL_VARY_VALUE, mergeVary, responseMediaType } from '../graphql/http.js'
import { checkBeforeValidation, checkDocumentSize, checkTokens, knownOperationTypesRule, limitError, limitRules, type OperationLimits } from '../graphql/limits.js'
import { upstreamCostOf, type ViewerListSizes } from '../graphql/upstream-cost.js'
import { badUserInput } from '../errors.js'
import { loadPersistedQueries, PersistedQueryCache, persistedQueryProvider, type PersistedQueries } from '../graphql/persisted.js'
import { resolvers } from '../graphql/resolvers/index.js'
import { buildServedSchema } from '../graphql/schema.js'
import { isRecord } from '../http/fields.js'
import graphiqlOffline from './graphiql-offline.js'

export const GRAPHQL_PATH = '/graphql'

export interface GraphqlPluginOptions {
  config: Config
  /** The allow-list for GRAPHQL_PERSISTED_QUERIES_ONLY; by default GRAPHQL_PERSISTED_QUERIES_FILE. */
  persistedQueries?: PersistedQueries
}

function manifest (config: Config): PersistedQueries {
  try {
    return loadPersistedQueries(config.graphqlPersistedQueriesFile)
  } catch (err) {
    throw new Error(`GRAPHQL_PERSISTED_QUERIES_FILE: ${(err as Error).message}`)
  }
}

/** Room for variables next to the largest allowed document. */
const VARIABLES_BYTES = 64 * 1024
/** Query texts remembered as having passed the size and token checks: how many, and their characters. */
const PASSED_SOURCES = 1024
const PASSED_SOURCES_CHARS = 4 * 1024 * 1024
const NO_SIZES: ViewerListSizes = { organizations: 0, connections: 0, organizationsPerConnection: 0 }

/**
 * The GraphQL API at /graphql (GET for queries, POST for everything) and GraphiQL at /graphiql.
 * Resolvers reach Sentry only through `app.sentry`; see src/graphql/ for the pieces.
 */
export default fp(async function graphqlPlugin (app: FastifyInstance, opts: GraphqlPluginOptions) {
  const { config } = opts
  const limits: OperationLimits = {
    maxDepth: config.graphqlMaxDepth,
    maxAliases: config.graphqlMaxAliases,
    maxRootFields: config.graphqlMaxRootFields,
    maxCost: config.graphqlMaxCost,
    maxDocumentBytes: config.graphqlMaxDocumentBytes,
    maxTokens: config.graphqlMaxTokens,
    maxDirectives: config.graphqlMaxDirectives,
    maxFragments: config.graphqlMaxFragments,
    maxUpstreamCalls: config.graphqlMaxUpstreamCalls
  }
  const persistedOnly = config.graphqlPersistedOnly
  const trustedOrigins = new Set([new URL(config.publicUrl).origin, ...config.allowedOrigins])
  const graphiql = config.graphiql && !persistedOnly
  if (graphiql) await app.register(graphiqlOffline)

  await app.register(mercurius, {
    schema: buildServedSchema(),
    resolvers,
    // graphql-jit compiles each query once; measured 10–20 % less CPU per request (bench/).
    jit: 1,
    context: buildContext(app, { requestTimeoutMs: config.requestTimeoutMs }),
    path: GRAPHQL_PATH,
    graphiql,
    errorFormatter,
    // Operation types the schema lacks (subscriptions); the limit rules run before validation (preValidation below).
    validationRules: [knownOperationTypesRule],
    // graphql-js stops parsing past this many tokens (also checked before parsing, with the lexer).
    graphql: { parseOptions: { maxTokens: limits.maxTokens } },
    // CSRF prevention is ours (checkSite in preParsing below), decided with Sec-Fetch-Site.
    csrfPrevention: false,
    persistedQueryProvider: persistedQueryProvider(persistedOnly
      ? { allowList: opts.persistedQueries ?? manifest(config), apq: null }
      : {
          allowList: null,
          apq: config.graphqlApq ? new PersistedQueryCache(config.graphqlApqMaxEntries, config.graphqlApqMaxBytes) : null,
          known: config.graphqlPersistedQueriesFile === undefined ? null : manifest(config)
        }),
    allowBatchedQueries: false,
    additionalRouteOptions: {
      bodyLimit: config.graphqlMaxDocumentBytes + VARIABLES_BYTES,
      // Before the body is read: a refused cross-site request costs nothing.
      preParsing: async (request, _reply, payload) => {
        const refusal = checkSite({ method: request.method, headers: request.headers, trustedOrigins })
        if (refusal !== null) throw badUserInput(refusal, { reason: 'CSRF_PREVENTION', preflightHeaders: PREFLIGHT_HEADERS, contentTypes: ['application/json', 'application/graphql'] })
        return payload
      },
      // GraphQL over HTTP: `"extensions": null` means no extensions (mercurius' body schema
      // wants an object).
      preValidation: async (request) => {
        const { body } = request
        if (isRecord(body) && body.extensions === null) delete body.extensions
      },
      // mercurius' response schema types error paths as strings; list indexes must stay numbers.
      serializerCompiler: () => (data: unknown) => JSON.stringify(data)
    }
  })

  // Mercurius runs preParsing on every request, also for a query text it keeps parsed; the
  // checks depend on the text alone, so a text that passed is not lexed again (bounded memory).
  const passed = new Set<string>()
  let passedChars = 0
  app.graphql.addHook('preParsing', async (_schema, source) => {
    if (passed.has(source)) return
    checkDocumentSize(source, limits)
    checkTokens(source, limits)
    if (passedChars + source.length > PASSED_SOURCES_CHARS || passed.size >= PASSED_SOURCES) {
      passed.clear()
      passedChars = 0
    }
    passed.add(source)
    passedChars += source.length
  })
  const rules = limitRules(limits)
  app.graphql.addHook('preValidation', async (schema, document) => { checkBeforeValidation(schema, document, limits, rules) })
  const cost = upstreamCostOf()
  app.graphql.addHook('preExecution', async (schema, document, context, variables) => {
    let sizes: ViewerListSizes = NO_SIZES
    if (cost.needsViewerListSizes(document)) {
      // The viewer's stored connections (a database read, never an upstream call); without a
      // session the lists resolve to an error, not to items.
      const connections = await context.gw.connections().catch(() => [])
      sizes = {
        organizations: (await context.gw.organizations().catch(() => [])).length,
        connections: connections.length,
        organizationsPerConnection: Math.max(0, ...connections.map((c) => c.organizations.length))
      }
    }
    const calls = cost.upstreamCalls(schema, document, variables as Record<string, unknown> | undefined, sizes)
    if (calls > limits.maxUpstreamCalls) {
      throw limitError('upstreamCalls', `The operation can make up to ${calls} calls to Sentry; the limit is ${limits.maxUpstreamCalls} (GRAPHQL_MAX_UPSTREAM_CALLS). Ask for fewer items (smaller \`first\`), fewer organizations, or fewer per-item fields such as latestEvent or events.`, limits.maxUpstreamCalls, calls)
    }
  })

  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.routeOptions.url === GRAPHQL_PATH) {
      reply.header('cache-control', GRAPHQL_CACHE_CONTROL)
      const vary = reply.getHeader('vary')
      reply.header('vary', vary === undefined ? GRAPHQL_VARY_VALUE : mergeVary(vary, GRAPHQL_VARY))
      if (responseMediaType(request) === GRAPHQL_RESPONSE_JSON && String(reply.getHeader('content-type')).startsWith('application/json')) {
        reply.header('content-type', `${GRAPHQL_RESPONSE_JSON}; charset=utf-8`)
      }
    }
    done(null, payload)
  })
}, { name: 'graphql', dependencies: ['database', 'session', 'sentry'] })
