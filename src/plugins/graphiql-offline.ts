import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, normalize } from 'node:path'
import { OPERATIONS_DIR } from '../graphql/persisted.js'

/**
 * Serves GraphiQL without a CDN. Mercurius' page loads graphiql, react and react-dom from
 * unpkg (hard-coded in its static/main.js and static/sw.js), which renders a blank page
 * offline or under a strict CSP. We answer those two files with the CDN prefix rewritten to
 * /graphiql/vendor/, and serve the packages' own UMD files from node_modules.
 * @see mercurius static/main.js (its `importDependencies` CDN URLs) — re-check when mercurius bumps graphiql/react.
 */
const require = createRequire(import.meta.url)
const VENDOR_PACKAGES = new Set(['graphiql', 'react', 'react-dom'])
const CDN_PREFIX = /https:\/\/[^/'"]+\/(?=(?:graphiql|react|react-dom)@)/g
/**
 * Mercurius appends the three scripts dynamically, and dynamic scripts run in whatever order they
 * arrive: react-dom (or graphiql) can run before react and the page stays blank. `async = false`
 * makes the browser run them in insertion order.
 */
const ORDERED_SCRIPTS: [string, string] = ['script.src = url', 'script.async = false\n      script.src = url']

/**
 * Example operations GraphiQL opens as tabs when the browser has none stored yet (GraphiQL's
 * `defaultTabs`): the latency dashboard, a trace view and release health, from src/graphql/operations/.
 */
export const EXAMPLE_TABS: ReadonlyArray<{ file: string, variables: Record<string, unknown> }> = [
  { file: 'latency-dashboard.graphql', variables: { slug: 'acme', statsPeriod: '24h' } },
  { file: 'trace-view.graphql', variables: { slug: 'acme', traceId: 'b4d1aae7216b47ff8117cf4e09ce9d0b' } },
  { file: 'release-health.graphql', variables: { slug: 'acme', statsPeriod: '24h' } }
]
const DEFAULT_TABS: [string, string] = ['shouldPersistHeaders: true,', 'shouldPersistHeaders: true,\n      defaultTabs: window.GATEWAY_EXAMPLE_TABS,']

function exampleTabs (): string {
  const tabs = EXAMPLE_TABS.map(({ file, variables }) => ({
    query: readFileSync(join(OPERATIONS_DIR, file), 'utf8'),
    variables: JSON.stringify(variables, null, 2)
  }))
  // JSON inside a script: `<` escaped so no operation text can close the script element.
  return `window.GATEWAY_EXAMPLE_TABS = ${JSON.stringify(tabs).replace(/</g, '\\u003c')}\n`
}

export default fp(async function graphiqlOffline (app: FastifyInstance) {
  const mercuriusStatic = join(dirname(require.resolve('mercurius/package.json')), 'static')
  const rewritten = new Map(['main.js', 'sw.js'].map((name) => [
    `/graphiql/${name}`,
    readFileSync(join(mercuriusStatic, name), 'utf8').replaceAll(CDN_PREFIX, '/graphiql/vendor/').replace(...ORDERED_SCRIPTS)
  ]))
  const main = rewritten.get('/graphiql/main.js')
  if (main !== undefined) rewritten.set('/graphiql/main.js', exampleTabs() + main.replace(...DEFAULT_TABS))
  // Before mercurius' own routes answer: same URLs, rewritten bodies.
  app.addHook('onRequest', (request, reply, done) => {
    // Every request passes here: only GET /graphiql/… goes further than one string comparison.
    const body = request.method === 'GET' && request.url.startsWith('/graphiql/') ? rewritten.get(request.url.replace(/\?.*$/s, '')) : undefined
    // Answered here (Fastify: a callback hook that sends does not call done).
    if (body !== undefined) reply.type('application/javascript; charset=utf-8').send(body)
    else done()
  })

  app.get<{ Params: { '*': string } }>('/graphiql/vendor/*', {
    schema: { params: { type: 'object', required: ['*'], properties: { '*': { type: 'string' } } } }
  }, async (request, reply) => {
    const m = /^((?:@[^/]+\/)?[^@/]+)@[^/]+\/(.+)$/.exec(request.params['*'])
    const name = m?.[1]
    const rest = m?.[2] === undefined ? '' : normalize(m[2])
    if (name === undefined || !VENDOR_PACKAGES.has(name) || rest.startsWith('..') || rest.startsWith('/')) {
      return await reply.code(404).send({ error: 'NOT_FOUND', message: 'No such GraphiQL asset.' })
    }
    let file: Buffer
    try {
      file = readFileSync(join(dirname(require.resolve(`${name}/package.json`)), rest))
    } catch {
      return await reply.code(404).send({ error: 'NOT_FOUND', message: 'No such GraphiQL asset.' })
    }
    const type = rest.endsWith('.css') ? 'text/css; charset=utf-8' : rest.endsWith('.js') ? 'application/javascript; charset=utf-8' : 'application/octet-stream'
    return await reply.type(type).header('cache-control', 'public, max-age=86400').send(file)
  })
}, { name: 'graphiql-offline' })
