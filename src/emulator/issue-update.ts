/**
 * PUT /organizations/{org}/issues/{id}/: `GroupValidator(data=…, partial=True)` — only the submitted
 * attributes change; invalid values give DRF's field-error map, e.g. {"status": ["\"x\" is not a valid choice."]}
 * (docs/sentry.md §4, §6).
 */
import { ApiError } from './http.js'
import type { Assignee, IssueRec, OrgRec } from './model.js'
import type { World } from './serialize.js'
import { isRecord, isoDate } from './util.js'

const STATUSES = ['resolved', 'unresolved', 'ignored', 'resolvedInNextRelease', 'muted']
const PRIORITIES = ['low', 'medium', 'high']
const SUBSTATUSES = ['archived_until_escalating', 'archived_until_condition_met', 'archived_forever', 'escalating', 'ongoing', 'regressed', 'new']
const BOOLEANS = ['hasSeen', 'isBookmarked', 'isSubscribed', 'isPublic', 'inbox', 'merge', 'discard'] as const
const IGNORE_INTS = ['ignoreDuration', 'ignoreCount', 'ignoreWindow', 'ignoreUserCount', 'ignoreUserWindow'] as const

/** DRF's BooleanField accepts these spellings. */
function toBool (v: unknown): boolean | undefined {
  if (v === true || v === 'true' || v === 'True' || v === 1 || v === '1') return true
  if (v === false || v === 'false' || v === 'False' || v === 0 || v === '0') return false
  return undefined
}

const choice = (v: unknown): string => `"${typeof v === 'string' ? v : JSON.stringify(v)}" is not a valid choice.`

/** `<user_id>`, `user:<id>`, username, email or `team:<id>` of this organization; "" / null clears. */
function resolveAssignee (w: World, org: OrgRec, value: unknown): Assignee | null | undefined {
  if (value === null || value === '') return null
  if (typeof value !== 'string') return undefined
  if (value.startsWith('team:')) {
    const team = w.data.teams.find((t) => t.orgId === org.id && t.id === value.slice(5))
    return team === undefined ? undefined : { type: 'team', id: team.id }
  }
  const v = value.startsWith('user:') ? value.slice(5) : value
  const user = w.data.users.find((u) => u.id === v || u.username === v || u.email.toLowerCase() === v.toLowerCase())
  const member = user !== undefined && w.data.members.some((m) => m.orgId === org.id && m.userId === user.id)
  return member ? { type: 'user', id: user.id } : undefined
}

export type UpdateOutcome = 'updated' | 'discarded'

export function updateIssue (w: World, org: OrgRec, issue: IssueRec, body: unknown, nowMs: number): UpdateOutcome {
  if (!isRecord(body)) throw new ApiError(400, { non_field_errors: ['Invalid data. Expected a dictionary, but got ' + (Array.isArray(body) ? 'list' : typeof body) + '.'] })
  const errors: Record<string, string[]> = {}
  if ('status' in body && !(typeof body.status === 'string' && STATUSES.includes(body.status))) errors.status = [choice(body.status)]
  if ('priority' in body && !(typeof body.priority === 'string' && PRIORITIES.includes(body.priority))) errors.priority = [choice(body.priority)]
  if ('substatus' in body && body.substatus !== null && !(typeof body.substatus === 'string' && SUBSTATUSES.includes(body.substatus))) errors.substatus = [choice(body.substatus)]
  for (const key of BOOLEANS) if (key in body && toBool(body[key]) === undefined) errors[key] = ['Must be a valid boolean.']
  let assignee: Assignee | null | undefined
  if ('assignedTo' in body) {
    assignee = resolveAssignee(w, org, body.assignedTo)
    if (assignee === undefined) errors.assignedTo = ['Unknown actor input']
  }
  const details = body.statusDetails
  if (details !== undefined && !isRecord(details)) errors.statusDetails = ['Invalid data. Expected a dictionary.']
  if (isRecord(details)) {
    const bad: Record<string, string[]> = {}
    for (const key of IGNORE_INTS) if (key in details && !Number.isInteger(details[key])) bad[key] = ['A valid integer is required.']
    if ('inNextRelease' in details && toBool(details.inNextRelease) === undefined) bad.inNextRelease = ['Must be a valid boolean.']
    if ('inRelease' in details && !(typeof details.inRelease === 'string' && (details.inRelease === 'latest' || w.data.releases.some((r) => r.orgId === org.id && r.version === details.inRelease)))) {
      bad.inRelease = ['Unable to find the given release.']
    }
    if (Object.keys(bad).length > 0) errors.statusDetails = [JSON.stringify(bad)]
  }
  if (Object.keys(errors).length > 0) throw new ApiError(400, errors)

  if (toBool(body.discard) === true) return 'discarded'
  const sd = isRecord(details) ? details : {}
  switch (body.status) {
    case 'resolved':
    case 'resolvedInNextRelease': {
      issue.status = 'resolved'
      issue.substatus = null
      const inRelease = sd.inRelease === 'latest'
        ? w.data.releases.filter((r) => r.projectIds.includes(issue.projectId)).at(-1)?.version
        : typeof sd.inRelease === 'string' ? sd.inRelease : undefined
      issue.statusDetails = inRelease !== undefined ? { inRelease } : body.status === 'resolvedInNextRelease' || toBool(sd.inNextRelease) === true ? { inNextRelease: true } : {}
      break
    }
    case 'unresolved':
      issue.status = 'unresolved'
      issue.substatus = typeof body.substatus === 'string' ? body.substatus : 'ongoing'
      issue.statusDetails = {}
      break
    case 'ignored':
    case 'muted': {
      issue.status = 'ignored'
      const conditions: Record<string, unknown> = {}
      for (const key of IGNORE_INTS) if (typeof sd[key] === 'number' && key !== 'ignoreDuration') conditions[key] = sd[key]
      if (typeof sd.ignoreDuration === 'number') conditions.ignoreUntil = isoDate(nowMs + sd.ignoreDuration * 60_000, 6)
      issue.statusDetails = conditions
      issue.substatus = typeof body.substatus === 'string'
        ? body.substatus
        : Object.keys(conditions).length > 0 ? 'archived_until_condition_met' : 'archived_until_escalating'
      break
    }
    default:
      if (typeof body.substatus === 'string') issue.substatus = body.substatus
  }
  if ('hasSeen' in body) issue.hasSeen = toBool(body.hasSeen) ?? issue.hasSeen
  if ('isBookmarked' in body) issue.isBookmarked = toBool(body.isBookmarked) ?? issue.isBookmarked
  if ('isSubscribed' in body) issue.isSubscribed = toBool(body.isSubscribed) ?? issue.isSubscribed
  if ('isPublic' in body) issue.isPublic = toBool(body.isPublic) ?? issue.isPublic
  if (typeof body.priority === 'string') issue.priority = body.priority as IssueRec['priority']
  if (assignee !== undefined) issue.assignedTo = assignee
  return 'updated'
}
