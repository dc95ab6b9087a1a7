/** Query (schema/query.graphql): the entry points, and Node refetching by global id (resolvers/node.ts). */
import { badUserInput } from '../../errors.js'
import type { Resolvers } from '../generated.js'
import { loadNode, MAX_NODES } from './node.js'

export const queryResolvers = {
  Query: {
    viewer: async (_root, _args, { gw }) => ({ id: await gw.userId() }),
    organizations: async (_root, _args, { gw }) => await gw.organizations(),
    organization: async (_root, { slug }, { gw }) => await gw.organization(slug),
    node: async (_root, { id }, ctx) => await loadNode(ctx, id, 'id'),
    nodes: (_root, { ids }, ctx) => {
      if (ids.length > MAX_NODES) throw badUserInput(`\`ids\` takes at most ${MAX_NODES} ids; got ${ids.length}.`, { argument: 'ids', max: MAX_NODES })
      // Each id settles on its own: a failure nulls its item, with its error in `errors`.
      return ids.map(async (id) => await loadNode(ctx, id, 'ids'))
    }
  }
} satisfies Resolvers
