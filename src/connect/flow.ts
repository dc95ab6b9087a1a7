import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Store } from '../db/store.js'

/** What the user asked for when starting the flow; kept server-side across the round trip. */
export interface ConnectIntent {
  /** A validated same-origin path to land on afterwards. */
  returnTo: string
  mode: 'redirect' | 'popup'
  /** Popup mode: the one origin the result may be posted to (ours, or one of ALLOWED_ORIGINS). */
  messageOrigin: string
  /**
   * The platform user the connection is for: a connect session's (bearer) user, the session
   * cookie's user, or null for a browser with no user yet (created when the connection is made).
   */
  userId: string | null
  /** `connect-session`: started from POST /connect/sessions, the browser's cookie is left alone. */
  via: 'cookie' | 'connect-session'
}

/** A started flow: the intent plus the single-use state, bound to this browser (state cookie) and kept server-side. */
export interface PendingFlow extends ConnectIntent {
  /** Epoch ms; Sentry's authorization codes live 10 minutes (docs/sentry.md §1), so does the state. */
  expiresAt: number
}

export const FLOW_TTL_MS = 10 * 60 * 1000

/** Compares two secrets in constant time. */
export function sameSecret (a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export type FlowCheck =
  | { ok: true, flow: PendingFlow, state: string }
  | { ok: false, reason: 'missing' | 'no-flow' | 'mismatch' | 'expired', flow: PendingFlow | null }

/** Flows are stored under the SHA-256 of their state, never the state itself. */
export const stateHash = (state: string): string => createHash('sha256').update(state).digest('base64url')

/** Starts a flow: a fresh state, stored (as its hash) with the intent for FLOW_TTL_MS. Returns the state. */
export async function startConnectFlow (store: Store, intent: ConnectIntent, now: number): Promise<string> {
  const state = randomBytes(32).toString('base64url')
  await store.saveConnectFlow({ ...intent, stateHash: stateHash(state), expiresAt: new Date(now + FLOW_TTL_MS) })
  return state
}

/**
 * Ends this browser's pending flow and checks the callback's `state` against it. The flow is
 * named by the state cookie @fastify/oauth2 set when it started (so it is bound to this
 * browser) and kept server-side; it is deleted here whatever the outcome, so a state is
 * single-use even when an earlier copy of the cookies is replayed.
 */
export async function takeConnectFlow (store: Store, cookieState: string | undefined, state: unknown, now: number): Promise<FlowCheck> {
  const taken = typeof cookieState === 'string' && cookieState !== '' ? await store.takeConnectFlow(stateHash(cookieState)) : null
  const flow: PendingFlow | null = taken === null
    ? null
    : { ...taken, via: taken.via, expiresAt: taken.expiresAt.getTime() }
  if (typeof state !== 'string' || state === '') return { ok: false, reason: 'missing', flow }
  if (flow === null || typeof cookieState !== 'string') return { ok: false, reason: 'no-flow', flow }
  if (!sameSecret(state, cookieState)) return { ok: false, reason: 'mismatch', flow }
  if (flow.expiresAt <= now) return { ok: false, reason: 'expired', flow }
  return { ok: true, flow, state }
}
