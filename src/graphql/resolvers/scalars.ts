import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { GraphQLScalarType, Kind, parse, valueFromASTUntyped, type ScalarTypeDefinitionNode, type StringValueNode } from 'graphql'
import { SCHEMA_DIR } from '../schema.js'

/**
 * Mercurius copies every own property of these objects onto the schema's scalar types
 * (mercurius index.js), description and specifiedByURL included: both are taken from
 * schema/scalars.graphql so that introspection says what the SDL says.
 */
const sdl = new Map(parse(readFileSync(join(SCHEMA_DIR, 'scalars.graphql'), 'utf8')).definitions
  .filter((d): d is ScalarTypeDefinitionNode => d.kind === Kind.SCALAR_TYPE_DEFINITION)
  .map((d) => [d.name.value, {
    description: d.description?.value,
    specifiedByURL: (d.directives?.find((x) => x.name.value === 'specifiedBy')?.arguments?.[0]?.value as StringValueNode | undefined)?.value
  }]))

const documented = (name: string): { description?: string, specifiedByURL?: string } => sdl.get(name) ?? {}

function isoDate (value: unknown): string {
  if (value instanceof Date && Number.isFinite(value.getTime())) return value.toISOString()
  if (typeof value === 'string' && Number.isFinite(Date.parse(value))) return value
  throw new TypeError('DateTime must be an ISO-8601 date-time string.')
}

export const DateTime = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  ...documented('DateTime'),
  serialize: isoDate,
  parseValue: isoDate,
  parseLiteral (ast) {
    if (ast.kind !== Kind.STRING) throw new TypeError('DateTime must be a string.')
    return isoDate(ast.value)
  }
})

export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  ...documented('JSON'),
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
  ...documented('BigInt'),
  serialize: bigInt,
  parseValue: bigInt,
  parseLiteral (ast) {
    if (ast.kind !== Kind.STRING && ast.kind !== Kind.INT) throw new TypeError('BigInt must be a string or an integer.')
    return bigInt(ast.value)
  }
})
