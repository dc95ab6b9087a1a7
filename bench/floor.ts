/**
 * The parse-and-pick floor for `npm run bench`: what any gateway that reads Sentry's answer must
 * pay, with no GraphQL at all. GET /q/<query>[?issue=<id>] makes the same upstream calls as the
 * gateway for that query (undici, fixed Bearer token, like bench/proxy.ts), `JSON.parse`s each
 * answer, keeps the fields the GraphQL query selects, and answers them serialized in the shape
 * of the GraphQL response.
 * Env: UPSTREAM_URL, UPSTREAM_TOKEN, ORG, ISSUE_LIST_COLLAPSE (the gateway's `collapse=…` query for
 * the issue list, from bench/run.ts), PORT (0 = any); prints `floor listening at <url>`.
 */
import { createServer, type ServerResponse } from 'node:http'
import { Agent, request } from 'undici'

const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:9010'
const org = process.env.ORG ?? 'acme'
const issueListCollapse = process.env.ISSUE_LIST_COLLAPSE ?? ''
const headers = { authorization: `Bearer ${process.env.UPSTREAM_TOKEN ?? ''}`, accept: 'application/json' }
const dispatcher = new Agent({ keepAliveTimeout: 10_000 })

type Json = any

async function get (path: string): Promise<Json> {
  const res = await request(upstream + path, { headers, dispatcher })
  const text = await res.body.text()
  if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode}`)
  return JSON.parse(text)
}

const queries: Record<string, (params: URLSearchParams) => Promise<unknown>> = {
  async projects () {
    const list = await get(`/api/0/organizations/${org}/projects/?per_page=100`) as Json[]
    return { organization: { projects: { nodes: list.map(p => ({ id: p.id, slug: p.slug, name: p.name, platform: p.platform ?? null })) } } }
  },
  async issues () {
    const list = await get(`/api/0/organizations/${org}/issues/?limit=100${issueListCollapse === '' ? '' : `&${issueListCollapse}`}`) as Json[]
    return { organization: { issues: { nodes: list.map(i => ({ id: i.id, title: i.title, project: { slug: i.project.slug } })) } } }
  },
  async issueDetail (params) {
    const base = `/api/0/organizations/${org}/issues/${encodeURIComponent(params.get('issue') ?? '')}/`
    const issue = await get(base)
    const [latest, events] = await Promise.all([get(`${base}events/latest/`), get(`${base}events/?per_page=10`) as Promise<Json[]>])
    return {
      organization: {
        issue: {
          id: issue.id,
          title: issue.title,
          latestEvent: { id: latest.id, eventID: latest.eventID, title: latest.title },
          events: { nodes: events.map(e => ({ id: e.id })) }
        }
      }
    }
  },
  async dashboardTimeseries () {
    const qs = 'dataset=spans&yAxis=p95(span.duration)&query=is_transaction:true&groupBy=transaction&topEvents=5&sort=-p95(span.duration)&statsPeriod=24h&interval=1h&sampling=NORMAL'
    const body = await get(`/api/0/organizations/${org}/events-timeseries/?${qs}`)
    return {
      organization: {
        timeseries: {
          series: (body.timeSeries as Json[]).map(s => ({
            groupBy: (s.groupBy ?? []).map((g: Json) => ({ key: g.key, value: g.value })),
            isOther: s.meta?.isOther === true,
            valueUnit: s.meta?.valueUnit ?? null,
            points: (s.values as Json[]).map(v => ({ timestamp: new Date(v.timestamp).toISOString(), value: v.value, incomplete: v.incomplete === true }))
          }))
        }
      }
    }
  }
}

function send (res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body)
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x')
  const run = url.pathname.startsWith('/q/') ? queries[url.pathname.slice(3)] : undefined
  if (run === undefined) return send(res, 404, '{"error":"no such query"}')
  run(url.searchParams).then(data => send(res, 200, JSON.stringify({ data })), (err: Error) => send(res, 502, JSON.stringify({ errors: [{ message: err.message }] })))
})

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as { port: number }
  console.log(`floor listening at http://127.0.0.1:${port}`)
})
