/**
 * The one place GraphQL errors are shaped. Every error leaves with `extensions.code`:
 * our domain codes (src/errors.ts) as thrown by the Sentry client and resolvers,
 * GRAPHQL_VALIDATION_FAILED for a document that does not parse or validate, BAD_USER_INPUT for
 * bad variables, arguments, limits and refused HTTP requests (with `reason`), and
 * INTERNAL_SERVER_ERROR, with a generic message, for anything unexpected. An error without an
 * original error (graphql-js' own) is never a 5xx: 400 before execution, 200 after. No stack, no cause and
 * no upstream body reaches the response or mercurius' log line (which logs every message).
 *
 * Status codes follow GraphQL over HTTP: with `application/graphql-response+json`, a request
 * error (nothing executed) answers 4xx with no `data`, and an executed request answers 200;
 * with `application/json`, mercurius' behaviour is kept (a lone error without data answers with
 * its own status, e.g. 401 for UNAUTHENTICATED).
 */
import { GraphQLError } from 'graphql'
import mercurius, { type MercuriusContext } from 'mercurius'
import { isGatewayError } from '../errors.js'
import { GRAPHQL_RESPONSE_JSON, responseMediaType } from './http.js'
import { NOT_FOUND_MESSAGE, NOT_SUPPORTED_MESSAGE } from './persisted.js'
import { INTROSPECTION_DEPTH_MESSAGE, MAX_INTROSPECTION_LISTS } from './limits.js'

const { defaultErrorFormatter } = mercurius

interface Shaped {
  error: GraphQLError
  status: number
  /** Variable coercion failed: with application/json, a 200 like a validation failure. */
  coercion?: boolean
}

type Execution = Parameters<typeof defaultErrorFormatter>[0]

/** Removes anything that looks like a credential from a message (defence in depth). */
export function scrub (message: string): string {
  return message
    .replace(/\b(Bearer|Basic)\s+[\w.~+/=-]+/gi, '$1 [redacted]')
    .replace(/\b(access_token|refresh_token|client_secret|code|token)(["']?\s*[:=]\s*["']?)[^\s"'&,]+/gi, '$1$2[redacted]')
    .replace(/\bsntr[a-z]{0,2}_[\w+/=-]+/gi, '[redacted]')
    .replace(/\b[0-9a-f]{40,}\b/gi, '[redacted]')
}

/**
 * graphql-js' variable coercion messages (values.js: coerceVariableValues). Validation messages
 * that also start with `Variable "$…"` (never used, not defined, wrong position) are
 * validation failures, not bad input.
 */
const VARIABLE_ERROR = /^Variable "\$[^"]+" (got invalid value|of required type .+ was not provided|of non-null type .+ must not be null)/

function make (source: GraphQLError | undefined, message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(scrub(message), {
    nodes: source?.nodes,
    source: source?.source,
    positions: source?.positions,
    path: source?.path,
    extensions
  })
}

