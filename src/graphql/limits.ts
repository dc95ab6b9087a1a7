/**
 * Operation limits, checked before any resolver runs so an abusive document is refused in a
 * few milliseconds:
 * - document size in bytes and bracket nesting, before parsing (mercurius preParsing hook);
 * - depth, aliases, root fields, fields repeated in one selection, introspection nesting and a
 *   cost lower bound, after parsing and before validation (preValidation hook): graphql-js
 *   validation is superlinear on some shapes (OverlappingFieldsCanBeMerged compares repeated
 *   fields pairwise), so an abusive document must not reach it;
 * - the exact cost with the request's variables (preExecution hook).
 * Every refusal is BAD_USER_INPUT with `extensions.limit` naming the limit.
 *
 * Cost approximates upstream work and response size: every object field costs 1 (leaf fields
 * are free: the document size and the repeated-field limit bound those), and a connection field
 * (one with a `first` argument) multiplies the cost of its selection by `first` (25 when
 * omitted). Nested lists multiply: `issues(first: 100) { nodes { id events(first: 50) {
 * nodes { id } } } }` costs 1 + 100 × (1 + 1 + 50 × 1) = 5,201.
 */
import {
  type DocumentNode, type FragmentDefinitionNode, type GraphQLNamedType, type GraphQLSchema, type OperationDefinitionNode,
  type SelectionSetNode, GraphQLError, Kind, Location, getNamedType, isInterfaceType, isObjectType
} from 'graphql'
import { badUserInput, type GatewayError } from '../errors.js'
import { DEFAULT_FIRST, MAX_FIRST } from './pagination.js'

export interface OperationLimits {
  maxDepth: number
  maxAliases: number
  maxRootFields: number
  maxCost: number
  maxDocumentBytes: number
}

/**
 * How often one response name may appear in a selection set. Repeats are legal GraphQL but
 * graphql-js compares them pairwise (OverlappingFieldsCanBeMerged): 1,000 repeats of
 * `organizations { id }` (20 KB) took ~220 ms to validate.
 */
export const MAX_SAME_FIELD = 20

/** Introspection list fields (`types`, `fields`, …) nested along one path: the standard introspection query needs 3. */
export const MAX_INTROSPECTION_LISTS = 3
const INTROSPECTION_LISTS = new Set(['types', 'fields', 'args', 'inputFields', 'interfaces', 'possibleTypes', 'enumValues', 'directives'])

function limitError (limit: string, message: string, max: number, actual?: number): GatewayError {
  return badUserInput(message, actual === undefined ? { limit, max } : { limit, max, actual })
}

export function checkDocumentSize (source: string, limits: OperationLimits): void {
  // Cheap upper bound first: a UTF-8 character is at most 3 bytes per UTF-16 unit.
  if (source.length * 3 <= limits.maxDocumentBytes) return
  const bytes = Buffer.byteLength(source, 'utf8')
  if (bytes > limits.maxDocumentBytes) {
    throw limitError('documentBytes', `The document is ${bytes} bytes; the limit is ${limits.maxDocumentBytes}.`, limits.maxDocumentBytes, bytes)
  }
}

/**
 * Bracket nesting of the raw text, before parsing: graphql-js parses recursively, and a few
 * thousand nested braces (a 20 KB document) overflow its stack. Selection sets, input objects
 * and lists all count; strings and comments are skipped. The bound is generous (twice the
 * depth limit plus room for nested input values), so only abusive documents reach it.
 */
export function checkNesting (source: string, limits: OperationLimits): void {
  const max = limits.maxDepth * 2 + 20
  let depth = 0
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i)
    if (c === 0x7b || c === 0x5b) { // { [
      if (++depth > max) {
        throw limitError('depth', `The document nests more than ${max} levels of braces or brackets.`, limits.maxDepth)
      }
    } else if (c === 0x7d || c === 0x5d) { // } ]
      depth--
    } else if (c === 0x23) { // # comment to the end of the line
      while (i < source.length && source.charCodeAt(i) !== 0x0a && source.charCodeAt(i) !== 0x0d) i++
    } else if (c === 0x22) { // "string" or """block string"""
      if (source.startsWith('"""', i)) {
        const end = source.indexOf('"""', i + 3)
        i = end === -1 ? source.length : end + 2
      } else {
        for (i++; i < source.length && source.charCodeAt(i) !== 0x22 && source.charCodeAt(i) !== 0x0a; i++) {
          if (source.charCodeAt(i) === 0x5c) i++ // backslash escape
        }
      }
    }
  }
}

