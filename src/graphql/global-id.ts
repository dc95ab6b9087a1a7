/**
 * Global ids for the Node interface (https://relay.dev/graphql/objectidentification.htm).
 * Every type keeps Sentry's own `id` (the public contract); `globalId` adds one that is unique
 * across the whole API and carries what refetching needs: the type, the organization's id and
 * the object's key within it. It is base64url of a JSON array, opaque to clients.
 */
import { badUserInput } from '../errors.js'
import type { Scope } from './models.js'

export const NODE_TYPES = ['Organization', 'Project', 'Issue', 'Release', 'Event'] as const
export type NodeType = (typeof NODE_TYPES)[number]

export const isNodeType = (v: unknown): v is NodeType => typeof v === 'string' && (NODE_TYPES as readonly string[]).includes(v)

/** Parts a global id carries after its type, per type. */
const ARITY: Record<NodeType, number> = { Organization: 1, Project: 2, Issue: 2, Release: 2, Event: 3 }

export function toGlobalId (type: string, ...parts: string[]): string {
  return Buffer.from(JSON.stringify([type, ...parts]), 'utf8').toString('base64url')
}

/** The organization part of a global id: its Sentry id when known, else its slug. */
export const orgKey = (scope: Scope): string => scope.orgId ?? scope.org

export interface DecodedGlobalId {
  type: NodeType
  parts: string[]
}

/** Decodes a Node's global id; BAD_USER_INPUT for anything this API did not issue. */
export function fromGlobalId (id: string, argument = 'id'): DecodedGlobalId {
  let decoded: unknown = null
  if (/^[A-Za-z0-9_-]{1,2000}$/.test(id)) {
    try {
      decoded = JSON.parse(Buffer.from(id, 'base64url').toString('utf8'))
    } catch {}
  }
  if (Array.isArray(decoded) && decoded.every((p) => typeof p === 'string') && isNodeType(decoded[0])) {
    const [type, ...parts] = decoded as [NodeType, ...string[]]
    if (parts.length === ARITY[type] && parts.every((p) => p !== '')) return { type, parts }
  }
  throw badUserInput(`\`${argument}\` is not a global id of this API; pass the \`globalId\` of an object.`, { argument })
}
