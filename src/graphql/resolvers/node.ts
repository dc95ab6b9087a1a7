/**
 * The Node interface (schema/node.graphql): refetching by global id (src/graphql/global-id.ts)
 * for Query.node(id:) and Query.nodes(ids:) (listed in resolvers/query.ts), through the viewer's
 * connection that reaches the organization. Each Node type's `globalId` is in its own module.
 */
import type { MercuriusContext } from 'mercurius'
import type { Resolvers } from '../generated.js'
import { fromGlobalId, isNodeType, type NodeType } from '../global-id.js'
import type { EventModel, IssueModel, OrganizationModel, ProjectModel, ReleaseModel } from '../models.js'
import { fetchIssue, fetchProject, getIssueEvent, getRelease } from '../sentry-calls.js'

export const MAX_NODES = 100

type Tagged = (OrganizationModel | ProjectModel | IssueModel | ReleaseModel | EventModel) & { __typename: NodeType }

export async function loadNode (ctx: MercuriusContext, id: string, argument: string): Promise<Tagged> {
  const { type, parts } = fromGlobalId(id, argument)
  const [orgId, a = '', b = ''] = parts as [string, string?, string?]
  const org = await ctx.gw.organization(orgId)
  const { scope } = org
  switch (type) {
    case 'Organization':
      return { ...org, __typename: type }
    case 'Project':
      return { scope, data: await fetchProject(ctx, scope, a), full: true, __typename: type }
    case 'Issue':
      return { scope, data: await fetchIssue(ctx, scope, a), full: true, __typename: type }
    case 'Release':
      return { scope, data: await getRelease(ctx, scope, a), __typename: type }
    case 'Event':
      return { scope, issueId: a, data: await getIssueEvent(ctx, scope, a, b), full: true, __typename: type }
  }
}

export const nodeResolvers = {
  Node: {
    // loadNode tags what it loads with its type; nothing else returns a Node.
    resolveType: (obj) => '__typename' in obj && isNodeType(obj.__typename) ? obj.__typename : null
  }
} satisfies Resolvers
