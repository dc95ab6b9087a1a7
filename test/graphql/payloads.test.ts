import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { connectViewer, gql, type GqlResponse } from '../helpers/graphql.js'

const ta = await buildTestApp(t)
const viewer = await connectViewer(ta)

/** Every field of an event, with every entry type spelled out. */
const EVENT_FIELDS = `
  id eventID groupID projectID title message dateCreated dateReceived platform type culprit location
  tags { key value } user { id email username ipAddress name geo data }
  contexts { key type data } trace { traceId spanId parentSpanId op status }
  sdk release metadata occurrence raw
  entries {
    __typename type data
    ... on ExceptionEntry { hasSystemFrames values { type value module threadId
      mechanism { type handled synthetic description helpLink data meta }
      stacktrace { ...ST } rawStacktrace { ...ST } } }
    ... on StacktraceEntry { stacktrace { ...ST } }
    ... on ThreadsEntry { values { id name crashed current stacktrace { ...ST } rawStacktrace { ...ST } } }
    ... on BreadcrumbsEntry { values { timestamp type category level message eventId data } }
    ... on RequestEntry { method url query { key value } fragment headers { key value } cookies { key value } env body inferredContentType apiTarget }
    ... on MessageEntry { formatted message params }
    ... on SpansEntry { spans { spanId traceId parentSpanId op description status startTimestamp timestamp data } }
    ... on CspEntry { blockedUri documentUri effectiveDirective violatedDirective originalPolicy sourceFile lineNumber disposition }
  }`

const QUERY = `query ($slug: String!, $after: String) { organization(slug: $slug) { issues(first: 25, after: $after, query: "") {
  nodes {
    id shortId title culprit level status substatus priority count userCount firstSeen lastSeen permalink
    type issueType issueCategory platform logger hasSeen isBookmarked isSubscribed isPublic isUnhandled numComments
    metadata statusDetails raw
    project { id slug name platform }
    assignedTo { type id name email }
    latestEvent { ...EV }
  }
  pageInfo { hasNextPage endCursor }
} } }
fragment EV on Event { ${EVENT_FIELDS} }
fragment ST on Stacktrace { framesOmitted hasSystemFrames registers frames {
  filename absPath module package platform function rawFunction symbol lineNo colNo inApp instructionAddr symbolAddr trust vars
  context { lineNo line } } }`

for (const slug of ['acme', 'globex']) {
  t.test(`every seeded issue of ${slug}, with its latest event and every entry, answers without an error`, async (t) => {
    const categories = new Set<string>()
    const eventTypes = new Set<string>()
    const entryTypes = new Map<string, string>()
    let issues = 0
    let after: string | null = null
    for (let page = 0; page < 20; page++) {
      const res: GqlResponse<any> = await gql(ta.app, QUERY, { cookie: viewer.cookie, variables: { slug, after } })
      t.same(res.body.errors ?? [], [], `page ${page}: no errors`)
      const conn = res.body.data.organization.issues
      for (const issue of conn.nodes) {
        issues++
        categories.add(String(issue.issueCategory))
        if (issue.latestEvent !== null) {
          eventTypes.add(String(issue.latestEvent.type))
          for (const e of issue.latestEvent.entries) entryTypes.set(e.type, e.__typename)
        }
      }
      if (!conn.pageInfo.hasNextPage) break
      after = conn.pageInfo.endCursor
    }
    t.ok(issues > 0)
    t.comment(`${slug}: ${issues} issues; categories ${[...categories].join(', ')}; event types ${[...eventTypes].join(', ')}; entries ${[...entryTypes].map(([k, v]) => `${k}→${v}`).join(', ')}`)
    if (slug === 'acme') {
      t.ok(issues >= 250)
      for (const c of ['error', 'performance', 'feedback']) t.ok(categories.has(c), `category ${c} seen`)
      for (const e of ['error', 'default', 'csp', 'transaction', 'generic']) t.ok(eventTypes.has(e), `event type ${e} seen`)
      t.equal(entryTypes.get('exception'), 'ExceptionEntry')
      t.equal(entryTypes.get('breadcrumbs'), 'BreadcrumbsEntry')
      t.equal(entryTypes.get('request'), 'RequestEntry')
      t.equal(entryTypes.get('message'), 'MessageEntry')
      t.equal(entryTypes.get('spans'), 'SpansEntry')
      t.equal(entryTypes.get('csp'), 'CspEntry')
    }
  })
}

t.test('events listed without full data fetch their entries on demand, for every kind', async (t) => {
  const kinds = await gql(ta.app, `{ organization(slug: "acme") { issues(first: 12, query: "") { nodes { id issueCategory
    events(first: 3) { nodes { eventID type entries { type } contexts { key } } pageInfo { hasNextPage } }
  } } } }`, { cookie: viewer.cookie })
  t.same(kinds.body.errors ?? [], [])
  const events = kinds.body.data.organization.issues.nodes.flatMap((n: { events: { nodes: unknown[] } }) => n.events.nodes)
  t.ok(events.length >= 12)
})
