import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql'

/**
 * The names of the fields selected on a connection's nodes (`nodes { … }` and
 * `edges { node { … } }`), fragments included. Lets a list resolver ask Sentry for full items
 * in one call when the query needs fields that list items lack.
 */
export function connectionNodeFields (info: GraphQLResolveInfo): Set<string> {
  const out = new Set<string>()
  for (const fieldNode of info.fieldNodes) {
    for (const child of fieldsOf(fieldNode.selectionSet, info)) {
      if (child.name.value === 'nodes') addNames(child.selectionSet, info, out)
      if (child.name.value === 'edges') {
        for (const edgeField of fieldsOf(child.selectionSet, info)) {
          if (edgeField.name.value === 'node') addNames(edgeField.selectionSet, info, out)
        }
      }
    }
  }
  return out
}

function addNames (set: SelectionSetNode | undefined, info: GraphQLResolveInfo, out: Set<string>): void {
  for (const f of fieldsOf(set, info)) out.add(f.name.value)
}

function fieldsOf (set: SelectionSetNode | undefined, info: GraphQLResolveInfo, seen = new Set<string>()): FieldNode[] {
  /* c8 ignore next -- validated documents give nodes, edges and node a selection set */
  if (set === undefined) return []
  const out: FieldNode[] = []
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) out.push(sel)
    else if (sel.kind === Kind.INLINE_FRAGMENT) out.push(...fieldsOf(sel.selectionSet, info, seen))
    else if (!seen.has(sel.name.value)) {
      seen.add(sel.name.value)
      out.push(...fieldsOf(info.fragments[sel.name.value]?.selectionSet, info, seen))
    }
  }
  return out
}
