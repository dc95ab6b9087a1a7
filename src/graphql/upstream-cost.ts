/**
 * The cost of an operation in upstream Sentry calls, computed before execution with the
 * request's variables and refused above GRAPHQL_MAX_UPSTREAM_CALLS (issue 10, defect 3:
 * `{ organizations { issues(first:100) { nodes { latestEvent{id} events(first:40){nodes{id}} } } } }`
 * made 216 calls with two organizations).
 *
 * Every field that makes an upstream call is listed in UPSTREAM_COST as `Type.field`. A field's
 * calls are paid once per parent object, so they multiply by the size of every list above it:
 * - a connection field (one with a `first` argument) holds at most `first` items: its literal or
 *   variable value, else the SDL default, else DEFAULT_FIRST (25), clipped to 1..MAX_FIRST;
 *   `nodes` and `edges` inside a connection type are those same items (no second multiplier);
 * - a list without `first` counts as its maximum: LIST_MAX for the viewer-bound lists (how many
 *   organizations or connections this viewer has, read from the database, never from Sentry),
 *   DEFAULT_LIST_MAX for any other list.
 *
 * Other helpers adding fields that call Sentry add their entry here (a test checks that every
 * connection field of the schema has one, and that every entry names a field of the schema).
 */
import {
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLNamedType, type GraphQLSchema,
  type SelectionSetNode, Kind, getNamedType, isInterfaceType, isListType, isNonNullType, isObjectType, type GraphQLOutputType
} from 'graphql'
import { DEFAULT_FIRST, MAX_FIRST } from './pagination.js'

export interface FieldCost {
  /** Upstream calls made each time the field resolves (once per parent object). */
  calls: number
  /**
   * Fields of one group share one call per parent object: every Project field read from the
   * project endpoint costs that one call together (the resolvers dedupe it per request).
   */
  group?: string
  /**
   * The fields that produce an already complete parent: below them the field costs nothing
   * (e.g. a project listed by `Organization.projects` already has every field).
   */
  freeUnder?: string[]
}

const PROJECT_DETAIL: FieldCost = { calls: 1, group: 'project', freeUnder: ['Organization.projects', 'Organization.project'] }
const ISSUE_DETAIL: FieldCost = { calls: 1, group: 'issue', freeUnder: ['Organization.issue', 'Mutation.updateIssue'] }

/** `Type.field` → upstream calls. Fields not listed make no upstream call. */
export const UPSTREAM_COST: Record<string, number | FieldCost> = {
  // src/graphql/resolvers/organization.ts: one Sentry request each.
  'Organization.projects': 1,
  'Organization.project': 1,
  'Organization.issues': 1,
  'Organization.issue': 1,
  'Organization.teams': 1,
  'Organization.members': 1,
  'Organization.releases': 1,
  'Organization.release': 1,
  'Organization.stats': 1,
  // src/graphql/resolvers/project.ts
  'Project.keys': 1,
  'Project.issues': 1,
  // Project fields an issue's embedded project lacks (lazyProjectFields in src/graphql/sentry-calls.ts).
  'Project.dateCreated': PROJECT_DETAIL,
  'Project.firstEvent': PROJECT_DETAIL,
  'Project.status': PROJECT_DETAIL,
  'Project.isBookmarked': PROJECT_DETAIL,
  'Project.isMember': PROJECT_DETAIL,
  'Project.hasAccess': PROJECT_DETAIL,
  'Project.color': PROJECT_DETAIL,
  'Project.features': PROJECT_DETAIL,
  'Project.platforms': PROJECT_DETAIL,
  'Project.environments': PROJECT_DETAIL,
  'Project.teams': PROJECT_DETAIL,
  // src/graphql/resolvers/issue.ts (calls in src/graphql/sentry-calls.ts)
  'Issue.events': 1,
  'Issue.latestEvent': 1,
  'Issue.tagValues': 1,
  'Issue.tags': ISSUE_DETAIL,
  // Event fields only full events carry (entries, contexts…) cost nothing: Issue.events lists
  // full events when one is selected, and latestEvent is a full event.
  // src/graphql/resolvers/mutation.ts: the update, and a read-back when Sentry answers partially.
  'Mutation.updateIssue': 2,
  // src/graphql/resolvers/explore.ts, health.ts, trace (schema/explore.graphql, health.graphql,
  // trace.graphql): one call each; a listed event's trace may first need its full event.
  'Organization.explore': 1,
  'Organization.timeseries': 1,
  'Organization.transactions': 1,
  'Organization.trace': 1,
  'Organization.sessions': 1,
  'Release.health': 1,
  'Event.traceDetails': 2,
  'Issue.frequency': ISSUE_DETAIL
}

