import { badUserInput, notFound } from '../../errors.js'
import type { UpdateIssueInput as SentryUpdateInput } from '../../sentry/types.js'
import { organizationModel } from '../context.js'
import type { Resolvers } from '../generated.js'
import type { ConnectionModel, IssueModel } from '../models.js'
import { fetchIssue } from '../loaders.js'

/** SentryAccount and its deprecated twin SentryConnection: the same stored connection. */
const accountResolvers = {
  organizations: (connection: ConnectionModel) => connection.organizations.map((org) => organizationModel(connection, org)),
  sentryUser: (connection: ConnectionModel) => connection.sentryUser,
  expiresAt: (connection: ConnectionModel) => connection.expiresAt?.toISOString() ?? null,
  createdAt: (connection: ConnectionModel) => connection.createdAt.toISOString(),
  updatedAt: (connection: ConnectionModel) => connection.updatedAt.toISOString()
}

export const queryResolvers: Resolvers = {
  Query: {
    viewer: async (_root, _args, { gw }) => ({ id: await gw.userId() }),
    organizations: async (_root, _args, { gw }) => await gw.organizations(),
    organization: async (_root, { slug }, { gw }) => await gw.organization(slug)
  },

  Mutation: {
    updateIssue: async (_root, { organizationSlug, id, input }, ctx) => {
      const org = await ctx.gw.organization(organizationSlug)
      const update: SentryUpdateInput = {}
      if (input.status != null) update.status = input.status === 'RESOLVED' ? 'resolved' : input.status === 'IGNORED' ? 'ignored' : 'unresolved'
      // An explicit null or empty string removes the assignee; an absent field leaves it.
      if (input.assignedTo !== undefined) update.assignedTo = input.assignedTo === '' ? null : input.assignedTo
      if (input.hasSeen != null) update.hasSeen = input.hasSeen
      if (input.isBookmarked != null) update.isBookmarked = input.isBookmarked
      if (Object.keys(update).length === 0) {
        throw badUserInput('UpdateIssueInput needs at least one of status, assignedTo, hasSeen, isBookmarked.', { argument: 'input' })
      }
      const updated = await ctx.gw.client(org.scope.connectionId).issues.update(org.scope.org, id, update)
      // Sentry's PUT may answer with the changed attributes only: read the issue back then.
      const complete = typeof updated?.id === 'string' && typeof updated.title === 'string' && typeof updated.project === 'object' && updated.project !== null
      const model: IssueModel = complete
        ? { scope: org.scope, data: updated, full: false }
        : { scope: org.scope, data: await fetchIssue(ctx, org.scope, id), full: true }
      return model
    },

    disconnect: async (_root, { connectionId }, { gw, app }) => {
      const userId = await gw.userId()
      const deleted = await app.store.deleteConnection(userId, connectionId)
      if (!deleted) throw notFound('The connection')
      gw.invalidateConnections()
      return true
    }
  },

  Viewer: {
    sentryAccounts: async (_viewer, _args, { gw }) => await gw.connections(),
    connections: async (_viewer, _args, { gw }) => await gw.connections()
  },

  SentryAccount: accountResolvers,
  SentryConnection: accountResolvers
}
