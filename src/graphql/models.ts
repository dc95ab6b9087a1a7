/**
 * What resolvers pass down as parents (codegen "mappers"). A model keeps the connection and
 * organization it was read through, so child fields call Sentry through the same connection,
 * and the raw Sentry object, so fields missing from a list item can be fetched on demand.
 */
import type { ConnectionRecord } from '../db/store.js'
import type { SentryEvent, SentryIssue, SentryProject, SentryProjectRef, SentryRelease } from '../sentry/types.js'

/** The connection and organization (slug) an object was read through. */
export interface Scope {
  connectionId: string
  org: string
  /** The organization's Sentry id (global ids carry it); absent on scopes made without it. */
  orgId?: string
}

export interface ViewerModel {
  id: string
}

export type ConnectionModel = ConnectionRecord

export interface OrganizationModel {
  scope: Scope
  id: string
  slug: string
  name: string
  regionUrl: string
  connectionId: string
}

export interface ProjectModel {
  scope: Scope
  /** A reference (id, slug, name, platform?) as embedded in an issue, or a full project. */
  data: SentryProjectRef | SentryProject
  /** True when `data` came from the project endpoints (every field present). */
  full: boolean
}

export interface IssueModel {
  scope: Scope
  data: SentryIssue
  /** True when `data` came from the issue endpoint (list items lack e.g. `tags`). */
  full: boolean
}

export interface EventModel {
  scope: Scope
  /** The issue the event belongs to (routes the full-event fetch). */
  issueId: string
  data: SentryEvent
  /** True when `data` is a full event (entries, contexts…), false for a list item. */
  full: boolean
}

export interface ReleaseModel {
  scope: Scope
  data: SentryRelease
}
