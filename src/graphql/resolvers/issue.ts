/** Issue and Assignee (schema/issue.graphql, and Issue.frequency of health.graphql). */
import type { GraphQLResolveInfo } from 'graphql'
import type { MercuriusContext } from 'mercurius'
import { upstreamError } from '../../errors.js'
import type { IssueListCollapse, ListIssuesArgs, SentryIssue } from '../../sentry/types.js'
import { bool, dataFields, date, int, json, list, record, requiredId, str } from '../coerce.js'
import type { Assignee, IssueSort, IssueState, IssueTag, OrganizationissuesArgs, Resolvers, TagValue } from '../generated.js'
import { orgKey, toGlobalId } from '../global-id.js'
import type { EventModel, IssueModel, ProjectModel, Scope } from '../models.js'
import { paginate } from '../pagination.js'
import { connectionNodeFields } from '../selection.js'
import { fetchIssue, fetchLatestEvent, lazyIssueFields, listIssueEvents, listIssues, listTagValues } from '../sentry-calls.js'
import { issueFrequency } from './health.js'

/** Event fields that only full events carry: asking for one lists the events with `full=true`. */
export const FULL_EVENT_FIELDS = ['entries', 'contexts', 'trace', 'sdk', 'release', 'occurrence', 'dateReceived']

type IssuesArgs = Omit<OrganizationissuesArgs, 'projects'> & { projects?: string[] | null }

const SORTS: Record<IssueSort, NonNullable<ListIssuesArgs['sort']>> = {
  DATE: 'date', FREQ: 'freq', INBOX: 'inbox', NEW: 'new', RECOMMENDED: 'recommended', TRENDS: 'trends', USER: 'user'
}

/**
 * What Sentry may leave out of each listed issue (its `collapse[]`, documented as removing fields
 * "to improve query performance": sentry.io then skips the per-issue stats queries) when the
 * query selects nothing that reads it. `frequency` reads `stats` (a list item without it would
 * cost one issue read per item), `isUnhandled` reads `isUnhandled`, and `raw` is Sentry's item
 * as sent, so selecting `raw` collapses nothing. No field reads `lifetime` or `filtered`.
 * See getsentry/sentry src/sentry/api/serializers/models/group_stream.py (StreamGroupSerializerSnuba).
 */
export function issueListCollapse (selected: ReadonlySet<string>): IssueListCollapse[] {
  if (selected.has('raw')) return []
  const out: IssueListCollapse[] = []
  if (!selected.has('frequency')) out.push('stats')
  out.push('lifetime', 'filtered')
  if (!selected.has('isUnhandled')) out.push('unhandled')
  return out
}

/** The organization's issue search; shared by Organization.issues and Project.issues. */
export async function searchIssues (ctx: MercuriusContext, scope: Scope, args: IssuesArgs, info: GraphQLResolveInfo) {
  const collapse = issueListCollapse(connectionNodeFields(info))
  return await paginate(args, async (cursor, limit) => await listIssues(ctx, scope, {
    cursor,
    limit,
    collapse,
    query: args.query ?? undefined,
    sort: args.sort == null ? undefined : SORTS[args.sort],
    statsPeriod: args.statsPeriod ?? undefined,
    environment: args.environment ?? undefined,
    projects: args.projects ?? undefined
  }), (data): IssueModel => ({ scope, data, full: false }))
}

function assignee (raw: unknown): Assignee | null {
  const a = record(raw)
  if (a === null) return null
  const team = a.type === 'team'
  return {
    type: team ? 'TEAM' : 'USER',
    id: requiredId('an assignee', a.id),
    name: str(a.name) ?? '',
    email: team ? null : str(a.email)
  }
}

/** Sentry's status strings this API knows (getsentry/sentry src/sentry/api/serializers/models/group.py). */
const ISSUE_STATES: ReadonlySet<string> = new Set<IssueState>(['resolved', 'unresolved', 'ignored', 'reprocessing', 'pending_deletion', 'deletion_in_progress', 'pending_merge'])
const isIssueState = (s: string): s is IssueState => ISSUE_STATES.has(s)

