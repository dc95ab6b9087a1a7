/**
 * Seeded generators for the fuzz suites: a seeded PRNG (src/emulator/util.ts) and a grammar-based generator
 * of GraphQL documents over our schema, mostly valid, sometimes broken on purpose.
 */
import {
  type GraphQLField, type GraphQLNamedType, type GraphQLSchema, getNamedType, isEnumType, isInterfaceType, isListType,
  isNonNullType, isObjectType, isScalarType, isUnionType, type GraphQLInputType
} from 'graphql'
import { seededRandom } from '../../src/emulator/util.js'

export type Rng = () => number

/** A seeded PRNG: the emulator's (mulberry32), so fuzz seeds and emulator data share one generator. */
export const rng = (seed: number): Rng => seededRandom(seed)

export const int = (r: Rng, min: number, max: number): number => min + Math.floor(r() * (max - min + 1))
export const pick = <T>(r: Rng, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T
export const chance = (r: Rng, p: number): boolean => r() < p

const NAMES = ['a', 'x', 'nope', 'id', 'node', '__typename', 'edges', 'nodes', 'first']
const STRINGS = ['"acme"', '"globex"', '""', '"\\"{{{"', '"""block \\""" {{ }}"""', '"\\u0000"', '"é"', '"' + 'x'.repeat(50) + '"']

/** A value literal for an argument of `type` (or a random, possibly ill-typed one). */
function literal (r: Rng, type: GraphQLInputType, depth: number): string {
  const t = getNamedType(type)
  if (chance(r, 0.02)) return pick(r, ['null', '$v', '[1, 2]', '{ a: 1 }', 'true', '1.5', '-1', '99999999999', ...STRINGS])
  if (isListType(isNonNullType(type) ? type.ofType : type)) {
    return depth > 3 ? '[]' : `[${Array.from({ length: int(r, 0, 3) }, () => literal(r, (isNonNullType(type) ? type.ofType : type) as GraphQLInputType, depth + 1)).join(', ')}]`
  }
  if (isEnumType(t)) return pick(r, t.getValues()).name
  if (isScalarType(t)) {
    switch (t.name) {
      case 'Int': return String(pick(r, [0, 1, 2, 5, 25, 100, 101, -3, 1000, 2 ** 31]))
      case 'Boolean': return pick(r, ['true', 'false'])
      default: return pick(r, STRINGS)
    }
  }
  // Input objects: some of their fields.
  if ('getFields' in t) {
    const fields = Object.values((t as { getFields: () => Record<string, { name: string, type: GraphQLInputType }> }).getFields())
    return `{ ${fields.filter(() => chance(r, 0.5)).map((f) => `${f.name}: ${depth > 3 ? 'null' : literal(r, f.type, depth + 1)}`).join(', ')} }`
  }
  return 'null'
}

export interface DocumentOptions {
  maxDepth: number
  maxWidth: number
}

/** A random GraphQL document over `schema`. */
export function randomDocument (r: Rng, schema: GraphQLSchema, options: DocumentOptions = { maxDepth: 18, maxWidth: 3 }): string {
  const fragments: string[] = []
  let aliases = 0
  // A budget of selections keeps generation linear (width^depth would explode); documents still
  // reach past the token and byte limits now and then.
  let budget = int(r, 5, chance(r, 0.05) ? 3000 : 120)

  const selection = (type: GraphQLNamedType, depth: number): string => {
    if (!(isObjectType(type) || isInterfaceType(type) || isUnionType(type))) return ''
    const fields: Array<GraphQLField<unknown, unknown>> = isUnionType(type) ? [] : Object.values(type.getFields())
    const width = int(r, 1, options.maxWidth)
    const parts: string[] = []
    for (let i = 0; i < width && budget > 0; i++) {
      budget--
      const roll = r()
      if (roll < 0.015) {
        parts.push(pick(r, NAMES)) // possibly an unknown field
      } else if (roll < 0.10 && depth < options.maxDepth) {
        parts.push(`... on ${type.name}${chance(r, 0.3) ? ' @include(if: true)' : ''} { ${selection(type, depth + 1) || '__typename'} }`)
      } else if (roll < 0.15 && depth < options.maxDepth && fragments.length < 60) {
        const name = `F${fragments.length}`
        fragments.push('') // reserve the name (nested fragments may be added meanwhile)
        const index = fragments.length - 1
        fragments[index] = `fragment ${name} on ${type.name} { ${selection(type, depth + 1) || '__typename'} }`
        parts.push(`...${name}`)
      } else if (fields.length > 0) {
        const field = pick(r, fields)
        let text = field.name
        if (chance(r, 0.1)) text = `a${aliases++}: ${text}`
        const args = field.args.filter((a) => isNonNullType(a.type) || chance(r, 0.4))
        if (args.length > 0) text += `(${args.map((a) => `${a.name}: ${literal(r, a.type, 0)}`).join(', ')})`
        if (chance(r, 0.03)) text += pick(r, [' @skip(if: false)', ' @include(if: $flag)', ' @deprecated', ' @nope'])
        const named = getNamedType(field.type)
        if (isObjectType(named) || isInterfaceType(named) || isUnionType(named)) {
          if (depth >= options.maxDepth) continue
          const inner = selection(named, depth + 1)
          text += ` { ${inner === '' ? '__typename' : inner} }`
        }
        parts.push(text)
      } else {
        parts.push('__typename')
      }
    }
    return parts.join(chance(r, 0.5) ? ' ' : '\n')
  }

  const kind = r()
  const operation = kind < 0.85 ? 'query' : kind < 0.95 ? 'mutation' : 'subscription'
  const root = operation === 'mutation' ? schema.getMutationType() : schema.getQueryType()
  const body = root === null || root === undefined ? 'viewer { id }' : selection(root, 1)
  const header = chance(r, 0.5) ? `${operation} Op${chance(r, 0.2) ? '($v: Int, $flag: Boolean)' : ''}` : operation === 'query' ? '' : operation
  let doc = `${header} { ${body} }`
  if (fragments.length > 0) doc += '\n' + (chance(r, 0.2) ? [...fragments].reverse() : fragments).join('\n')
  if (chance(r, 0.3)) doc = `# ${r().toString(36)}\n${doc}`
  return mutate(r, doc)
}

/** Sometimes breaks a document: deletes, duplicates or inserts characters, or truncates it. */
export function mutate (r: Rng, doc: string): string {
  if (!chance(r, 0.15)) return doc
  const at = int(r, 0, doc.length)
  switch (int(r, 0, 5)) {
    case 0: return doc.slice(0, at)
    case 1: return doc.slice(0, at) + doc.slice(at + int(r, 1, 5))
    case 2: return doc.slice(0, at) + pick(r, ['{', '}', '(', ')', '[', ']', '"', '"""', '\\', '#', '...', '$', '@', ':', '!', '\u0000', '\ud800', '{'.repeat(200)]) + doc.slice(at)
    case 3: return doc.slice(0, at) + doc.slice(at, at + 40).repeat(int(r, 2, 20)) + doc.slice(at + 40)
    default: return doc + ' ' + doc.slice(0, int(r, 0, 200))
  }
}
