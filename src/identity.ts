import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Store } from './db/store.js'

/**
 * Platform identity, behind one function so a platform's own login can take its place.
 * Today the secure session holds the user id, and the first visit creates the user.
 */
export async function currentUserId (request: FastifyRequest, store: Store): Promise<string | null> {
  const id = request.session.get('userId')
  if (typeof id !== 'string') return null
  return (await store.getUser(id)) === null ? null : id
}

/** Like currentUserId, but creates the platform user (and its session) on the first visit. */
export async function ensureUserId (request: FastifyRequest, _reply: FastifyReply, store: Store): Promise<string> {
  const existing = await currentUserId(request, store)
  if (existing !== null) return existing
  const user = await store.createUser()
  request.session.set('userId', user.id)
  return user.id
}
