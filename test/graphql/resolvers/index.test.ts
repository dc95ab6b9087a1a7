import { readdirSync } from 'node:fs'
import { buildSchema, GraphQLScalarType } from 'graphql'
import t from 'tap'
import { resolvers } from '../../../src/graphql/resolvers/index.js'
import { loadSchema } from '../../../src/graphql/schema.js'

const dir = new URL('../../../src/graphql/resolvers/', import.meta.url)
const schema = buildSchema(loadSchema().join('\n'))

t.test('each GraphQL type\'s resolvers live in exactly one module, and that module\'s are served', async (t) => {
  // Which modules export a resolver map for each schema type.
  const owners = new Map<string, Array<{ file: string, map: unknown }>>()
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'index.ts')) {
    const mod: Record<string, unknown> = await import(new URL(file, dir).href)
    for (const value of Object.values(mod)) {
      if (value === null || typeof value !== 'object' || value instanceof GraphQLScalarType) continue
      for (const [type, map] of Object.entries(value)) {
        if (schema.getType(type) !== undefined) owners.set(type, [...owners.get(type) ?? [], { file, map }])
      }
    }
  }
  t.ok(owners.has('Organization') && owners.has('Query'), 'the resolver maps are found')
  t.same([...owners].filter(([, maps]) => maps.length > 1).map(([type, maps]) => [type, maps.map((m) => m.file)]), [], 'no type in two modules')
  for (const [type, value] of Object.entries(resolvers)) {
    t.ok(schema.getType(type) !== undefined, `${type} is a schema type`)
    if (!(value instanceof GraphQLScalarType)) t.equal(value, owners.get(type)?.[0]?.map, `${type}: its module's map`)
  }
  t.same([...owners.keys()].filter((type) => resolvers[type] === undefined), [], 'every module\'s map is served')
})