export function issueState (raw: unknown): IssueState {
  const s = str(raw) ?? 'unresolved'
  return isIssueState(s) ? s : 'unknown'
}

function issueTags (raw: unknown): IssueTag[] {
  const out: IssueTag[] = []
  for (const item of list(raw)) {
    const t = record(item)
    const key = t === null ? null : str(t.key)
    if (t !== null && key !== null) out.push({ key, name: str(t.name), totalValues: int(t.totalValues) })
  }
  return out
}

export function tagValue (raw: Record<string, unknown>): TagValue {
  return {
    key: str(raw.key),
    value: str(raw.value),
    name: str(raw.name),
    count: int(raw.count),
    firstSeen: date(raw.firstSeen),
    lastSeen: date(raw.lastSeen)
  }
}

const d = (issue: IssueModel): SentryIssue & Record<string, unknown> => issue.data

export const issueResolvers = {
  Assignee: {
    resolveType: (a) => a.type === 'TEAM' ? 'AssignedTeam' : 'AssignedUser'
  },
  Issue: {
    id: (i) => requiredId('an issue', d(i).id),
    shortId: (i) => str(d(i).shortId) ?? '',
    title: (i) => str(d(i).title) ?? '',
    level: (i) => str(d(i).level) ?? 'error',
    count: (i) => {
      const c = str(d(i).count)
      return c !== null && /^-?\d+$/.test(c) ? c : '0'
    },
    userCount: (i) => int(d(i).userCount) ?? 0,
    permalink: (i) => str(d(i).permalink) ?? '',
    ...dataFields({
      culprit: str,
      status: issueState,
      substatus: str,
      priority: str,
      firstSeen: date,
      lastSeen: date,
      type: str,
      issueType: str,
      issueCategory: str,
      platform: str,
      logger: str,
      hasSeen: bool,
      isBookmarked: bool,
      isSubscribed: bool,
      isPublic: bool,
      isUnhandled: bool,
      numComments: int,
      metadata: json,
      statusDetails: json,
      assignedTo: assignee
    }),
    raw: (i) => i.data,
    globalId: (i) => toGlobalId('Issue', orgKey(i.scope), requiredId('an issue', i.data.id)),
    frequency: issueFrequency,
    // List items lack `tags`: read from the issue endpoint, once per issue.
    ...lazyIssueFields({ tags: issueTags }),
    latestEvent: async (i, _args, ctx): Promise<EventModel | null> => {
      const data = await fetchLatestEvent(ctx, i.scope, i.data.id)
      return data === null ? null : { scope: i.scope, issueId: i.data.id, data, full: true }
    },
    // The issue embeds its project's id, slug, name and platform: no upstream call for those.
    project: async (i, _args, ctx): Promise<ProjectModel> => {
      const ref = record(d(i).project) ?? record((await fetchIssue(ctx, i.scope, i.data.id)).project)
      if (ref === null) throw upstreamError('Sentry returned an issue without its project.')
      return { scope: i.scope, data: ref as ProjectModel['data'], full: false }
    },
    events: async (i, args, ctx, info) => {
      const full = [...connectionNodeFields(info)].some((f) => FULL_EVENT_FIELDS.includes(f))
      return await paginate(args, async (cursor, perPage) => await listIssueEvents(ctx, i.scope, i.data.id, {
        cursor, perPage, ...(full ? { full: true } : {})
      }), (data): EventModel => ({ scope: i.scope, issueId: i.data.id, data, full: full && Array.isArray(data.entries) }))
    },
    tagValues: async (i, { key, ...args }, ctx) => await paginate(args,
      async (cursor, perPage) => await listTagValues(ctx, i.scope, i.data.id, key, { cursor, perPage }), tagValue)
  }
} satisfies Resolvers
