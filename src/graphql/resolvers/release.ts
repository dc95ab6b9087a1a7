/** Release and ReleaseProject (schema/release.graphql, and Release.health of health.graphql). */
import { dataFields, date, int, json, list, record, requiredId, str } from '../coerce.js'
import type { ReleaseProject, Resolvers } from '../generated.js'
import { orgKey, toGlobalId } from '../global-id.js'
import type { ReleaseModel } from '../models.js'
import { releaseHealth } from './health.js'

const d = (r: ReleaseModel): Record<string, unknown> => r.data

export function releaseProject (raw: unknown, release: ReleaseModel): ReleaseProject | null {
  const p = record(raw)
  if (p === null) return null
  const id = requiredId('a release project', p.id)
  return {
    id,
    // One entry per release and project: keyed by both (ReleaseProject is not a Node).
    globalId: toGlobalId('ReleaseProject', orgKey(release.scope), str(release.data.version) ?? '', id),
    projectId: id,
    slug: str(p.slug) ?? '',
    name: str(p.name),
    platform: str(p.platform),
    newGroups: int(p.newGroups)
  }
}

export const releaseResolvers = {
  Release: {
    // Sentry's release id is an integer (docs/sentry.md §6): exposed as an ID string.
    id: (r) => requiredId('a release', d(r).id, d(r).version),
    globalId: (r) => toGlobalId('Release', orgKey(r.scope), requiredId('a release', r.data.version)),
    version: (r) => str(d(r).version) ?? '',
    ...dataFields({
      shortVersion: str,
      status: str,
      ref: str,
      url: str,
      dateCreated: date,
      dateReleased: date,
      firstEvent: date,
      lastEvent: date,
      newGroups: int,
      commitCount: int,
      deployCount: int,
      versionInfo: json,
      authors: json,
      lastCommit: json,
      lastDeploy: json
    }),
    projects: (r) => list(d(r).projects).map((p) => releaseProject(p, r)).filter((p): p is ReleaseProject => p !== null),
    raw: (r) => r.data,
    health: releaseHealth
  }
} satisfies Resolvers
