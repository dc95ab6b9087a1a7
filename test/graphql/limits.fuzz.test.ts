/**
 * Fuzz (issue 10): 1,000 + 30 seeded, grammar-based random GraphQL documents (test/helpers/
 * fuzz.ts), mostly valid, some broken, some abusive. No answer is a 5xx, every error carries a
 * code, nothing crashes, and a signed-in request never makes more upstream calls than
 * GRAPHQL_MAX_UPSTREAM_CALLS. Runs through app.inject (no socket needed); bounded by a fixed count.
 * Set FUZZ_SEED to replay another seed.
 */
import { buildSchema } from 'graphql'
import t from 'tap'
import { loadSchema } from '../../src/graphql/schema.js'
import { buildTestApp } from '../helpers/app.js'
import { chance, randomDocument, rng } from '../helpers/fuzz.js'
import { connectViewer } from '../helpers/graphql.js'
import { counters, resetCounters } from '../helpers/emulator.js'

const SEED = Number(process.env.FUZZ_SEED ?? 20261130)
const ANONYMOUS = 1000
const SIGNED_IN = 30
const MAX_CALLS = 8

const schema = buildSchema(loadSchema().join('\n'))
const ta = await buildTestApp(t, { env: { GRAPHQL_MAX_UPSTREAM_CALLS: String(MAX_CALLS) } })
const viewer = await connectViewer(ta)

interface Outcome { status: number, codes: string[], limit?: string }

async function send (query: string, cookie?: string): Promise<Outcome> {
  const r = rng(query.length)
  const res = await ta.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: {
      'content-type': chance(r, 0.1) ? 'application/json; charset=utf-8' : 'application/json',
      accept: chance(r, 0.5) ? 'application/graphql-response+json' : 'application/json',
      ...(cookie === undefined ? {} : { cookie })
    },
    payload: JSON.stringify({ query, variables: chance(r, 0.3) ? { v: 100, flag: true } : undefined })
  })
  const body = res.json() as { errors?: Array<{ message: string, extensions?: { code?: string, limit?: string } }> }
  const codes = (body.errors ?? []).map((e) => e.extensions?.code ?? 'MISSING')
  return { status: res.statusCode, codes, limit: body.errors?.[0]?.extensions?.limit }
}

t.test(`${ANONYMOUS} random documents without a session (seed ${SEED})`, async (t) => {
  const r = rng(SEED)
  const tally: Record<string, number> = {}
  let fiveHundreds = 0
  let missing = 0
  for (let i = 0; i < ANONYMOUS; i++) {
    const query = randomDocument(r, schema)
    const out = await send(query)
    if (out.status >= 500) {
      fiveHundreds++
      t.fail(`5xx for ${JSON.stringify(query.slice(0, 300))}: ${out.status} ${out.codes.join(',')}`)
    }
    if (out.codes.includes('MISSING')) {
      missing++
      t.fail(`an error without a code for ${JSON.stringify(query.slice(0, 300))}`)
    }
    const key = out.limit ?? out.codes[0] ?? 'ok'
    tally[key] = (tally[key] ?? 0) + 1
  }
  t.equal(fiveHundreds, 0, 'no 5xx')
  t.equal(missing, 0, 'every error has a code')
  t.comment(`outcomes: ${JSON.stringify(tally)}`)
  t.ok(Object.keys(tally).length >= 5, 'the documents reach several different outcomes')
  // The generator reaches the interesting outcomes (a generator that only made syntax errors would prove little).
  t.ok((tally.UNAUTHENTICATED ?? 0) > 0 && (tally.GRAPHQL_VALIDATION_FAILED ?? 0) > 0, 'both executed and invalid documents were produced')
})

t.test(`${SIGNED_IN} random documents with a session: never more upstream calls than the limit`, async (t) => {
  const r = rng(SEED + 1)
  let over = 0
  let ran = 0
  for (let i = 0; i < SIGNED_IN; i++) {
    const query = randomDocument(r, schema, { maxDepth: 8, maxWidth: 3 })
    await resetCounters(ta.emulator)
    const out = await send(query, viewer.cookie)
    const made = (await counters(ta.emulator)).apiRequests
    t.ok(out.status < 500, `not a 5xx (${out.status})`)
    if (made > MAX_CALLS) {
      over++
      t.fail(`${made} upstream calls for ${JSON.stringify(query.slice(0, 300))}`)
    }
    if (made > 0) ran++
  }
  t.equal(over, 0, `never more than ${MAX_CALLS} upstream calls`)
  t.ok(ran > 0, `${ran} documents reached Sentry`)
})