type Variables = Record<string, unknown> | undefined

class Walker {
  readonly #fragments = new Map<string, FragmentDefinitionNode>()
  readonly #depthMemo = new Map<string, number>()
  readonly #costMemo = new Map<string, number>()
  readonly #rootMemo = new Map<string, number>()
  readonly #introMemo = new Map<string, number>()
  readonly #active = new Set<string>()

  constructor (readonly schema: GraphQLSchema, document: DocumentNode, readonly variables: Variables, readonly exact: boolean) {
    for (const def of document.definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) this.#fragments.set(def.name.value, def)
    }
  }

  /**
   * Runs `compute` for a fragment once (memoized); a fragment spread inside itself counts 0 here
   * (validation rejects fragment cycles afterwards).
   */
  #viaFragment (memo: Map<string, number>, key: string, compute: (fragment: FragmentDefinitionNode) => number, name: string): number {
    const known = memo.get(key)
    if (known !== undefined) return known
    const fragment = this.#fragments.get(name)
    if (fragment === undefined || this.#active.has(key)) return 0
    this.#active.add(key)
    const value = compute(fragment)
    this.#active.delete(key)
    memo.set(key, value)
    return value
  }

  /** Deepest field nesting; introspection subtrees are checked by introspectionLists instead. */
  depth (set: SelectionSetNode | undefined): number {
    if (set === undefined) return 0
    let max = 0
    for (const sel of set.selections) {
      let d = 0
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value
        if (name === '__schema' || name === '__type') {
          const lists = this.introspectionLists(sel.selectionSet)
          if (lists > MAX_INTROSPECTION_LISTS) {
            throw limitError('introspectionDepth', `Introspection nests ${lists} lists; the limit is ${MAX_INTROSPECTION_LISTS}.`, MAX_INTROSPECTION_LISTS, lists)
          }
          d = 1
        } else {
          d = name.startsWith('__') ? 0 : 1 + this.depth(sel.selectionSet)
        }
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        d = this.depth(sel.selectionSet)
      } else {
        d = this.#viaFragment(this.#depthMemo, sel.name.value, (f) => this.depth(f.selectionSet), sel.name.value)
      }
      if (d > max) max = d
    }
    return max
  }

  introspectionLists (set: SelectionSetNode | undefined): number {
    if (set === undefined) return 0
    let max = 0
    for (const sel of set.selections) {
      let d = 0
      if (sel.kind === Kind.FIELD) d = (INTROSPECTION_LISTS.has(sel.name.value) ? 1 : 0) + this.introspectionLists(sel.selectionSet)
      else if (sel.kind === Kind.INLINE_FRAGMENT) d = this.introspectionLists(sel.selectionSet)
      else d = this.#viaFragment(this.#introMemo, sel.name.value, (f) => this.introspectionLists(f.selectionSet), sel.name.value)
      if (d > max) max = d
    }
    return max
  }

  /** Root fields of an operation, `__typename` excluded. */
  rootFields (set: SelectionSetNode): number {
    let n = 0
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) n += sel.name.value === '__typename' ? 0 : 1
      else if (sel.kind === Kind.INLINE_FRAGMENT) n += this.rootFields(sel.selectionSet)
      else n += this.#viaFragment(this.#rootMemo, sel.name.value, (f) => this.rootFields(f.selectionSet), sel.name.value)
    }
    return n
  }

  cost (set: SelectionSetNode, parent: GraphQLNamedType | undefined): number {
    let total = 0
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value
        if (name.startsWith('__')) continue
        const def = parent !== undefined && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined
        if (sel.selectionSet === undefined) continue
        const multiplier = def?.args.some((a) => a.name === 'first') === true ? this.first(sel.arguments) : 1
        total += 1 + multiplier * this.cost(sel.selectionSet, def === undefined ? undefined : getNamedType(def.type))
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition === undefined ? parent : this.schema.getType(sel.typeCondition.name.value) ?? undefined
        total += this.cost(sel.selectionSet, type)
      } else {
        const name = sel.name.value
        total += this.#viaFragment(this.#costMemo, name, (f) => this.cost(f.selectionSet, this.schema.getType(f.typeCondition.name.value) ?? undefined), name)
      }
    }
    return total
  }

  /** `first` as the multiplier: its literal or variable value (unknown variable: 1 before execution), clipped to 1..100. */
  first (args: FieldArgs): number {
    const arg = args?.find((a) => a.name.value === 'first')
    if (arg === undefined) return DEFAULT_FIRST
    let value: unknown
    if (arg.value.kind === Kind.INT) value = Number(arg.value.value)
    else if (arg.value.kind === Kind.VARIABLE) value = this.exact ? this.variables?.[arg.value.name.value] ?? DEFAULT_FIRST : 1
    else if (arg.value.kind === Kind.NULL) value = DEFAULT_FIRST
    return typeof value === 'number' && Number.isInteger(value) ? Math.min(MAX_FIRST, Math.max(1, value)) : 1
  }
}

