import type { IResolvers, MercuriusLoaders } from 'mercurius'
import type { Resolvers } from '../generated.js'
import { eventLoaders, eventResolvers } from './event.js'
import { issueLoaders, issueResolvers } from './issue.js'
import { organizationResolvers } from './organization.js'
import { projectLoaders, projectResolvers } from './project.js'
import { queryResolvers } from './query.js'
import { releaseResolvers } from './release.js'
import { BigIntScalar, DateTime, JSONScalar } from './scalars.js'

export const typedResolvers: Resolvers = {
  DateTime,
  JSON: JSONScalar,
  BigInt: BigIntScalar,
  ...queryResolvers,
  ...organizationResolvers,
  ...projectResolvers,
  ...issueResolvers,
  ...eventResolvers,
  ...releaseResolvers
}

/**
 * Checked against the generated `Resolvers` above; mercurius' own IResolvers index signature
 * rejects the generated `isTypeOf` signature, hence the cast.
 */
export const resolvers = typedResolvers as unknown as IResolvers

/**
 * Loader fields must not also have a plain resolver (mercurius would keep only one).
 * Their parent and return types are our models, not the generated GraphQL shapes, hence the
 * one cast here; each loader is typed where it is defined.
 */
export const loaders = {
  ...issueLoaders,
  ...projectLoaders,
  ...eventLoaders
} as unknown as MercuriusLoaders
