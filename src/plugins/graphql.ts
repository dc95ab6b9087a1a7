import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import mercurius from 'mercurius'
import type { Config } from '../config.js'
import { buildContext } from '../graphql/context.js'
import { errorFormatter } from '../graphql/error-formatter.js'
import { GRAPHQL_RESPONSE_JSON, responseMediaType } from '../graphql/http.js'
import { checkCost, checkDocumentSize, checkNesting, checkStructure, type OperationLimits } from '../graphql/limits.js'
import { allowListProvider, loadPersistedQueries, type PersistedQueries } from '../graphql/persisted.js'
import { resolvers } from '../graphql/resolvers/index.js'
import { loadSchema } from '../graphql/schema.js'
import graphiqlOffline from './graphiql-offline.js'

export const GRAPHQL_PATH = '/graphql'

export interface GraphqlPluginOptions {
  config: Config
  /** The allow-list for GRAPHQL_PERSISTED_QUERIES_ONLY; by default src/graphql/persisted-queries.json. */
  persistedQueries?: PersistedQueries
}

/** Room for variables next to the largest allowed document. */
const VARIABLES_BYTES = 64 * 1024

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
    maxDocumentBytes: config.graphqlMaxDocumentBytes
  }
  const persistedOnly = config.graphqlPersistedOnly
  const graphiql = config.graphiql && !persistedOnly
  if (graphiql) await app.register(graphiqlOffline)

  await app.register(mercurius, {
    schema: loadSchema(),
    resolvers,
    // graphql-jit compiles each query once; measured 10–20 % less CPU per request (bench/).
    jit: 1,
    context: buildContext(app),
    path: GRAPHQL_PATH,
    graphiql,
    errorFormatter,
    // A browser can send a cross-site POST only with a "simple" Content-Type, and a GET only
    // without custom headers: both are refused unless they carry a non-simple header.
    csrfPrevention: {
      allowedContentTypes: ['application/json', 'application/graphql'],
      requiredHeaders: ['graphql-require-preflight', 'x-mercurius-operation-name', 'mercurius-require-preflight', 'apollo-require-preflight']
    },
    persistedQueryProvider: persistedOnly ? allowListProvider(opts.persistedQueries ?? loadPersistedQueries()) : undefined,
    allowBatchedQueries: false,
    additionalRouteOptions: {
      bodyLimit: config.graphqlMaxDocumentBytes + VARIABLES_BYTES,
      // mercurius' response schema types error paths as strings; list indexes must stay numbers.
      serializerCompiler: () => (data: unknown) => JSON.stringify(data)
    }
  })

  app.graphql.addHook('preParsing', async (_schema, source) => {
    checkDocumentSize(source, limits)
    checkNesting(source, limits)
  })
  app.graphql.addHook('preValidation', async (schema, document) => { checkStructure(schema, document, limits) })
  app.graphql.addHook('preExecution', async (schema, document, _context, variables) => {
    checkCost(schema, document, variables as Record<string, unknown> | undefined, limits)
  })

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.routeOptions.url === GRAPHQL_PATH && responseMediaType(request) === GRAPHQL_RESPONSE_JSON &&
      String(reply.getHeader('content-type')).startsWith('application/json')) {
      reply.header('content-type', `${GRAPHQL_RESPONSE_JSON}; charset=utf-8`)
    }
    return payload
  })
}, { name: 'graphql', dependencies: ['database', 'session', 'sentry'] })
