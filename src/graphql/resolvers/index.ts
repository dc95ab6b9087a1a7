/**
 * Every resolver mercurius runs, one module per SDL type family (schema/*.graphql); each GraphQL
 * type's resolvers are in exactly one of them (README.md, Architecture). Resolvers are plain
 * `(parent, args, ctx, info) => value` functions, checked against the generated `Resolvers`
 * (src/graphql/generated.ts, parents are our models: src/graphql/models.ts); the Sentry calls
 * they make are all in src/graphql/sentry-calls.ts.
 */
import type { IResolvers } from 'mercurius'
import { eventResolvers } from './event.js'
import { exploreResolvers } from './explore.js'
import { sessionGroupResolvers } from './health.js'
import { issueResolvers } from './issue.js'
import { mutationResolvers } from './mutation.js'
import { nodeResolvers } from './node.js'
import { organizationResolvers } from './organization.js'
import { projectResolvers } from './project.js'
import { queryResolvers } from './query.js'
import { releaseResolvers } from './release.js'
import { BigIntScalar, DateTime, JSONScalar } from './scalars.js'
import { traceResolvers } from './trace.js'
import { viewerResolvers } from './viewer.js'

export const resolvers: IResolvers = {
  DateTime,
  JSON: JSONScalar,
  BigInt: BigIntScalar,
  ...queryResolvers,
  ...mutationResolvers,
  ...viewerResolvers,
  ...nodeResolvers,
  ...organizationResolvers,
  ...projectResolvers,
  ...issueResolvers,
  ...eventResolvers,
  ...releaseResolvers,
  ...exploreResolvers,
  ...sessionGroupResolvers,
  ...traceResolvers
}
