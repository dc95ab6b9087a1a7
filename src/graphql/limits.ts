/**
 * Operation limits. An abusive document is refused before it costs more than a few milliseconds
 * and before any upstream call; every refusal is BAD_USER_INPUT with `extensions.limit` naming
 * the limit (and `max`, plus `actual` when known).
 *
 * 1. Before parsing (mercurius preParsing hook): the document size in bytes, then one pass of
 *    graphql-js' own lexer that bounds the number of tokens (`tokens`) and the nesting of
 *    braces, brackets and parentheses (`depth`): graphql-js parses recursively and a few thousand
 *    nested braces overflow its stack. Using the real lexer means strings, block strings (with
 *    their `\"""` escapes) and comments are read exactly as the parser reads them. The parser
 *    itself also gets `maxTokens` (graphql-js ParseOptions), as a second line.
 * 2. After parsing, before graphql-js' validation (preValidation hook): the number of fragment
 *    definitions (`fragments`) and of one response name in one selection set (`repeatedFields`),
 *    then, in a validation pass of their own, GraphQL Armor's rules, which follow fragment
 *    spreads: depth (`depth`), aliases (`aliases`), directives (`directives`) and a static cost
 *    (`cost`), and ours for root fields (`rootFields`). graphql-js' OverlappingFieldsCanBeMerged
 *    compares fragment pairs and same-named fields pairwise: ~450 one-field fragments took
 *    0.6–1.3 s of CPU to validate (issue 10, defect 2), so nothing over a limit reaches it.
 * 3. During validation (mercurius `validationRules`): operation types this schema does not have
 *    (a `subscription`: GRAPHQL_VALIDATION_FAILED, never a 5xx); graphql-js' own introspection
 *    depth rule is reported as `introspectionDepth`.
 * 4. Before execution (preExecution hook, with the request's variables): the upstream Sentry
 *    calls the operation can make (`upstreamCalls`, src/graphql/upstream-cost.ts).
 *
 * @see https://escape.tech/graphql-armor/docs/ (GraphQL Armor)
 * @see https://github.com/graphql/graphql-js/blob/v16.10.0/src/language/parser.ts (maxTokens)
 */
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit'
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases'
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth'
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives'
import {
  type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode,
  type GraphQLSchema, type ValidationContext, type ValidationRule, GraphQLError, Kind, Lexer, Location, Source, TokenKind, validate
} from 'graphql'
import { badUserInput, isGatewayError, type GatewayError } from '../errors.js'

export interface OperationLimits {
  maxDepth: number
  maxAliases: number
  maxRootFields: number
  /** GraphQL Armor's static cost (objects 2, leaves free, × a literal `first`). */
  maxCost: number
  maxDocumentBytes: number
  maxTokens: number
  maxDirectives: number
  maxFragments: number
  maxUpstreamCalls: number
}

/**
 * How often one response name may appear in a selection set. Repeats are legal GraphQL but
 * graphql-js compares them pairwise (OverlappingFieldsCanBeMerged): 1,000 repeats of
 * `organizations { id }` (20 KB) took ~220 ms to validate.
 */
export const MAX_SAME_FIELD = 20

/**
 * graphql-js' own MaxIntrospectionDepthRule (a specified rule since 16.9) refuses introspection
 * that nests `fields`, `interfaces`, `possibleTypes` or `inputFields` 3 times; the error
 * formatter reports it as this limit.
 */
export const INTROSPECTION_DEPTH_MESSAGE = 'Maximum introspection depth exceeded'
export const MAX_INTROSPECTION_LISTS = 3

export function limitError (limit: string, message: string, max: number, actual?: number): GatewayError {
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

/** Bracket nesting allowed before parsing: twice the depth limit plus room for nested input values. */
export const maxNesting = (limits: OperationLimits): number => limits.maxDepth * 2 + 20

/**
 * Counts tokens and bracket nesting with graphql-js' lexer (comments are not tokens, as in the
 * parser). A lexical error stops the count: the parser reports it as a syntax error.
 */
export function checkTokens (source: string, limits: OperationLimits): void {
  const lexer = new Lexer(new Source(source))
  const nestingMax = maxNesting(limits)
  let tokens = 0
  let depth = 0
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++tokens > limits.maxTokens) {
        throw limitError('tokens', `The document has more than ${limits.maxTokens} tokens; that is the limit.`, limits.maxTokens)
      }
      const kind = token.kind
      if (kind === TokenKind.BRACE_L || kind === TokenKind.BRACKET_L || kind === TokenKind.PAREN_L) {
        if (++depth > nestingMax) {
          throw limitError('depth', `The document nests more than ${nestingMax} levels of braces, brackets or parentheses.`, limits.maxDepth)
        }
      } else if (kind === TokenKind.BRACE_R || kind === TokenKind.BRACKET_R || kind === TokenKind.PAREN_R) {
        depth--
      }
    }
  } catch (err) {
    if (isGatewayError(err)) throw err
  }
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

/**
 * What must hold before graphql-js' own validation rules run (their cost grows with the square of
 * what these bound): a parsed document, at most `maxFragments` fragment definitions, at most
 * MAX_SAME_FIELD uses of one response name per selection set (through inline fragments, which
 * merge into it), and then every limit rule (GraphQL Armor's and ours) in a validation pass of
 * their own. Mercurius' `validationRules` run in the same pass as graphql-js' rules, where
 * OverlappingFieldsCanBeMerged would already have compared 10 fragments × 11 aliases of nested
 * selections (~100 ms) before the aliases rule refused them; here it never sees such a document.
 */
