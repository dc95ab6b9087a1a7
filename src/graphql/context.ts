/**
 * The per-request GraphQL context. Everything is lazy: a request rejected before execution
 * (CSRF, limits, validation) never touches the database. Resolvers reach Sentry only through
 * `app.sentry` and only via a connection of the signed-in viewer.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ConnectionRecord, OrganizationRecord, ViewerRecord } from '../db/store.js'
import { notConnected, reconnectRequired, unauthenticated } from '../errors.js'
import { currentViewer } from '../identity.js'
import { Deadline } from '../sentry/deadline.js'
import type { SentryClient } from '../sentry/types.js'
import type { OrganizationModel } from './models.js'

export class RequestGateway {
  readonly #app: FastifyInstance
  readonly #request: FastifyRequest
  /** The viewer's user, connections and access tokens: one database read per request. */
  #viewer: Promise<ViewerRecord | null> | undefined
  /** The viewer once read (for the clients, which are made synchronously). */
  #read: ViewerRecord | null = null
  /** Set after a mutation changed the connections: they are listed again. */
  #connections: Promise<ConnectionRecord[]> | undefined
  readonly #clients = new Map<string, SentryClient>()
  readonly #memo = new Map<string, Promise<unknown>>()
  /** The request's one deadline: every Sentry call and wait of this request ends by it. */
  readonly deadline: Deadline

  constructor (app: FastifyInstance, request: FastifyRequest, deadline: Deadline = Deadline.after(DEFAULT_REQUEST_TIMEOUT_MS, request.telemetry)) {
    this.#app = app
    this.#request = request
    this.deadline = deadline
  }

  /** The viewer (user, connections, access tokens); UNAUTHENTICATED without a session. */
  async #viewerRecord (): Promise<ViewerRecord> {
    this.#viewer ??= currentViewer(this.#request, this.#app.store).then((viewer) => { this.#read = viewer; return viewer })
    const viewer = await this.#viewer
    if (viewer === null) {
      throw this.#app.authMode === 'jwt'
        ? unauthenticated('No bearer token: send Authorization: Bearer <JWT> signed by your platform.', { reason: 'missing token' })
        : unauthenticated()
    }
    return viewer
  }

  /** The platform user id; UNAUTHENTICATED without a session. */
  async userId (): Promise<string> {
    return (await this.#viewerRecord()).user.id
  }

  /** The viewer's stored connections, read once per request (with the user). */
  async connections (): Promise<ConnectionRecord[]> {
    if (this.#connections !== undefined) return await this.#connections
    return (await this.#viewerRecord()).connections
  }

  /** Lists the connections again from now on (after a mutation changed them). */
  invalidateConnections (): void {
    this.#connections = this.userId().then(async (id) => await this.#app.store.listConnections(id))
    // Not awaited here: a failure is the next reader's.
    this.#connections.catch(() => {})
  }

  /** Organizations reached by the viewer's ACTIVE connections, deduplicated by organization id. */
  async organizations (): Promise<OrganizationModel[]> {
    const seen = new Set<string>()
    const out: OrganizationModel[] = []
    for (const connection of await this.connections()) {
      if (connection.status !== 'ACTIVE') continue
      for (const org of connection.organizations) {
        if (seen.has(org.orgId)) continue
        seen.add(org.orgId)
        out.push(organizationModel(connection, org))
      }
    }
    return out
  }

  /**
   * The organization by slug (or id) through the viewer's connection that reaches it, an ACTIVE
   * one first. RECONNECT_REQUIRED when only revoked connections reach it, NOT_CONNECTED when none.
   */
  async organization (slugOrId: string): Promise<OrganizationModel> {
    let revoked: ConnectionRecord | null = null
    for (const connection of await this.connections()) {
      const org = connection.organizations.find((o) => o.slug === slugOrId || o.orgId === slugOrId)
      if (org === undefined) continue
      if (connection.status === 'ACTIVE') return organizationModel(connection, org)
      revoked ??= connection
    }
    if (revoked !== null) throw reconnectRequired(revoked.id, revoked.statusReason ?? 'revoked')
    throw notConnected(`the organization "${slugOrId}"`)
  }

  /**
   * A Sentry client acting for one of the viewer's connections (one per request and connection).
   * What the viewer read already holds (access token, organizations' regions, scopes) is handed
   * to it, so its first call reads nothing more from the database.
   */
  client (connectionId: string): SentryClient {
    let client = this.#clients.get(connectionId)
    if (client === undefined) {
      const viewer = this.#read
      const connection = viewer?.connections.find((c) => c.id === connectionId)
      client = this.#app.sentry.forConnection(connectionId, {
        deadline: this.deadline,
        known: viewer === null || connection === undefined
          ? undefined
          : { accessToken: () => viewer.accessToken(connectionId), organizations: connection.organizations, scopes: connection.scopes }
      })
      this.#clients.set(connectionId, client)
    }
    return client
  }

  /**
   * Runs `load` once per request for `key` (results and failures are shared), so two fields
   * needing the same Sentry object make one upstream call.
   */
  async once<T> (key: string, load: () => Promise<T>): Promise<T> {
    let p = this.#memo.get(key) as Promise<T> | undefined
    if (p === undefined) {
      p = load()
      this.#memo.set(key, p)
    }
    return await p
  }
}

export function organizationModel (connection: ConnectionRecord, org: OrganizationRecord): OrganizationModel {
  return {
    scope: { connectionId: connection.id, org: org.slug, orgId: org.orgId },
    id: org.orgId,
    slug: org.slug,
    name: org.name,
    regionUrl: org.regionUrl,
    connectionId: connection.id
  }
}

export interface GatewayContext {
  gw: RequestGateway
}

declare module 'mercurius' {
  interface MercuriusContext extends GatewayContext {}
}

const DEFAULT_REQUEST_TIMEOUT_MS = 15_000

/** The context factory; `requestTimeoutMs` is GRAPHQL_REQUEST_TIMEOUT_MS (config.requestTimeoutMs). */
export function buildContext (app: FastifyInstance, options: { requestTimeoutMs?: number } = {}) {
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<GatewayContext> => ({
    gw: new RequestGateway(app, request, Deadline.after(timeoutMs, request.telemetry))
  })
}
