import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, normalize } from 'node:path'

/**
 * Serves GraphiQL without a CDN. Mercurius' page loads graphiql, react and react-dom from
 * unpkg (hard-coded in its static/main.js and static/sw.js), which renders a blank page
 * offline or under a strict CSP. We answer those two files with the CDN prefix rewritten to
 * /graphiql/vendor/, and serve the packages' own UMD files from node_modules.
 * @see /work/shared/toolchain.md "GraphiQL offline" — re-check when mercurius bumps graphiql/react.
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

export default fp(async function graphiqlOffline (app: FastifyInstance) {
  const mercuriusStatic = join(dirname(require.resolve('mercurius/package.json')), 'static')
  const rewritten = new Map(['main.js', 'sw.js'].map((name) => [
    `/graphiql/${name}`,
    readFileSync(join(mercuriusStatic, name), 'utf8').replaceAll(CDN_PREFIX, '/graphiql/vendor/').replace(...ORDERED_SCRIPTS)
  ]))
  // Before mercurius' own routes answer: same URLs, rewritten bodies.
  app.addHook('onRequest', async (request, reply) => {
    const body = request.method === 'GET' ? rewritten.get(request.url.replace(/\?.*$/s, '')) : undefined
    if (body !== undefined) return await reply.type('application/javascript; charset=utf-8').send(body)
  })

  app.get<{ Params: { '*': string } }>('/graphiql/vendor/*', async (request, reply) => {
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
