/**
 * A small subset of Sentry's issue search syntax for `query=`: `is:`, `assigned:`, `bookmarks:`,
 * `level:`, `project:`, `environment:`, `issue.category:`, `issue.type:`, `!`-negation, other
 * `key:value` pairs as event tags, and free text (title, culprit or short id). The default is
 * `is:unresolved`; an empty query means every issue (spec, listOrganizationIssues).
 */
import { issueTagValues } from './events.js'
import { badRequest } from './http.js'
import type { IssueRec } from './model.js'
import type { World } from './serialize.js'

export type IssuePredicate = (issue: IssueRec) => boolean

interface Viewer { userId: string, teamIds: string[] }

function isFilter (value: string): IssuePredicate {
  switch (value) {
    case 'unresolved': return (i) => i.status === 'unresolved'
    case 'resolved': return (i) => i.status === 'resolved'
    case 'ignored': case 'archived': return (i) => i.status === 'ignored'
    case 'assigned': return (i) => i.assignedTo !== null
    case 'unassigned': return (i) => i.assignedTo === null
    case 'bookmarked': return (i) => i.isBookmarked
    case 'subscribed': return (i) => i.isSubscribed
    case 'for_review': return (i) => i.status === 'unresolved' && !i.hasSeen
    case 'new': return (i) => i.substatus === 'new'
    case 'regressed': return (i) => i.substatus === 'regressed'
    case 'escalating': return (i) => i.substatus === 'escalating'
    case 'ongoing': return (i) => i.substatus === 'ongoing'
    case 'linked': return () => false
    case 'unlinked': return () => true
    default: throw badRequest(`Error parsing search query: invalid value '${value}' for 'is:'`)
  }
}

function assignedFilter (value: string, viewer: Viewer, w: World): IssuePredicate {
  if (value === 'me') return (i) => i.assignedTo?.type === 'user' && i.assignedTo.id === viewer.userId
  if (value === 'my_teams') return (i) => i.assignedTo?.type === 'team' && viewer.teamIds.includes(i.assignedTo.id)
  if (value === 'none') return (i) => i.assignedTo === null
  if (value.startsWith('#')) {
    const team = w.data.teams.find((t) => t.slug === value.slice(1))
    return (i) => i.assignedTo?.type === 'team' && i.assignedTo.id === team?.id
  }
  const user = w.data.users.find((u) => u.email === value || u.username === value || u.id === value)
  return (i) => i.assignedTo?.type === 'user' && i.assignedTo.id === user?.id
}

const TOKEN = /(!?)([\w.]+):("([^"]*)"|\S+)|"([^"]*)"|(\S+)/g

export function parseIssueQuery (query: string, w: World, viewer: Viewer): IssuePredicate {
  const filters: IssuePredicate[] = []
  const text: string[] = []
  for (const m of query.matchAll(TOKEN)) {
    const [, neg, key, rawValue, quoted, phrase, word] = m
    if (key === undefined) {
      text.push(phrase ?? word ?? '')
      continue
    }
    const value = quoted ?? rawValue ?? ''
    let f: IssuePredicate
    switch (key) {
      case 'is': f = isFilter(value); break
      case 'assigned': f = assignedFilter(value, viewer, w); break
      case 'bookmarks': f = (i) => i.isBookmarked && value === 'me'; break
      case 'level': f = (i) => i.level === value; break
      case 'project': {
        const ids = w.data.projects.filter((p) => p.slug === value || p.id === value).map((p) => p.id)
        f = (i) => ids.includes(i.projectId)
        break
      }
      case 'environment': f = (i) => i.environments.includes(value); break
      case 'issue.category': f = (i) => i.issueCategory === value; break
      case 'issue.type': f = (i) => i.issueType === value; break
      case 'issue': f = (i) => i.shortId === value.toUpperCase() || i.id === value; break
      default: f = (i) => issueTagValues(w, i).get(key)?.some((v) => v.value === value) ?? false
    }
    filters.push(neg === '!' ? (i) => !f(i) : f)
  }
  const needle = text.join(' ').toLowerCase()
  if (needle !== '') {
    filters.push((i) => i.title.toLowerCase().includes(needle) || (i.culprit ?? '').toLowerCase().includes(needle) || i.shortId.toLowerCase() === needle)
  }
  return (issue) => filters.every((f) => f(issue))
}

export const ISSUE_SORTS = ['date', 'freq', 'inbox', 'new', 'recommended', 'trends', 'user'] as const

export function compareIssues (sort: string): (a: IssueRec, b: IssueRec) => number {
  const key: (i: IssueRec) => number =
    sort === 'new'
      ? (i) => i.firstSeenMs
      : sort === 'freq'
        ? (i) => i.count
        : sort === 'user'
          ? (i) => i.userCount
          : (i) => i.lastSeenMs
  // Ties broken by id so that pages never overlap.
  return (a, b) => key(b) - key(a) || b.id.localeCompare(a.id)
}