/** The most items a list without `first` returns, for the lists bounded by the viewer's data. */
export interface ViewerListSizes {
  /** `Query.organizations`: the organizations of the viewer's ACTIVE connections. */
  organizations: number
  /** `Viewer.connections`. */
  connections: number
  /** `SentryConnection.organizations`: the most organizations one connection reaches. */
  organizationsPerConnection: number
}

/** Any other list without `first`. */
export const DEFAULT_LIST_MAX = 100

const LIST_MAX: Record<string, keyof ViewerListSizes> = {
  'Query.organizations': 'organizations',
  'Viewer.connections': 'connections',
  'SentryConnection.organizations': 'organizationsPerConnection'
}

/** Whether the document selects a list whose size comes from the viewer's stored connections. */
export function needsViewerListSizes (document: DocumentNode): boolean {
  let found = false
  const names = new Set(Object.keys(LIST_MAX).map((k) => k.split('.')[1]))
  const visit = (set: SelectionSetNode | undefined): void => {
    if (set === undefined || found) return
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (names.has(sel.name.value)) found = true
        visit(sel.selectionSet)
      } else if (sel.kind === Kind.INLINE_FRAGMENT) visit(sel.selectionSet)
    }
  }
  for (const def of document.definitions) {
    if (def.kind === Kind.OPERATION_DEFINITION || def.kind === Kind.FRAGMENT_DEFINITION) visit(def.selectionSet)
  }
  return found
}

type Variables = Record<string, unknown> | null | undefined

const isListOutput = (type: GraphQLOutputType): boolean => isListType(isNonNullType(type) ? type.ofType : type)
/** A Relay connection (`edges` and `pageInfo`) or edge (`cursor` and `node`) type. */
function isConnectionType (type: GraphQLNamedType | undefined): boolean {
  if (type === undefined || !isObjectType(type)) return false
  const fields = type.getFields()
  return (fields.edges !== undefined && fields.pageInfo !== undefined) || (fields.cursor !== undefined && fields.node !== undefined)
}

export class UpstreamCost {
  readonly #fragments = new Map<string, FragmentDefinitionNode>()
  readonly #memo = new Map<string, number>()

