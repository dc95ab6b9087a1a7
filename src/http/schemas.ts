/**
 * JSON-schema pieces (and their TypeScript types) shared by the routes. Fastify validates with
 * Ajv set to coerce types (`coerceTypes: 'array'`, Fastify's default): a schema here only
 * describes values as Fastify delivers them, so validation never changes what a handler receives.
 */

/**
 * One query parameter as Fastify's query parser gives it: a string, or a list of strings when the
 * parameter is repeated (`?a=1&a=2`). Both types are listed, so Ajv never coerces one into the other.
 */
export const QUERY_VALUE = { type: ['string', 'array'], items: { type: 'string' } } as const
export type QueryValue = string | string[]

/** A querystring schema: the named parameters; any other parameter is accepted and ignored, as before. */
export function querystring (properties: Record<string, object>): object {
  return { type: 'object', properties }
}

/**
 * A JSON object (or no body at all, which Fastify validates as null). Only keywords that never
 * coerce: a value Fastify's Ajv would coerce (`["/x"]` to `"/x"`) must reach the checks as sent.
 */
export const objectOrNothing = (properties: Record<string, object>, extra: Record<string, unknown> = {}): object => ({
  anyOf: [{ type: 'object', properties, ...extra }, { const: null }]
})

/** Headers a route reads, each a string when sent (Node joins or drops a repeated header). */
export const headers = (...names: string[]): object => ({ type: 'object', properties: Object.fromEntries(names.map(name => [name, { type: 'string' }])) })
