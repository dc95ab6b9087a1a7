/**
 * Reading a field of a request part Fastify parsed without a schema of ours (a body or query a
 * hook of another plugin's route sees: mercurius' /graphql, @fastify/oauth2's state check).
 */

/** True for a plain JSON-like object (not null, not an array). */
export function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `value[name]` when `value` is an object, else undefined. */
export function fieldOf (value: unknown, name: string): unknown {
  return isRecord(value) ? value[name] : undefined
}