export function checkBeforeValidation (schema: GraphQLSchema, document: unknown, limits: OperationLimits, rules: ValidationRule[] = limitRules(limits)): void {
  checkParsed(document)
  let fragments = 0
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments++
  if (fragments > limits.maxFragments) {
    throw limitError('fragments', `The document defines ${fragments} fragments; the limit is ${limits.maxFragments}.`, limits.maxFragments, fragments)
  }
  const visit = (set: SelectionSetNode | undefined, names: Map<string, number>): void => {
    if (set === undefined) return
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
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
  for (const error of validate(schema, document, rules, { maxErrors: 1 })) {
    if (isGatewayError(error.originalError)) throw error.originalError
  }
}

/** Reports a limit as a validation error whose original error is our BAD_USER_INPUT. */
function report (context: ValidationContext, error: GatewayError, nodes?: OperationDefinitionNode): void {
  context.reportError(new GraphQLError(error.message, { nodes, originalError: error }))
}

const FOUND = /found (\d+(?:\.\d+)?)/

/**
 * GraphQL Armor's rule messages read "… limit of N exceeded, found M."; the refusal is reported
 * in our own words, with the numbers in `extensions`.
 */
function armorReject (limit: string, max: number, words: (actual: number) => string) {
  return (context: ValidationContext | null, error: GraphQLError): void => {
    const found = FOUND.exec(error.message)
    const actual = found === null ? undefined : Math.ceil(Number(found[1]))
    /* c8 ignore next -- Armor always passes the validation context to a rule's callbacks */
    if (context === null) return
    report(context, limitError(limit, actual === undefined ? `The operation exceeds the ${limit} limit of ${max}.` : words(actual), max, actual))
  }
}

function forEachFragmentSelection (context: ValidationContext, set: SelectionSetNode, seen: Set<string>): SelectionSetNode[] {
  const out: SelectionSetNode[] = [set]
  for (const sel of set.selections) {
    if (sel.kind === Kind.INLINE_FRAGMENT) out.push(...forEachFragmentSelection(context, sel.selectionSet, seen))
    else if (sel.kind === Kind.FRAGMENT_SPREAD && !seen.has(sel.name.value)) {
      seen.add(sel.name.value)
      const fragment: FragmentDefinitionNode | null | undefined = context.getFragment(sel.name.value)
      if (fragment != null) out.push(...forEachFragmentSelection(context, fragment.selectionSet, seen))
    }
  }
  return out
}

/** Root fields of each operation (through fragments), `__typename` excluded. */
function rootFieldsRule (max: number): ValidationRule {
  return (context) => ({
    OperationDefinition (op) {
      let n = 0
      for (const set of forEachFragmentSelection(context, op.selectionSet, new Set())) {
        for (const sel of set.selections) if (sel.kind === Kind.FIELD && sel.name.value !== '__typename') n++
      }
      if (n > max) report(context, limitError('rootFields', `The operation selects ${n} root fields; the limit is ${max}.`, max, n), op)
    }
  })
}

/**
 * An operation type the schema does not define (this gateway has no subscriptions) is a
 * validation error, as graphql-js 17's KnownOperationTypesRule makes it; graphql-js 16 only
 * fails it at execution, which mercurius answered with a 500 (issue 10, defect 7).
 */
export const knownOperationTypesRule: ValidationRule = (context) => ({
  OperationDefinition (op) {
    const schema = context.getSchema()
    const root = op.operation === 'query' ? schema.getQueryType() : op.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType()
    if (root == null) {
      context.reportError(new GraphQLError(`This API does not support ${op.operation} operations.`, { nodes: op }))
    }
  }
})

/** The limit rules, run before graphql-js' own (checkBeforeValidation). */
export function limitRules (limits: OperationLimits): ValidationRule[] {
  const armor = { propagateOnRejection: false, exposeLimits: true }
  return [
    maxDepthRule({
      ...armor,
      n: limits.maxDepth,
      flattenFragments: true,
      ignoreIntrospection: true,
      onReject: [armorReject('depth', limits.maxDepth, (n) => `The operation is ${n} levels deep; the limit is ${limits.maxDepth}.`)]
    }),
    maxAliasesRule({
      ...armor,
      n: limits.maxAliases,
      onReject: [armorReject('aliases', limits.maxAliases, (n) => `The operation has ${n} aliases; the limit is ${limits.maxAliases}.`)]
    }),
    maxDirectivesRule({
      ...armor,
      n: limits.maxDirectives,
      onReject: [armorReject('directives', limits.maxDirectives, (n) => `The operation has ${n} directives; the limit is ${limits.maxDirectives}.`)]
    }),
    costLimitRule({
      ...armor,
      maxCost: limits.maxCost,
      // Objects 2, multiplied by a literal `first`; leaf fields are free (the token limit bounds
      // them); no extra factor per level (Armor's defaults, 1 per scalar and 1.5 per level, priced
      // a 25-issue Relay query with stack frames at 13,000 and every field of 25 events at 8,300).
      objectCost: 2,
      scalarCost: 0,
      depthCostFactor: 1,
      flattenFragments: true,
      ignoreIntrospection: true,
      onReject: [armorReject('cost', limits.maxCost, (n) => `The operation's estimated cost is ${n}; the limit is ${limits.maxCost}. Ask for fewer items (smaller \`first\`) or fewer nested lists.`)]
    }),
    rootFieldsRule(limits.maxRootFields)
  ]
}
