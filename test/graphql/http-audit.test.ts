/**
 * The GraphQL-over-HTTP server audit of the graphql-http package (the spec's reference
 * implementation, https://github.com/graphql/graphql-http#audits) against a listening gateway.
 * Prints the counts per requirement level; every MUST and at least 90 % of the SHOULDs pass.
 */
import t from 'tap'
import { serverAudits } from 'graphql-http'
import { buildTestApp } from '../helpers/app.js'

t.test('graphql-http server audit: 100 % MUST, at least 90 % SHOULD', async (t) => {
  const { url } = await buildTestApp(t, { listen: true })
  const counts: Record<string, { ok: number, total: number, failed: string[] }> = {}
  for (const audit of serverAudits({ url: `${url}/graphql` })) {
    const level = audit.name.split(' ')[0] as string
    const c = counts[level] ??= { ok: 0, total: 0, failed: [] }
    const result = await audit.fn()
    c.total++
    if (result.status === 'ok') c.ok++
    else c.failed.push(`${audit.name}: ${result.reason}`)
  }
  for (const [level, c] of Object.entries(counts)) {
    t.comment(`graphql-http audit ${level}: ${c.ok}/${c.total} pass${c.failed.length > 0 ? `; not passed: ${c.failed.join(' | ')}` : ''}`)
    console.log(`graphql-http audit ${level}: ${c.ok}/${c.total}`)
  }
  t.equal(counts.MUST?.ok, counts.MUST?.total, `every MUST passes: ${counts.MUST?.failed.join(' | ')}`)
  t.ok((counts.MUST?.total ?? 0) >= 13, 'the audit ran its MUST checks')
  const should = counts.SHOULD ?? { ok: 0, total: 1, failed: [] }
  t.ok(should.ok / should.total >= 0.9, `SHOULD: ${should.ok}/${should.total} (at least 90 %)`)
})
