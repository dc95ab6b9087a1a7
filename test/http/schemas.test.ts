import t from 'tap'
import Fastify from 'fastify'
import { QUERY_VALUE, type QueryValue, objectOrNothing, querystring } from '../../src/http/schemas.js'

/**
 * The query-value schema describes a query as Fastify's parser gives it, with Fastify's default
 * Ajv options (type coercion on): validation must hand the handler exactly what was parsed.
 */
t.test('QUERY_VALUE: a single value stays a string, a repeated one a list, others pass untouched', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get<{ Querystring: { a?: QueryValue } }>('/', { schema: { querystring: querystring({ a: QUERY_VALUE }) } }, async (request) => request.query)
  const query = async (qs: string): Promise<unknown> => (await app.inject(`/?${qs}`)).json()
  t.same(await query('a=1'), { a: '1' }, 'a number-like value is not coerced')
  t.same(await query('a='), { a: '' })
  t.same(await query('a=x&a=y'), { a: ['x', 'y'] }, 'a repeated parameter is a list')
  t.same(await query('a=x&a=x&a=x'), { a: ['x', 'x', 'x'] })
  t.same(await query('b=1&b=2&c'), { b: ['1', '2'], c: '' }, 'parameters the schema does not name are kept')
  t.same(await query(''), {}, 'none at all')
})

t.test('objectOrNothing: an object or no body passes as sent; any other JSON value is refused, never coerced', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.post('/', { attachValidation: true, schema: { body: objectOrNothing({ a: {} }) } }, async (request) => ({
    valid: request.validationError === undefined,
    body: request.body ?? 'none'
  }))
  const post = async (payload?: string): Promise<unknown> => (await app.inject({
    method: 'POST', url: '/', ...(payload === undefined ? {} : { payload, headers: { 'content-type': 'application/json' } })
  })).json()
  t.same(await post('{"a":["x"],"b":1}'), { valid: true, body: { a: ['x'], b: 1 } }, 'a one-item list is not unwrapped')
  t.same(await post('null'), { valid: true, body: 'none' })
  t.same(await post(), { valid: true, body: 'none' }, 'no body')
  for (const payload of ['false', '0', '""', '[]', '"x"']) {
    t.same(await post(payload), { valid: false, body: JSON.parse(payload) }, `${payload} refused and left as it was`)
  }
})
