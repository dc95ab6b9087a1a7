/**
 * GraphQL over HTTP details mercurius leaves to us: content negotiation of
 * `application/graphql-response+json` (the spec's media type) against `application/json`.
 * @see https://graphql.github.io/graphql-over-http/draft/#sec-Accept
 */
import type { FastifyRequest } from 'fastify'

export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json'
export const APPLICATION_JSON = 'application/json'

export type ResponseMediaType = typeof GRAPHQL_RESPONSE_JSON | typeof APPLICATION_JSON

/**
 * The media type to answer with: graphql-response+json when the client accepts it at least as
 * much as application/json (by q-value), else application/json (also for a missing Accept).
 */
export function negotiate (accept: string | undefined): ResponseMediaType {
  if (accept === undefined || accept === '') return APPLICATION_JSON
  let gqlQ = 0
  let jsonQ = 0
  for (const part of accept.split(',')) {
    const [rawType, ...params] = part.split(';')
    const type = rawType?.trim().toLowerCase()
    let q = 1
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)
      if (m !== null) q = Number(m[1])
    }
    if (!Number.isFinite(q)) continue
    if (type === GRAPHQL_RESPONSE_JSON) gqlQ = Math.max(gqlQ, q)
    else if (type === APPLICATION_JSON) jsonQ = Math.max(jsonQ, q)
  }
  return gqlQ > 0 && gqlQ >= jsonQ ? GRAPHQL_RESPONSE_JSON : APPLICATION_JSON
}

const negotiated = new WeakMap<FastifyRequest, ResponseMediaType>()

export function responseMediaType (request: FastifyRequest): ResponseMediaType {
  let type = negotiated.get(request)
  if (type === undefined) {
    type = negotiate(request.headers.accept)
    negotiated.set(request, type)
  }
  return type
}
