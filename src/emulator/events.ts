/**
 * Event bodies, built on demand from the real payloads in ./fixtures: one template per issue kind
 * (exception/request/breadcrumbs, message, spans, csp, generic occurrence, and a future event type
 * with an unknown entry type). Everything varies deterministically with the issue and event index.
 */
import cspEvent from './fixtures/csp-event.json' with { type: 'json' }
import defaultEvent from './fixtures/default-event.json' with { type: 'json' }
import errorEvent from './fixtures/event.json' with { type: 'json' }
import genericEvent from './fixtures/generic-event.json' with { type: 'json' }
import performanceEvent from './fixtures/performance-event.json' with { type: 'json' }
import unknownEvent from './fixtures/unknown-event.json' with { type: 'json' }
import type { EventRef, IssueKind, IssueRec, ProjectRec } from './model.js'
import { type Json, type World, projectById, serializeRelease } from './serialize.js'
import { seededSpanId, seededTraceId } from './spans.js'
import { clone, isRecord, isoDate } from './util.js'

/** Fields every event detail has (the spec's required list); templates override what they carry. */
const EVENT_DEFAULTS: Json = {
  dist: null,
  message: '',
  location: null,
  user: null,
  contexts: {},
  sdk: null,
  context: {},
  packages: {},
  errors: [],
  occurrence: null,
  crashFile: null,
  fingerprints: [],
  groupingConfig: { id: 'newstyle:2023-01-11', enhancements: 'KLUv_SAYwQAAkwKRs25ld3N0eWxlOjIwMjMtMDEtMTGQ' },
  release: null,
  userReport: null,
  sdkUpdates: [],
  resolvedWith: [],
  entries: [],
  _meta: { entries: {}, message: null, user: null, contexts: null, sdk: null, context: null, packages: null, tags: {} }
}

const TEMPLATES: Record<IssueKind, Json> = {
  error: errorEvent,
  'null-culprit': errorEvent,
  default: defaultEvent,
  feedback: defaultEvent,
  performance: performanceEvent,
  csp: cspEvent,
  regressed: genericEvent,
  unsupported: unknownEvent
}

const SDKS: Record<string, { name: string, version: string }> = {
  javascript: { name: 'sentry.javascript.react', version: '9.12.0' },
  'react-native': { name: 'sentry.javascript.react-native', version: '6.10.0' },
  node: { name: 'sentry.javascript.node', version: '9.12.0' },
  python: { name: 'sentry.python.django', version: '2.27.0' },
  go: { name: 'sentry.go', version: '0.31.1' },
  ruby: { name: 'sentry.ruby.rails', version: '5.22.0' },
  java: { name: 'sentry.java.spring-boot', version: '8.6.0' }
}

const BROWSERS = ['Chrome 142', 'Firefox 133', 'Safari 18.1', 'Edge 142']
const URLS = ['https://app.acme.example/checkout', 'https://app.acme.example/dashboard', 'https://app.acme.example/settings/profile']

function eventType (kind: IssueKind): string {
  switch (kind) {
    case 'error': case 'null-culprit': return 'error'
    case 'default': return 'default'
    case 'feedback': return 'feedback'
    case 'performance': return 'transaction'
    case 'csp': return 'csp'
    case 'regressed': return 'generic'
    case 'unsupported': return unknownEvent.type // a type newer than the spec's enum, on purpose
  }
}

function eventTags (issue: IssueRec, ref: EventRef, project: ProjectRec | undefined, k: number): Array<{ key: string, value: string }> {
  const tags: Array<{ key: string, value: string }> = [
    { key: 'environment', value: ref.environment },
    { key: 'level', value: issue.level }
  ]
  if (ref.release !== null) tags.push({ key: 'release', value: ref.release })
  const browserish = project?.platform === 'javascript' || project?.platform === 'react-native'
  if (browserish) {
    const browser = BROWSERS[(Number(issue.id.slice(-3)) + k) % BROWSERS.length] ?? 'Chrome 142'
    tags.push({ key: 'browser', value: browser }, { key: 'browser.name', value: browser.split(' ')[0] ?? browser })
    tags.push({ key: 'url', value: URLS[k % URLS.length] ?? 'https://app.acme.example/' })
  } else {
    tags.push({ key: 'server_name', value: `web-${(Number(issue.id.slice(-2)) + k) % 4 + 1}` })
    tags.push({ key: 'transaction', value: issue.culprit ?? '/' })
  }
  if (issue.kind === 'error' || issue.kind === 'null-culprit') tags.push({ key: 'handled', value: issue.isUnhandled ? 'no' : 'yes' })
  if (k % 2 === 0) tags.push({ key: 'user', value: `id:${1000 + k}` })
  return tags.sort((a, b) => a.key.localeCompare(b.key))
}

