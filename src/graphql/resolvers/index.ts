import { GraphQLScalarType } from 'graphql'
import type { IResolvers, MercuriusLoaders } from 'mercurius'
import type { Resolvers } from '../generated.js'
import { eventLoaders, eventResolvers } from './event.js'
import { exploreResolvers } from './explore.js'
import { healthResolvers } from './health.js'
import { issueLoaders, issueResolvers } from './issue.js'
import { organizationResolvers } from './organization.js'
import { projectLoaders, projectResolvers } from './project.js'
import { nodeResolvers } from './node.js'
import { queryResolvers } from './query.js'
import { releaseResolvers } from './release.js'
import { BigIntScalar, DateTime, JSONScalar } from './scalars.js'
import { traceResolvers } from './trace.js'

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
 * Fan-out fields are written as loader functions (src/graphql/loaders.ts): they dedupe every
 * Sentry object per request and connection through `gw.once`. They run as plain resolvers rather
 * than through mercurius' loader layer: Sentry has no batch endpoints to batch into, and that layer
 * keys its per-request cache by stringifying each whole parent object, which cost about 30 % of
 * the gateway's CPU on a project list (bench/, profile in README).
 */
type LoaderFn = (queries: Array<{ obj: unknown, params: unknown }>, ctx: unknown) => Promise<unknown[]>
type LoaderMap = Record<string, Record<string, LoaderFn>>

export function loadersAsResolvers (loaderMap: LoaderMap): Record<string, Record<string, (obj: unknown, params: unknown, ctx: unknown) => Promise<unknown>>> {
  return Object.fromEntries(Object.entries(loaderMap).map(([type, fields]) => [type, Object.fromEntries(
    Object.entries(fields).map(([field, load]) => [field, async (obj: unknown, params: unknown, ctx: unknown) => {
      const [value] = await load([{ obj, params }], ctx)
      if (value instanceof Error) throw value
      return value
    }])
  )]))
}

function mergeResolvers (...maps: Array<Record<string, unknown>>): Record<string, unknown> {
  const merged: Record<string, unknown> = {}
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) {
      const existing = merged[type]
      merged[type] = existing !== undefined && typeof fields === 'object' && fields !== null && !(fields instanceof GraphQLScalarType)
        ? { ...(existing as object), ...fields }
        : fields
    }
  }
  return merged
}

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

/**
 * Every resolver mercurius runs: the typed ones (checked against the generated `Resolvers`;
 * mercurius' own IResolvers index signature rejects the generated `isTypeOf`, hence the cast)
 * and the loader fields. A loader field must not also have a typed resolver.
 */
export const resolvers = mergeResolvers(
  typedResolvers as unknown as Record<string, unknown>,
  // Performance data: plain resolvers on Organization, Event, Issue and Release, merged field by field.
  exploreResolvers as unknown as Record<string, unknown>,
  traceResolvers as unknown as Record<string, unknown>,
  healthResolvers as unknown as Record<string, unknown>,
  // Adds Query.node/nodes and `globalId` to types that have their own resolver maps.
  nodeResolvers as unknown as Record<string, unknown>,
  loadersAsResolvers(loaders as unknown as LoaderMap)
) as unknown as IResolvers
