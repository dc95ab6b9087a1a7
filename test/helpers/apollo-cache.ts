/**
 * The Apollo InMemoryCache configuration README §"Client recipes" gives developers, verbatim:
 * the client tests run the recipe itself, so the README cannot drift from what works.
 */
import { InMemoryCache, type FieldPolicy, type Reference } from '@apollo/client'

interface Page {
  edges?: Array<{ cursor: string, node: Reference }>
  nodes?: Reference[]
  pageInfo?: { startCursor: string | null, endCursor: string | null, hasNextPage: boolean, hasPreviousPage: boolean }
  [field: string]: unknown
}

/**
 * Relay-style paging that merges `edges` and `nodes` alike (Apollo's relayStylePagination
 * merges only `edges`): `after` appends, `before` prepends, no cursor replaces; an item
 * already in the list is not added twice.
 */
export function connectionPagination (keyArgs: string[] | false = false): FieldPolicy<Page | null> {
  return {
    keyArgs,
    merge (existing, incoming, { args }) {
      if (incoming == null || existing == null) return incoming ?? existing ?? null
      const after = args?.after != null
      const before = args?.before != null
      if (!after && !before) return incoming
      const join = <T>(old: T[] | undefined, add: T[] | undefined, key: (item: T) => string): T[] | undefined => {
        if (add === undefined) return old
        if (old === undefined) return add
        const seen = new Set(old.map(key))
        const fresh = add.filter((item) => !seen.has(key(item)))
        return before ? [...fresh, ...old] : [...old, ...fresh]
      }
      const pageInfo = existing.pageInfo === undefined || incoming.pageInfo === undefined
        ? incoming.pageInfo ?? existing.pageInfo
        : before
          ? { ...existing.pageInfo, startCursor: incoming.pageInfo.startCursor, hasPreviousPage: incoming.pageInfo.hasPreviousPage }
          : { ...existing.pageInfo, endCursor: incoming.pageInfo.endCursor, hasNextPage: incoming.pageInfo.hasNextPage }
      return {
        ...existing,
        ...incoming,
        edges: join(existing.edges, incoming.edges, (e) => e.node.__ref),
        nodes: join(existing.nodes, incoming.nodes, (n) => n.__ref),
        pageInfo
      }
    }
  }
}

const ISSUE_ARGS = ['query', 'sort', 'statsPeriod', 'environment', 'projects']

export function createCache (): InMemoryCache {
  return new InMemoryCache({
    // Interfaces and their types (`npm run possible-types` is not needed: they are few).
    possibleTypes: {
      Node: ['Organization', 'Project', 'Issue', 'Release', 'Event'],
      Assignee: ['AssignedUser', 'AssignedTeam'],
      EventEntry: ['GenericEntry', 'ExceptionEntry', 'StacktraceEntry', 'ThreadsEntry', 'BreadcrumbsEntry', 'RequestEntry', 'MessageEntry', 'SpansEntry', 'CspEntry']
    },
    typePolicies: {
      Query: { fields: { organization: { keyArgs: ['slug'] } } },
      Organization: {
        fields: {
          issues: connectionPagination(ISSUE_ARGS),
          projects: connectionPagination(),
          teams: connectionPagination(),
          members: connectionPagination(),
          releases: connectionPagination(['query'])
        }
      },
      Project: { fields: { issues: connectionPagination(ISSUE_ARGS), keys: connectionPagination() } },
      Issue: { fields: { events: connectionPagination(), tagValues: connectionPagination(['key']) } },
      // One entry per release and project, not a project: embedded in its release.
      ReleaseProject: { keyFields: false },
      // Each stored connection; `id` is the connection's own id.
      SentryAccount: { keyFields: ['id'] }
    }
  })
}
