/**
 * The Node interface: `globalId` on each Node type, `Query.node(id:)` and `Query.nodes(ids:)`
 * refetching by global id (src/graphql/global-id.ts), through the viewer's connection that
 * reaches the organization.
 */
import type { MercuriusContext } from 'mercurius'
import { badUserInput } from '../../errors.js'
import { requiredId } from '../coerce.js'
import type { Resolvers } from '../generated.js'
import { fromGlobalId, orgKey, toGlobalId } from '../global-id.js'
import { fetchIssue, fetchProject } from '../loaders.js'
import type { EventModel, IssueModel, OrganizationModel, ProjectModel, ReleaseModel } from '../models.js'

export const MAX_NODES = 100

type Tagged = (OrganizationModel | ProjectModel | IssueModel | ReleaseModel | EventModel) & { __typename: string }

async function loadNode (ctx: MercuriusContext, id: string, argument: string): Promise<Tagged> {
  const { type, parts } = fromGlobalId(id, argument)
  const [orgId, a = '', b = ''] = parts as [string, string?, string?]
  const org = await ctx.gw.organization(orgId)
  const { scope } = org
  const client = ctx.gw.client(scope.connectionId)
  switch (type) {
    case 'Organization':
      return { ...org, __typename: type }
    case 'Project':
      return { scope, data: await fetchProject(ctx, scope, a), full: true, __typename: type }
    case 'Issue':
      return { scope, data: await fetchIssue(ctx, scope, a), full: true, __typename: type }
    case 'Release':
      return { scope, data: await client.releases.get(scope.org, a), __typename: type }
    case 'Event':
      return { scope, issueId: a, data: await client.issues.getEvent(scope.org, a, b), full: true, __typename: type }
  }
}

export const nodeResolvers: Resolvers = {
  Query: {
    node: async (_root, { id }, ctx) => await loadNode(ctx, id, 'id') as never,
    nodes: (_root, { ids }, ctx) => {
      if (ids.length > MAX_NODES) throw badUserInput(`\`ids\` takes at most ${MAX_NODES} ids; got ${ids.length}.`, { argument: 'ids', max: MAX_NODES })
      // Each id settles on its own: a failure nulls its item, with its error in `errors`.
      return ids.map(async (id) => await loadNode(ctx, id, 'ids')) as never
    }
  },
  Node: {
    resolveType: (obj) => (obj as unknown as Tagged).__typename as never
  },
  Organization: {
    globalId: (org) => toGlobalId('Organization', org.id)
  },
  Project: {
    globalId: (p) => toGlobalId('Project', orgKey(p.scope), requiredId('a project', p.data.id, p.data.slug))
  },
  Issue: {
    globalId: (i) => toGlobalId('Issue', orgKey(i.scope), requiredId('an issue', i.data.id))
  },
  Release: {
    globalId: (r) => toGlobalId('Release', orgKey(r.scope), requiredId('a release', r.data.version))
  },
  Event: {
    globalId: (e) => toGlobalId('Event', orgKey(e.scope), e.issueId, requiredId('an event', e.data.eventID, e.data.id))
  }
}
