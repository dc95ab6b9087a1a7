/** Viewer, SentryAccount and its deprecated twin SentryConnection (schema/viewer.graphql). */
import { organizationModel } from '../context.js'
import type { Resolvers, SentryAccountResolvers } from '../generated.js'

/** SentryAccount and SentryConnection: the same stored connection, the same fields. */
const account = {
  organizations: (connection) => connection.organizations.map((org) => organizationModel(connection, org)),
  sentryUser: (connection) => connection.sentryUser,
  expiresAt: (connection) => connection.expiresAt?.toISOString() ?? null,
  createdAt: (connection) => connection.createdAt.toISOString(),
  updatedAt: (connection) => connection.updatedAt.toISOString()
} satisfies SentryAccountResolvers

export const viewerResolvers = {
  Viewer: {
    sentryAccounts: async (_viewer, _args, { gw }) => await gw.connections(),
    connections: async (_viewer, _args, { gw }) => await gw.connections()
  },
  SentryAccount: account,
  SentryConnection: account
} satisfies Resolvers
