import { date, int, json, list, record, str } from '../coerce.js'
import type { ReleaseProject, Resolvers } from '../generated.js'
import type { ReleaseModel } from '../models.js'

const d = (r: ReleaseModel): Record<string, unknown> => r.data

export function releaseProject (raw: unknown): ReleaseProject | null {
  const p = record(raw)
  if (p === null) return null
  return { id: str(p.id) ?? '', slug: str(p.slug) ?? '', name: str(p.name), platform: str(p.platform), newGroups: int(p.newGroups) }
}

export const releaseResolvers: Resolvers = {
  Release: {
    // Sentry's release id is an integer (facts.md §6): exposed as an ID string.
    id: (r) => str(d(r).id) ?? str(d(r).version) ?? '',
    version: (r) => str(d(r).version) ?? '',
    shortVersion: (r) => str(d(r).shortVersion),
    status: (r) => str(d(r).status),
    ref: (r) => str(d(r).ref),
    url: (r) => str(d(r).url),
    dateCreated: (r) => date(d(r).dateCreated),
    dateReleased: (r) => date(d(r).dateReleased),
    firstEvent: (r) => date(d(r).firstEvent),
    lastEvent: (r) => date(d(r).lastEvent),
    newGroups: (r) => int(d(r).newGroups),
    commitCount: (r) => int(d(r).commitCount),
    deployCount: (r) => int(d(r).deployCount),
    projects: (r) => list(d(r).projects).map(releaseProject).filter((p): p is ReleaseProject => p !== null),
    versionInfo: (r) => json(d(r).versionInfo),
    authors: (r) => json(d(r).authors),
    lastCommit: (r) => json(d(r).lastCommit),
    lastDeploy: (r) => json(d(r).lastDeploy),
    raw: (r) => r.data
  }
}