function eventUser (k: number, template: unknown): Json | null {
  if (k % 2 === 1) return isRecord(template) ? template : null
  return { id: String(1000 + k), email: `user${1000 + k}@example.com`, username: null, ip_address: '203.0.113.10', name: null, geo: { country_code: 'DE', city: 'Berlin', region: 'Germany' }, data: null }
}

/** Adjust the template's entries to this issue (exception type/value, the culprit frame, request URL). */
function adaptEntries (issue: IssueRec, entries: unknown, k: number): unknown[] {
  const list = Array.isArray(entries) ? clone(entries) as unknown[] : []
  for (const entry of list) {
    if (!isRecord(entry) || !isRecord(entry.data)) continue
    if (entry.type === 'exception' && Array.isArray(entry.data.values)) {
      const value = entry.data.values[0]
      if (isRecord(value)) {
        value.type = issue.metadata.type ?? 'Error'
        value.value = issue.metadata.value ?? issue.title
        if (isRecord(value.mechanism)) value.mechanism.handled = !issue.isUnhandled
        const frames = isRecord(value.stacktrace) && Array.isArray(value.stacktrace.frames) ? value.stacktrace.frames as unknown[] : []
        const last = frames[frames.length - 1]
        if (isRecord(last)) {
          last.function = issue.metadata.function ?? null
          last.filename = issue.metadata.filename ?? null
          last.lineNo = 100 + k
        }
      }
    }
    if (entry.type === 'request') entry.data.url = URLS[k % URLS.length]
    if (entry.type === 'message') entry.data.formatted = issue.title
  }
  if (issue.kind === 'unsupported') {
    // An entry type no client knows yet: it must come through as opaque JSON.
    list.push({ type: 'ai_trace', data: { steps: 3, model: 'future-model-1', tokens: { input: 1200, output: 340 } } })
  }
  return list
}

function occurrence (template: unknown, ref: EventRef, project: ProjectRec | undefined, issue: IssueRec): unknown {
  if (!isRecord(template)) return null
  return { ...clone(template), id: ref.eventId.split('').reverse().join(''), eventId: ref.eventId, projectId: Number(project?.id ?? 0), issueTitle: issue.title, culprit: issue.culprit }
}

function releaseOf (w: World, issue: IssueRec, version: string | null): Json | null {
  const r = version === null ? undefined : w.data.releases.find((x) => x.orgId === issue.orgId && x.version === version)
  if (r === undefined) return null
  const { id, commitCount, data, dateCreated, dateReleased, deployCount, ref, lastCommit, lastDeploy, status, url, userAgent, versionInfo } = serializeRelease(w, r)
  return { id, commitCount, data, dateCreated, dateReleased, deployCount, ref, lastCommit, lastDeploy, status, url, userAgent, version: r.version, versionInfo }
}

