import { loadPersistedQueries } from '../graphql/persisted.js'

/**
 * The operation names of the gateway's own operations (src/graphql/operations/, via the
 * persisted-queries file): always kept as metric labels, whatever the cap on other names.
 */
export function persistedOperationNames (file?: string): string[] {
  const names = new Set<string>()
  for (const query of Object.values(loadPersistedQueries(file))) {
    for (const m of query.matchAll(/^(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/gm)) names.add(m[1] as string)
  }
  return [...names]
}
