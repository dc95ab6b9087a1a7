import { badUserInput } from '../errors.js'
import type { SentryCaller } from './caller.js'
import { pageQuery, pageSize } from './caller.js'
import type {
  ListIssuesArgs, Page, PageArgs, SentryEvent, SentryIssue, SentryTagValue, UpdateIssueInput
} from './types.js'

const ISSUE = '/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/'

const SORTS = new Set(['date', 'freq', 'inbox', 'new', 'recommended', 'trends', 'user'])
const STATUSES = new Set(['resolved', 'unresolved', 'ignored'])
const EVENT_ALIASES = new Set(['latest', 'oldest', 'recommended'])

/**
 * The organization's issues. `limit` (not `per_page`) sizes the page, at most 100.
 * @see listOrganizationIssues (GET /api/0/organizations/{organization_id_or_slug}/issues/)
 */
export async function listIssues (call: SentryCaller, org: string, args: ListIssuesArgs = {}): Promise<Page<SentryIssue>> {
  if (args.sort !== undefined && !SORTS.has(args.sort)) {
    throw badUserInput(`sort must be one of ${[...SORTS].join(', ')}.`, { argument: 'sort' })
  }
  return await call.page<SentryIssue>({
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/issues/',
    params: { organization_id_or_slug: org },
    query: {
      query: args.query,
      sort: args.sort,
      statsPeriod: args.statsPeriod,
      environment: args.environment,
      project: args.projects,
      limit: pageSize(args.limit, 'limit'),
      cursor: typeof args.cursor === 'string' && args.cursor !== '' ? args.cursor : undefined,
      collapse: args.collapse !== undefined && args.collapse.length > 0 ? args.collapse : undefined
    },
    what: 'The organization'
  })
}

/**
 * One issue.
 * @see getOrganizationIssue (GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/)
 */
export async function getIssue (call: SentryCaller, org: string, issueId: string): Promise<SentryIssue> {
  return await call.json<SentryIssue>({
    method: 'GET', path: ISSUE, params: { organization_id_or_slug: org, issue_id: issueId }, what: 'The issue'
  })
}

/**
 * Partial update: only the attributes sent are modified. Never retried blindly.
 * @see updateOrganizationIssue (PUT /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/)
 */
export async function updateIssue (call: SentryCaller, org: string, issueId: string, input: UpdateIssueInput): Promise<SentryIssue> {
  const body: Record<string, unknown> = {}
  if (input.status !== undefined) {
    if (!STATUSES.has(input.status)) throw badUserInput('status must be resolved, unresolved or ignored.', { argument: 'status' })
    body.status = input.status
  }
  if (input.assignedTo !== undefined) body.assignedTo = input.assignedTo
  if (input.hasSeen !== undefined) body.hasSeen = input.hasSeen
  if (input.isBookmarked !== undefined) body.isBookmarked = input.isBookmarked
  if (Object.keys(body).length === 0) throw badUserInput('Nothing to update: give at least one attribute.')
  return await call.json<SentryIssue>({
    method: 'PUT', path: ISSUE, params: { organization_id_or_slug: org, issue_id: issueId }, body, what: 'The issue'
  })
}

/**
 * The issue's events, newest first.
 * @see listOrganizationIssueEvents (GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/)
 */
export async function listIssueEvents (
  call: SentryCaller, org: string, issueId: string, args: PageArgs & { full?: boolean } = {}
): Promise<Page<SentryEvent>> {
  return await call.page<SentryEvent>({
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/',
    params: { organization_id_or_slug: org, issue_id: issueId },
    query: { ...pageQuery(args), full: args.full },
    what: 'The issue'
  })
}

/**
 * One event of the issue: a 32-hex id, or 'latest' | 'oldest' | 'recommended'.
 * @see getOrganizationIssueEvent (GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/{event_id}/)
 */
export async function getIssueEvent (call: SentryCaller, org: string, issueId: string, eventId: string): Promise<SentryEvent> {
  const id = EVENT_ALIASES.has(eventId) ? eventId : normalizeEventId(eventId)
  return await call.json<SentryEvent>({
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/{event_id}/',
    params: { organization_id_or_slug: org, issue_id: issueId, event_id: id },
    what: 'The event'
  })
}

/**
 * The values seen for one tag of the issue.
 * @see listOrganizationIssueTagValues (GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/tags/{key}/values/)
 */
export async function listIssueTagValues (
  call: SentryCaller, org: string, issueId: string, key: string, args: PageArgs = {}
): Promise<Page<SentryTagValue>> {
  return await call.page<SentryTagValue>({
    method: 'GET',
    path: '/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/tags/{key}/values/',
    params: { organization_id_or_slug: org, issue_id: issueId, key },
    query: pageQuery(args),
    what: 'The issue tag'
  })
}

/** Event ids are 32 lowercase hex characters (openapi `^[0-9a-f]{32}$`); dashes of a UUID are dropped. */
export function normalizeEventId (eventId: string): string {
  const id = eventId.replace(/-/g, '').toLowerCase()
  if (!/^[0-9a-f]{32}$/.test(id)) throw badUserInput('An event id is 32 hexadecimal characters.', { argument: 'eventId' })
  return id
}

export function issuesApi (call: SentryCaller) {
  return {
    list: async (org: string, args?: ListIssuesArgs) => await listIssues(call, org, args),
    get: async (org: string, issueId: string) => await getIssue(call, org, issueId),
    update: async (org: string, issueId: string, input: UpdateIssueInput) => await updateIssue(call, org, issueId, input),
    listEvents: async (org: string, issueId: string, args?: PageArgs & { full?: boolean }) => await listIssueEvents(call, org, issueId, args),
    getEvent: async (org: string, issueId: string, eventId: string) => await getIssueEvent(call, org, issueId, eventId),
    listTagValues: async (org: string, issueId: string, key: string, args?: PageArgs) => await listIssueTagValues(call, org, issueId, key, args)
  }
}
