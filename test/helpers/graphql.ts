/**
 * Test helpers for the GraphQL API: a signed-in viewer with a real Sentry connection (stored by
 * ./emulator.ts's `connect`), a session cookie, and a small client for /graphql.
 */
import type { FastifyInstance } from 'fastify'
import type { LightMyRequestResponse } from 'fastify'
import type { ConnectionRecord } from '../../src/db/store.js'
import { SESSION_COOKIE } from '../../src/plugins/session.js'
import type { TokenResponseBody } from '../../src/emulator/index.js'
import type { TestApp } from './app.js'
import { connect, resetCounters, type ConnectOptions } from './emulator.js'

export interface TestViewer {
  userId: string
  cookie: string
  connection: ConnectionRecord
  tokens: TokenResponseBody
}

/** The cookie header value of a secure session holding `userId`. */
export function sessionCookie (app: FastifyInstance, userId: string): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(app.encodeSecureSession(app.createSecureSession({ userId })))}`
}

/** A platform user with one stored Sentry connection, and its session cookie. */
export async function connectViewer ({ app, emulator }: TestApp, options: ConnectOptions = {}): Promise<TestViewer> {
  const { userId, connection, tokens } = await connect(app, emulator, options)
  return { userId, cookie: sessionCookie(app, userId), connection, tokens }
}

export interface GqlResponse<T = Record<string, unknown>> {
  status: number
  headers: LightMyRequestResponse['headers']
  body: {
    data?: T | null
    errors?: Array<{ message: string, path?: Array<string | number>, extensions?: Record<string, unknown> & { code?: string } }>
  }
  ms: number
}

export interface GqlOptions {
  cookie?: string
  variables?: Record<string, unknown>
  operationName?: string
  headers?: Record<string, string>
}

/** POSTs an operation to /graphql as JSON. */
export async function gql<T = any> (app: FastifyInstance, query: string, options: GqlOptions = {}): Promise<GqlResponse<T>> {
  const started = performance.now()
  const res = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', ...(options.cookie === undefined ? {} : { cookie: options.cookie }), ...options.headers },
    payload: JSON.stringify({ query, variables: options.variables, operationName: options.operationName })
  })
  const ms = performance.now() - started
  return { status: res.statusCode, headers: res.headers, body: res.json(), ms }
}

/** The codes of a response's errors, in order. */
export const codes = (res: GqlResponse): Array<string | undefined> => (res.body.errors ?? []).map((e) => e.extensions?.code)

/** Runs the viewer's operations one at a time, each after resetting the emulator's counters (./emulator.ts's upstreamCalls then counts that operation's calls). */
export function countedRunner ({ app, emulator }: TestApp, viewer: TestViewer): (query: string, variables?: Record<string, unknown>) => Promise<GqlResponse<any>> {
  return async (query, variables = {}) => {
    await resetCounters(emulator)
    return await gql(app, query, { cookie: viewer.cookie, variables })
  }
}