/** The full event (GET …/events/{event_id}/ and `full=true` lists). */
export function buildEvent (w: World, issue: IssueRec, index: number): Json {
  const ref = issue.events[index]
  if (ref === undefined) throw new Error(`no event ${index} for issue ${issue.id}`)
  const template = TEMPLATES[issue.kind]
  const project = projectById(w, issue.projectId)
  const platform = project?.platform ?? 'other'
  const type = eventType(issue.kind)
  const receivedMs = ref.dateMs + 700 + index
  const body: Json = {
    ...clone(EVENT_DEFAULTS),
    ...clone(template),
    id: ref.eventId,
    eventID: ref.eventId,
    groupID: issue.id,
    projectID: issue.projectId,
    type,
    title: issue.kind === 'performance' ? issue.culprit ?? issue.title : issue.title,
    culprit: issue.culprit,
    location: issue.kind === 'error' || issue.kind === 'null-culprit' ? issue.metadata.filename ?? null : template.location ?? null,
    metadata: issue.metadata,
    platform: issue.kind === 'csp' ? 'other' : platform,
    dateCreated: ref.dateCreated,
    dateReceived: isoDate(receivedMs, 6, index * 111),
    entries: adaptEntries(issue, template.entries, index),
    tags: eventTags(issue, ref, project, index),
    user: eventUser(index, template.user),
    sdk: issue.kind === 'csp' ? null : SDKS[platform] ?? null,
    release: releaseOf(w, issue, ref.release),
    occurrence: occurrence(template.occurrence, ref, project, issue),
    fingerprints: [ref.eventId.slice(0, 16) + issue.id.padStart(16, '0').slice(-16)],
    previousEventID: issue.events[index - 1]?.eventId ?? null,
    nextEventID: issue.events[index + 1]?.eventId ?? null
  }
  if (issue.kind === 'default' || issue.kind === 'feedback') body.message = issue.title
  if (issue.kind === 'feedback') {
    body.entries = []
    body.contexts = { feedback: { message: issue.metadata.value, contact_email: 'reporter@example.com', name: 'Example Reporter', url: URLS[0], source: 'new_feedback_envelope' } }
  }
  // Each event has its own trace, which GET …/trace/{trace_id}/ resolves (spans.ts seededTrace).
  if (isRecord(body.contexts) && isRecord(body.contexts.trace)) {
    body.contexts.trace = { ...body.contexts.trace, trace_id: seededTraceId(ref.eventId), span_id: seededSpanId(ref.eventId) }
  }
  // The spec's event schema has no `datetime`; only some payloads carry it.
  delete body.datetime
  return body
}

/** An item of GET /organizations/{org}/issues/{id}/events/ without `full` (SimpleEventSerializer). */
export function buildEventListItem (w: World, issue: IssueRec, index: number): Json {
  const e = buildEvent(w, issue, index)
  return {
    id: e.id,
    'event.type': e.type,
    groupID: e.groupID,
    eventID: e.eventID,
    projectID: e.projectID,
    message: typeof e.message === 'string' ? e.message : '',
    title: e.title,
    location: e.location,
    culprit: e.culprit,
    user: e.user,
    tags: e.tags,
    platform: e.platform,
    dateCreated: e.dateCreated,
    crashFile: null,
    metadata: e.metadata
  }
}

/** Tag keys and values of an issue, aggregated over its stored events, scaled to the issue's count. */
export function issueTagValues (w: World, issue: IssueRec): Map<string, Array<{ value: string, count: number, firstSeen: string, lastSeen: string }>> {
  const project = projectById(w, issue.projectId)
  const perEvent = issue.count / issue.events.length
  const out = new Map<string, Array<{ value: string, count: number, firstSeen: string, lastSeen: string }>>()
  issue.events.forEach((ref, k) => {
    for (const { key, value } of eventTags(issue, ref, project, k)) {
      const values = out.get(key) ?? []
      const existing = values.find((v) => v.value === value)
      if (existing === undefined) {
        values.push({ value, count: Math.max(1, Math.round(perEvent)), firstSeen: ref.dateCreated, lastSeen: ref.dateCreated })
      } else {
        existing.count += Math.max(1, Math.round(perEvent))
        existing.lastSeen = ref.dateCreated
      }
      out.set(key, values)
    }
  })
  for (const values of out.values()) values.sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
  return out
}

/** "browser.name" → "Browser.Name", as in payloads/tags.json; a few keys have fixed names. */
export function tagName (key: string): string {
  const fixed: Record<string, string> = { url: 'URL', os: 'OS', server_name: 'Server', user: 'User' }
  return fixed[key] ?? key.split('.').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('.')
}