type FieldArgs = Extract<SelectionSetNode['selections'][number], { kind: Kind.FIELD }>['arguments']

function operations (document: DocumentNode): OperationDefinitionNode[] {
  return document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
}

function rootType (schema: GraphQLSchema, op: OperationDefinitionNode): GraphQLNamedType | undefined {
  return (op.operation === 'mutation' ? schema.getMutationType() : op.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType()) ?? undefined
}

/**
 * Mercurius falls back to `JSON.parse` when a query does not parse as GraphQL, so a client could
 * send any JSON (or a hand-made AST) as the document. Only documents our parser produced (they
 * carry graphql-js' Location) go on.
 */
export function checkParsed (document: unknown): asserts document is DocumentNode {
  const doc = document as Partial<DocumentNode> | null
  if (doc === null || typeof doc !== 'object' || doc.kind !== Kind.DOCUMENT || !(doc.loc instanceof Location)) {
    throw new GraphQLError('Syntax Error: the query must be a GraphQL document in source text.')
  }
}

/** The checks that need no variables: run once per distinct document (mercurius caches it after). */
export function checkStructure (schema: GraphQLSchema, document: DocumentNode, limits: OperationLimits): void {
  checkParsed(document)
  let aliases = 0
  // Response names of one selection set, through its inline fragments (those merge into it).
  const visit = (set: SelectionSetNode | undefined, names: Map<string, number>): void => {
    if (set === undefined) return
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.alias !== undefined) aliases++
        const name = sel.alias?.value ?? sel.name.value
        const n = (names.get(name) ?? 0) + 1
        if (n > MAX_SAME_FIELD) {
          throw limitError('repeatedFields', `The field "${name}" is selected ${n} times in one selection; the limit is ${MAX_SAME_FIELD}.`, MAX_SAME_FIELD, n)
        }
        names.set(name, n)
        visit(sel.selectionSet, new Map())
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        visit(sel.selectionSet, names)
      }
    }
  }
  for (const def of document.definitions) {
    if (def.kind === Kind.OPERATION_DEFINITION || def.kind === Kind.FRAGMENT_DEFINITION) visit(def.selectionSet, new Map())
  }
  if (aliases > limits.maxAliases) {
    throw limitError('aliases', `The document has ${aliases} aliases; the limit is ${limits.maxAliases}.`, limits.maxAliases, aliases)
  }
  const walker = new Walker(schema, document, undefined, false)
  for (const op of operations(document)) {
    const roots = walker.rootFields(op.selectionSet)
    if (roots > limits.maxRootFields) {
      throw limitError('rootFields', `The operation selects ${roots} root fields; the limit is ${limits.maxRootFields}.`, limits.maxRootFields, roots)
    }
    const depth = walker.depth(op.selectionSet)
    if (depth > limits.maxDepth) {
      throw limitError('depth', `The operation is ${depth} levels deep; the limit is ${limits.maxDepth}.`, limits.maxDepth, depth)
    }
    const cost = walker.cost(op.selectionSet, rootType(schema, op))
    if (cost > limits.maxCost) throw costError(cost, limits)
  }
}

/** The cost with the request's variables, before execution. */
export function checkCost (schema: GraphQLSchema, document: DocumentNode, variables: Variables, limits: OperationLimits): void {
  const walker = new Walker(schema, document, variables, true)
  for (const op of operations(document)) {
    const cost = walker.cost(op.selectionSet, rootType(schema, op))
    if (cost > limits.maxCost) throw costError(cost, limits)
  }
}

function costError (cost: number, limits: OperationLimits): GatewayError {
  return limitError('cost', `The operation's estimated cost is ${cost}; the limit is ${limits.maxCost}. Ask for fewer items (smaller \`first\`) or fewer nested lists.`, limits.maxCost, cost)
}
