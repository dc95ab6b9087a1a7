import { GraphQLScalarType, Kind, valueFromASTUntyped } from 'graphql'

function isoDate (value: unknown): string {
  if (value instanceof Date && Number.isFinite(value.getTime())) return value.toISOString()
  if (typeof value === 'string' && Number.isFinite(Date.parse(value))) return value
  throw new TypeError('DateTime must be an ISO-8601 date-time string.')
}

export const DateTime = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description: 'A point in time as an ISO-8601 UTC string.',
  serialize: isoDate,
  parseValue: isoDate,
  parseLiteral (ast) {
    if (ast.kind !== Kind.STRING) throw new TypeError('DateTime must be a string.')
    return isoDate(ast.value)
  }
})

export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables)
})

function bigInt (value: unknown): string {
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return value
  if (typeof value === 'number' && Number.isInteger(value)) return String(value)
  if (typeof value === 'bigint') return value.toString()
  throw new TypeError('BigInt must be an integer or a string of decimal digits.')
}

export const BigIntScalar = new GraphQLScalarType<string, string>({
  name: 'BigInt',
  description: 'An integer of arbitrary size, carried as a decimal string.',
  serialize: bigInt,
  parseValue: bigInt,
  parseLiteral (ast) {
    if (ast.kind !== Kind.STRING && ast.kind !== Kind.INT) throw new TypeError('BigInt must be a string or an integer.')
    return bigInt(ast.value)
  }
})
