/**
 * The schema documents itself: every type, field, argument, enum value and input field has a
 * description (graphql-schema-linter's rules run in `npm run lint` too), defaults live in the
 * SDL, custom scalars carry @specifiedBy, and introspection says what the SDL says.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import t from 'tap'
import { buildSchema, getIntrospectionQuery, isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, type GraphQLSchema } from 'graphql'
import { buildTestApp } from '../helpers/app.js'
import { gql } from '../helpers/graphql.js'
import { loadSchema } from '../../src/graphql/schema.js'

const schema: GraphQLSchema = buildSchema(loadSchema().join('\n'))

t.test('every type, field, argument, enum value and input field is described', async (t) => {
  const missing: string[] = []
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue
    if ((type.description ?? '').trim() === '') missing.push(type.name)
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if ((field.description ?? '').trim() === '') missing.push(`${type.name}.${field.name}`)
        for (const arg of 'args' in field ? field.args : []) {
          if ((arg.description ?? '').trim() === '') missing.push(`${type.name}.${field.name}(${arg.name})`)
        }
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) if ((value.description ?? '').trim() === '') missing.push(`${type.name}.${value.name}`)
    }
  }
  t.same(missing, [], 'nothing undescribed')
})

t.test('graphql-schema-linter\'s description rules pass', async (t) => {
  const { stdout } = await promisify(execFile)('npx', ['graphql-schema-linter'], { cwd: new URL('../..', import.meta.url).pathname })
  t.match(stdout, /0 errors detected/)
})

t.test('every paging argument has its default in the SDL and every connection pages both ways', async (t) => {
  let connections = 0
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type)) continue
    for (const field of Object.values(type.getFields())) {
      const first = field.args.find((a) => a.name === 'first')
      if (first === undefined) continue
      connections++
      t.equal(first.defaultValue, 25, `${type.name}.${field.name}(first: Int = 25)`)
      // Relay connections (the *Connection types); explore/sessions answer a result object that
      // embeds its rows and pages forward only.
      if (String(field.type).replace(/!$/, '').endsWith('Connection')) {
        t.ok(field.args.some((a) => a.name === 'last') && field.args.some((a) => a.name === 'before'), `${type.name}.${field.name} has last/before`)
      }
    }
  }
  t.ok(connections >= 10)
})

t.test('custom scalars carry @specifiedBy, and the live schema describes them as the SDL does', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await gql(app, getIntrospectionQuery({ specifiedByUrl: true }))
  const live = new Map((res.body.data.__schema.types as Array<{ name: string, description: string | null, specifiedByURL?: string | null }>).map((ty) => [ty.name, ty]))
  for (const name of ['DateTime', 'JSON', 'BigInt']) {
    const sdl = schema.getType(name)
    t.ok(isScalarType(sdl))
    t.ok(isScalarType(sdl) && sdl.specifiedByURL?.startsWith('https://'), `${name} has @specifiedBy`)
    t.equal(live.get(name)?.description, sdl?.description, `${name}: live description equals the SDL`)
    t.equal(live.get(name)?.specifiedByURL, isScalarType(sdl) ? sdl.specifiedByURL : undefined, `${name}: live specifiedByURL equals the SDL`)
  }
  t.equal(live.get('Issue')?.description, schema.getType('Issue')?.description)
})
