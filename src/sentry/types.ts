import type { ExploreTableArgs, ExploreTablePage, TimeseriesArgs, TimeseriesBody } from './explore.js'
import type { SessionsArgs, SessionsPage } from './sessions.js'
import type { TraceArgs, TraceNode } from './traces.js'
import type { Deadline } from './deadline.js'

/**
 * The contract between the Sentry client (src/sentry/*) and its callers (GraphQL resolvers,
 * the connect flow). Callers never see a URL or a token; they call these functions.
 * Shapes follow openapi.json; only the fields we rely on are typed, the rest pass through.
 */
import type { AccessTokenRecord, OrganizationRecord } from '../db/store.js'

import type { Page, PageArgs } from './pagination.js'

export type { Page, PageArgs }

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

export interface SentryOrganization {
  id: string
  slug: string
  name: string
  links: { organizationUrl: string, regionUrl: string }
  [key: string]: unknown
}

export interface SentryProjectRef {
  id: string
  slug: string
  name: string
  platform?: string | null
  [key: string]: unknown
}

export interface SentryProject extends SentryProjectRef {
  dateCreated: string
  [key: string]: unknown
}

export interface SentryAssignee {
  type: 'user' | 'team'
  id: string
  name: string
  email?: string
}

export interface SentryIssue {
  id: string
  shortId: string
  title: string
  culprit: string | null
  permalink: string
  level: string
  status: string
  count: string
  userCount: number
  firstSeen: string | null
  lastSeen: string | null
  project: SentryProjectRef
  assignedTo: SentryAssignee | null
  hasSeen: boolean
  isBookmarked: boolean
  [key: string]: unknown
}

export interface SentryTag { key: string, value: string | null, [key: string]: unknown }

export interface SentryEvent {
  id: string
  eventID: string
  groupID?: string | null
  projectID?: string
  title: string
  message: string | null
  dateCreated: string
  platform?: string | null
  tags: SentryTag[]
  entries?: Array<{ type: string, data: unknown }>
  contexts?: Record<string, unknown>
  [key: string]: unknown
}

export interface SentryTeam { id: string, slug: string, name: string, [key: string]: unknown }
export interface SentryMember { id: string, email: string, name: string, orgRole?: string, [key: string]: unknown }
export interface SentryRelease { id: number, version: string, shortVersion?: string, dateCreated?: string | null, [key: string]: unknown }
export interface SentryProjectKey { id: string, name: string, dsn: Record<string, string>, [key: string]: unknown }
export interface SentryTagValue { key?: string, value: string | null, count?: number, [key: string]: unknown }

export interface ListIssuesArgs extends Omit<PageArgs, 'perPage'> {
  query?: string
  sort?: 'date' | 'freq' | 'inbox' | 'new' | 'recommended' | 'trends' | 'user'
  statsPeriod?: string
  environment?: string[]
  /** Project ids or slugs. */
  projects?: string[]
  /** 1..100 (Sentry's `limit`). */
  limit?: number
  /**
   * Parts of each item Sentry may leave out (`collapse`, "fields to remove from the response to
   * improve query performance"): `stats` (also drops `lifetime` and `filtered` on sentry.io),
   * `lifetime`, `filtered`, `unhandled` (`isUnhandled`).
   */
  collapse?: IssueListCollapse[]
}

export type IssueListCollapse = 'stats' | 'lifetime' | 'filtered' | 'unhandled'

export interface UpdateIssueInput {
  status?: 'resolved' | 'unresolved' | 'ignored'
  assignedTo?: string | null
  hasSeen?: boolean
  isBookmarked?: boolean
}

export interface StatsArgs {
  field: 'sum(quantity)' | 'sum(times_seen)'
  groupBy: string[]
  statsPeriod?: string
  interval?: string
  category?: string
}

/** A Sentry client bound to one stored connection. Every call is refresh-, rate- and region-aware. */
export interface SentryClient {
  readonly connectionId: string
  organizations: {
    list (args?: PageArgs): Promise<Page<SentryOrganization>>
    get (org: string): Promise<SentryOrganization>
  }
  projects: {
    list (org: string, args?: PageArgs): Promise<Page<SentryProject>>
    get (org: string, project: string): Promise<SentryProject>
    listKeys (org: string, project: string, args?: PageArgs): Promise<Page<SentryProjectKey>>
  }
  issues: {
    list (org: string, args?: ListIssuesArgs): Promise<Page<SentryIssue>>
    get (org: string, issueId: string): Promise<SentryIssue>
    update (org: string, issueId: string, input: UpdateIssueInput): Promise<SentryIssue>
    listEvents (org: string, issueId: string, args?: PageArgs & { full?: boolean }): Promise<Page<SentryEvent>>
    /** `eventId` may be a 32-hex id, or 'latest' | 'oldest' | 'recommended'. */
    getEvent (org: string, issueId: string, eventId: string): Promise<SentryEvent>
    listTagValues (org: string, issueId: string, key: string, args?: PageArgs): Promise<Page<SentryTagValue>>
  }
  events: {
    get (org: string, project: string, eventId: string): Promise<SentryEvent>
  }
  releases: {
    list (org: string, args?: PageArgs & { query?: string }): Promise<Page<SentryRelease>>
    get (org: string, version: string): Promise<SentryRelease>
  }
  teams: { list (org: string, args?: PageArgs): Promise<Page<SentryTeam>> }
  members: { list (org: string, args?: PageArgs): Promise<Page<SentryMember>> }
  stats: { organization (org: string, args: StatsArgs): Promise<Record<string, unknown>> }
  explore: {
    table (org: string, args: ExploreTableArgs): Promise<ExploreTablePage>
    timeseries (org: string, args: TimeseriesArgs): Promise<TimeseriesBody>
  }
  traces: {
    get (org: string, args: TraceArgs): Promise<TraceNode[]>
    meta (org: string, args: TraceArgs): Promise<Record<string, unknown>>
  }
  sessions: { list (org: string, args: SessionsArgs): Promise<SessionsPage> }
}

/**
 * What the caller already read about the connection in this unit of work (the GraphQL context's
 * one viewer read), so the client does not read it again: the access-token row (primes the
 * token memo; refreshes still go through the store), the organizations with their region URLs
 * (seed the region routes) and the granted scopes (to word a 403).
 */
export interface KnownConnection {
  /** The connection's access-token row as read (opened on call); null when it has none. */
  accessToken: () => AccessTokenRecord | null
  organizations: readonly OrganizationRecord[]
  scopes: readonly string[]
}

export interface UnitOfWork {
  deadline?: Deadline
  known?: KnownConnection
}

/** The app-wide Sentry service, decorated as `app.sentry` by src/plugins/sentry.ts. */
export interface SentryGateway {
  /**
   * A client acting for the stored connection (loads and refreshes its tokens as needed), for
   * one unit of work: its calls share `deadline` (a GraphQL request's), else each call gets
   * SENTRY_REQUEST_TIMEOUT_MS.
   */
  forConnection (connectionId: string, unit?: UnitOfWork): SentryClient
  /**
   * The organizations a freshly exchanged access token reaches (GET /api/0/organizations/, all
   * pages). Used once by the connect callback, before the connection is stored.
   */
  discoverOrganizations (accessToken: string, deadline?: Deadline): Promise<SentryOrganization[]>
  /**
   * Refreshes a connection's tokens now, through the same single flight and lease as requests
   * (the keep-alive task and `npm run admin -- connections refresh`); a no-op when the token row
   * has already moved past `expectedVersion`. Resolves to the row in force afterwards.
   */
  refreshTokens (connectionId: string, expectedVersion: number): Promise<AccessTokenRecord>
}
