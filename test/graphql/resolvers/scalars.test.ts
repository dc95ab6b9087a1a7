import { Kind, parse } from 'graphql'
import t from 'tap'
import { BigIntScalar, DateTime, JSONScalar } from '../../../src/graphql/resolvers/scalars.js'

t.test('scalars', async (t) => {
  t.equal(DateTime.serialize(new Date(0)), '1970-01-01T00:00:00.000Z')
  t.throws(() => DateTime.serialize('yesterday'))
  t.equal(DateTime.parseValue('2025-01-01T00:00:00Z'), '2025-01-01T00:00:00Z')
  t.equal(DateTime.parseLiteral({ kind: Kind.STRING, value: '2025-01-01T00:00:00Z' }), '2025-01-01T00:00:00Z')
  t.throws(() => DateTime.parseLiteral({ kind: Kind.INT, value: '5' }))
  t.same(JSONScalar.parseValue({ a: 1 }), { a: 1 })
  t.same(JSONScalar.parseLiteral(parse('{ f(a: { b: [1, "x", $v] }) }').definitions[0] !== undefined ? { kind: Kind.OBJECT, fields: [{ kind: Kind.OBJECT_FIELD, name: { kind: Kind.NAME, value: 'b' }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: 'v' } } }] } : { kind: Kind.NULL }, { v: 7 }), { b: 7 })
  t.equal(BigIntScalar.serialize('123456789012345678901234567890'), '123456789012345678901234567890')
  t.equal(BigIntScalar.serialize(42), '42')
  t.equal(BigIntScalar.serialize(42n), '42')
  t.throws(() => BigIntScalar.serialize('4.2'))
  t.equal(BigIntScalar.parseValue('7'), '7')
  t.equal(BigIntScalar.parseLiteral({ kind: Kind.INT, value: '9' }), '9')
  t.throws(() => BigIntScalar.parseLiteral({ kind: Kind.BOOLEAN, value: true }))
})