/** Mercurius' and Fastify's request-level failures, by their error code. */
function requestFailure (orig: Error & { code?: unknown, statusCode?: unknown }, source: GraphQLError): Shaped | null {
  const status = typeof orig.statusCode === 'number' ? orig.statusCode : 400
  switch (orig.code) {
    case 'MER_ERR_METHOD_NOT_ALLOWED':
      return { status: 405, error: make(source, 'Only queries may be sent with GET; send mutations with POST.', { code: 'BAD_USER_INPUT', reason: 'METHOD_NOT_ALLOWED' }) }
    // Apollo's persisted-query link reacts only to these exact codes (or messages):
    // https://github.com/apollographql/apollo-client/blob/main/src/link/persisted-queries/index.ts
    case 'MER_ERR_GQL_PERSISTED_QUERY_NOT_FOUND':
      // Mercurius' answer to a request without any query (routes.js executeQuery).
      if (orig.message === 'Unknown query') {
        return { status: 400, error: make(source, 'The request has no query: send {"query": "<document>"} (or the id of a persisted document).', { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' }) }
      }
      return { status: 400, error: make(source, NOT_FOUND_MESSAGE, { code: 'PERSISTED_QUERY_NOT_FOUND', reason: 'PERSISTED_QUERY_NOT_FOUND' }) }
    case 'MER_ERR_GQL_PERSISTED_QUERY_NOT_SUPPORTED':
      return orig.message === NOT_SUPPORTED_MESSAGE
        ? { status: 400, error: make(source, NOT_SUPPORTED_MESSAGE, { code: 'PERSISTED_QUERY_NOT_SUPPORTED', reason: 'PERSISTED_QUERY_NOT_SUPPORTED' }) }
        // Allow-list mode: a free-form document is refused (unchanged public code and reason).
        : { status: 400, error: make(source, orig.message, { code: 'BAD_USER_INPUT', reason: 'PERSISTED_QUERY_REQUIRED' }) }
    case 'MER_ERR_GQL_PERSISTED_QUERY_MISMATCH':
      return { status: 400, error: make(source, 'The document does not hash to extensions.persistedQuery.sha256Hash (sha256 of the document text, hex).', { code: 'BAD_USER_INPUT', reason: 'PERSISTED_QUERY_HASH_MISMATCH' }) }
  }
  if (typeof orig.code === 'string' && orig.code.startsWith('FST_') && status >= 400 && status < 500) {
    const message = status === 413
      ? 'The request body is too large.'
      : status === 415
        ? 'Unsupported Content-Type: send application/json.'
        : 'The request is malformed: send a JSON body {"query", "variables", "operationName"}.'
    return { status, error: make(source, message, { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' }) }
  }
  if (orig instanceof SyntaxError) {
    return { status: 400, error: make(source, 'The request is not valid JSON (body, variables or extensions).', { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' }) }
  }
  return null
}

function shape (error: GraphQLError, executed: boolean, ctx: MercuriusContext): Shaped[] {
  const orig = error.originalError as (Error & { code?: unknown, statusCode?: unknown, errors?: unknown }) | undefined
  if (!executed && VARIABLE_ERROR.test(error.message)) {
    // Variable coercion (`Variable "$n" got invalid value …`), whatever scalar refused it.
    return [{ status: 400, error: make(error, error.message, { code: 'BAD_USER_INPUT' }), coercion: true }]
  }
  if (orig === undefined || orig === null) {
    if (executed) {
      // graphql-js' own execution errors (a null for a non-null field): schema-level text. The
      // request did execute, so it answers 200 with the error, never a 5xx (issue 10, defect 7).
      return [{ status: 200, error: make(error, error.message, { code: 'INTERNAL_SERVER_ERROR' }) }]
    }
    if (error.message === INTROSPECTION_DEPTH_MESSAGE) {
      return [{ status: 400, error: make(error, `Introspection nests too many lists; the limit is ${MAX_INTROSPECTION_LISTS}.`, { code: 'BAD_USER_INPUT', limit: 'introspectionDepth', max: MAX_INTROSPECTION_LISTS }) }]
    }
    return [{ status: 400, error: make(error, error.message, { code: 'GRAPHQL_VALIDATION_FAILED' }) }]
  }
  if (isGatewayError(orig)) {
    return [{ status: orig.statusCode, error: make(error, orig.message, { ...orig.extensions, code: orig.code }) }]
  }
  if (orig.code === 'MER_ERR_GQL_VALIDATION' && Array.isArray(orig.errors) && orig.errors.length > 0) {
    return orig.errors.flatMap((inner: unknown) => {
      if (inner instanceof GraphQLError) return shape(inner, false, ctx)
      if (isGatewayError(inner)) return shape(new GraphQLError(inner.message, { originalError: inner }), false, ctx)
      // Fastify's body/querystring schema validation (it carries `validation`): its message names
      // the bad property. Anything else here is the parser failing in a way graphql-js does not
      // report as a syntax error (e.g. a RangeError from a stack overflow): no detail goes out.
      if (inner instanceof Error && Array.isArray((inner as { validation?: unknown }).validation)) {
        return [{ status: 400, error: make(undefined, `The request is malformed: ${inner.message}.`, { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' }) }]
      }
      return [{ status: 400, error: make(undefined, 'The document could not be parsed as GraphQL.', { code: 'GRAPHQL_VALIDATION_FAILED' }) }]
    })
  }
  if (orig instanceof GraphQLError) return shape(orig, executed, ctx)
  const failure = requestFailure(orig, error)
  if (failure !== null) return [failure]
  if (!executed && error.nodes !== undefined && error.nodes.length > 0) {
    // A validation error from a scalar's parseLiteral (e.g. `end: ""` for a DateTime argument):
    // graphql-js keeps the scalar's TypeError as its original error, and its message (ours) names
    // the argument. A document error, never a 5xx (found by the fuzz suite).
    return [{ status: 400, error: make(error, error.message, { code: 'GRAPHQL_VALIDATION_FAILED' }) }]
  }
  ctx.reply?.log.error({ err: { type: orig.name, message: scrub(orig.message), stack: scrub(orig.stack ?? '') }, path: error.path }, 'GraphQL operation failed')
  return [{ status: 500, error: make(error, 'Internal server error.', { code: 'INTERNAL_SERVER_ERROR' }) }]
}

export function errorFormatter (execution: Execution, ctx: MercuriusContext): { statusCode: number, response: Execution } {
  const executed = 'data' in execution
  const shaped = execution.errors.flatMap((e) => shape(e instanceof GraphQLError ? e : new GraphQLError(String((e as Error).message), { originalError: e as Error }), executed, ctx))
  const errors = shaped.map((s) => s.error)
  // Logs each (already scrubbed) message at info and serialises the errors.
  const { response } = defaultErrorFormatter({ data: execution.data, errors }, ctx)
  const request = ctx.reply?.request
  const mediaType = request === undefined ? 'application/json' : responseMediaType(request)
  // Mercurius calls the formatter only with errors, and each error shapes to at least one.
  const first = (shaped[0] as Shaped).status
  if (first === 405) ctx.reply?.header('allow', 'POST')
  // A request error (nothing executed) has no `data` entry, whatever the media type
  // (https://graphql.github.io/graphql-over-http/draft/#sec-Request-Error).
  if (!executed) {
    const requestError = { errors: response.errors } as Execution
    if (mediaType === GRAPHQL_RESPONSE_JSON) return { statusCode: first, response: requestError }
    // With application/json the spec asks for 200 on a well-formed request whose document fails
    // to parse or validate, or whose variables do not coerce (#sec-application-json).
    const documentError = shaped.every((s) => s.status === 400 && (s.error.extensions.code === 'GRAPHQL_VALIDATION_FAILED' || s.coercion === true))
    return { statusCode: documentError ? 200 : first, response: requestError }
  }
  if (mediaType === GRAPHQL_RESPONSE_JSON) return { statusCode: 200, response: response as Execution }
  const statusCode = execution.data == null && shaped.length === 1 ? first : 200
  return { statusCode, response: response as Execution }
}