  constructor (readonly schema: GraphQLSchema, document: DocumentNode, readonly variables: Variables, readonly sizes: ViewerListSizes) {
    for (const def of document.definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) this.#fragments.set(def.name.value, def)
    }
  }

  /** The upstream calls of an operation (its root selection on its root type). */
  operation (set: SelectionSetNode, root: GraphQLNamedType | undefined): number {
    return this.#set(set, root, '', new Set(), new Set())
  }

  /**
   * Calls made for ONE object of type `parent`, produced by the field `via`. `groups` are the
   * shared calls already counted for this object; `active` guards against fragment cycles
   * (validation refuses them, but this also runs on documents it has not seen).
   */
  #set (set: SelectionSetNode, parent: GraphQLNamedType | undefined, via: string, groups: Set<string>, active: Set<string>): number {
    let total = 0
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        total += this.#field(sel, parent, via, groups, active)
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition === undefined ? parent : this.schema.getType(sel.typeCondition.name.value) ?? undefined
        total += this.#set(sel.selectionSet, type, via, groups, active)
      } else {
        const fragment = this.#fragments.get(sel.name.value)
        if (fragment === undefined || active.has(fragment.name.value)) continue
        const type = this.schema.getType(fragment.typeCondition.name.value) ?? undefined
        // A fragment's cost depends on where it is spread (via) and on the groups already paid;
        // with no group paid yet it is memoized, so a fragment spread many times costs one walk.
        const key = groups.size === 0 ? `${fragment.name.value}\u0000${via}\u0000${parent?.name ?? ''}` : null
        const known = key === null ? undefined : this.#memo.get(key)
        if (known !== undefined) {
          total += known
          continue
        }
        active.add(fragment.name.value)
        const cost = this.#set(fragment.selectionSet, type, via, groups, active)
        active.delete(fragment.name.value)
        if (key !== null) this.#memo.set(key, cost)
        total += cost
      }
    }
    return total
  }

  #field (sel: FieldNode, parent: GraphQLNamedType | undefined, via: string, groups: Set<string>, active: Set<string>): number {
    const name = sel.name.value
    if (name.startsWith('__') || parent === undefined || !(isObjectType(parent) || isInterfaceType(parent))) return 0
    const def = parent.getFields()[name]
    if (def === undefined) return 0
    const key = `${parent.name}.${name}`
    let own = 0
    const entry = UPSTREAM_COST[key]
    if (entry !== undefined) {
      const cost: FieldCost = typeof entry === 'number' ? { calls: entry } : entry
      const free = cost.freeUnder?.includes(via) === true
      if (!free && (cost.group === undefined || !groups.has(cost.group))) {
        own = cost.calls
        if (cost.group !== undefined) groups.add(cost.group)
      }
    }
    if (sel.selectionSet === undefined) return own
    const child = getNamedType(def.type)
    // Inside a connection or edge type the items were counted at the connection field.
    const childVia = isConnectionType(parent) ? via : key
    const perItem = this.#set(sel.selectionSet, child, childVia, new Set(), active)
    return own + (perItem === 0 ? 0 : this.#multiplier(sel, def, parent, key) * perItem)
  }

  /** How many objects the field's selection runs for, per parent object. */
  #multiplier (sel: FieldNode, def: GraphQLField<unknown, unknown>, parent: GraphQLNamedType, key: string): number {
    const firstArg = def.args.find((a) => a.name === 'first')
    if (firstArg !== undefined) {
      const node = sel.arguments?.find((a) => a.name.value === 'first')
      let value: unknown
      if (node === undefined || node.value.kind === Kind.NULL) value = firstArg.defaultValue
      else if (node.value.kind === Kind.INT) value = Number(node.value.value)
      else if (node.value.kind === Kind.VARIABLE) value = this.variables?.[node.value.name.value]
      const n = typeof value === 'number' && Number.isInteger(value) ? value : DEFAULT_FIRST
      return Math.min(MAX_FIRST, Math.max(1, n))
    }
    if (isConnectionType(parent) || !isListOutput(def.type)) return 1
    const bounded = LIST_MAX[key]
    return bounded === undefined ? DEFAULT_LIST_MAX : Math.max(0, this.sizes[bounded])
  }
}

/** The most upstream calls any operation of the document can make. */
export function upstreamCalls (schema: GraphQLSchema, document: DocumentNode, variables: Variables, sizes: ViewerListSizes): number {
  const cost = new UpstreamCost(schema, document, variables, sizes)
  let max = 0
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue
    const root = def.operation === 'mutation' ? schema.getMutationType() : def.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType()
    max = Math.max(max, cost.operation(def.selectionSet, root ?? undefined))
  }
  return max
}

/**
 * upstreamCalls for one app, remembering what depends on the document alone. Mercurius keeps
 * each parsed query (the same DocumentNode every time the query text comes again), so for a
 * document without variables whose lists do not depend on the viewer, the cost is computed once.
 * A WeakMap: a document mercurius drops from its cache is dropped here too.
 */
export interface UpstreamCostOf {
  needsViewerListSizes: (document: DocumentNode) => boolean
  upstreamCalls: (schema: GraphQLSchema, document: DocumentNode, variables: Variables, sizes: ViewerListSizes) => number
}

export function upstreamCostOf (): UpstreamCostOf {
  const facts = new WeakMap<DocumentNode, { sizes: boolean, variables: boolean, calls: number | null }>()
  const of = (document: DocumentNode): { sizes: boolean, variables: boolean, calls: number | null } => {
    let known = facts.get(document)
    if (known === undefined) {
      known = {
        sizes: needsViewerListSizes(document),
        variables: document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && (d.variableDefinitions?.length ?? 0) > 0),
        calls: null
      }
      facts.set(document, known)
    }
    return known
  }
  return {
    needsViewerListSizes: (document) => of(document).sizes,
    upstreamCalls (schema, document, variables, sizes) {
      const known = of(document)
      if (known.sizes || known.variables) return upstreamCalls(schema, document, variables, sizes)
      known.calls ??= upstreamCalls(schema, document, variables, sizes)
      return known.calls
    }
  }
}
