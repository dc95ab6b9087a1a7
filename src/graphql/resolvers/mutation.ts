/** Mutation (schema/mutation.graphql). */
import { badUserInput, notFound } from '../../errors.js'
import type { UpdateIssueInput as SentryUpdateInput } from '../../sentry/types.js'
import type { Resolvers } from '../generated.js'
import type { IssueModel } from '../models.js'
import { fetchIssue, updateIssue } from '../sentry-calls.js'

export const mutationResolvers = {
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
      const updated = await updateIssue(ctx, org.scope, id, update)
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
  }
} satisfies Resolvers
