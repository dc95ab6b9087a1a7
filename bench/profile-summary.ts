/**
 * Summarises a V8 .cpuprofile (node --cpu-prof) by self time: per package / module and per
 * function. `npm run bench` calls it on the profiled gateway; standalone:
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=25] [fromUs toUs]
 */
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'

interface CallFrame { functionName: string, url: string, lineNumber: number, columnNumber: number }
interface ProfileNode { id: number, callFrame: CallFrame, children?: number[] }
interface CpuProfile { nodes: ProfileNode[], startTime: number, endTime: number, samples: number[], timeDeltas: number[] }

export interface Row { name: string, ms: number, pct: number }
export interface ProfileSummary {
  file: string
  /** Sampled wall time (ms), idle included. */
  totalMs: number
  /** Sampled time the thread was not idle (ms); percentages are of this. */
  busyMs: number
  /** Self time by package (node_modules), gateway folder (src/…), node: module, or V8 bucket. */
  byModule: Row[]
  /** Self time by broad area (GraphQL, HTTP server, upstream HTTP, …). */
  byArea: Row[]
  byFunction: Row[]
}

const ROOT = fileURLToPath(new URL('../', import.meta.url))

function pathOf (url: string): string {
  return url.startsWith('file://') ? fileURLToPath(url) : url
}

/** The bucket a frame's self time goes to. */
export function moduleOf (frame: CallFrame): string {
  const { url, functionName } = frame
  if (url === '') {
    if (functionName === '(garbage collector)') return '(garbage collector)'
    if (functionName === '(program)') return '(program: V8/native)'
    if (functionName === '(idle)') return '(idle)'
    if (functionName === '(root)') return '(root)'
    return '(native builtins)'
  }
  if (url.startsWith('node:')) {
    const parts = url.slice('node:'.length).split('/')
    return `node:${parts[0] === 'internal' ? parts.slice(0, Math.min(parts.length, 2)).join('/').replace(/\.js$/, '') : (parts[0] ?? '')}`
  }
  const path = pathOf(url)
  const nm = path.lastIndexOf('/node_modules/')
  if (nm !== -1) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/')
    return rest[0]?.startsWith('@') === true ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? '?')
  }
  if (path.startsWith(ROOT)) {
    const rel = relative(ROOT, path).split('/')
    // The build (dist/) mirrors src/: its modules count as their sources.
    if (rel[0] === 'dist') rel[0] = 'src'
    // src/graphql/resolvers/x.ts → src/graphql; src/app.ts → src/app.ts
    return rel.length > 2 ? rel.slice(0, 2).join('/') : rel.join('/')
  }
  return path
}

const AREAS: Array<[RegExp, string]> = [
  [/^(graphql|mercurius|graphql-jit|@mercurius\/|mqemitter|single-user-cache|tiny-lru|@graphql-tools\/)/, 'GraphQL (mercurius + graphql-js)'],
  [/^src\/graphql/, 'gateway: GraphQL resolvers, limits, loaders'],
  [/^src\/sentry/, 'gateway: Sentry client'],
  [/^src\/(db|plugins|routes|identity|app|errors|config)/, 'gateway: session, store, plugins'],
  [/^(better-sqlite3|drizzle-orm)/, 'SQLite (better-sqlite3 + drizzle)'],
  [/^(@fastify\/secure-session|sodium-native|sodium-universal|@fastify\/cookie|cookie)/, 'session cookie (secure-session, sodium)'],
  [/^(fastify|avvio|find-my-way|light-my-request|@fastify\/|fast-json-stringify|safe-regex2|toad-cache|abstract-logging|pino|process-warning|rfdc|fast-querystring|secure-json-parse|content-type|@fastify\/helmet|helmet)/, 'HTTP framework (fastify, plugins, pino)'],
  [/^undici/, 'upstream HTTP client (undici)'],
  [/^node:(internal\/http|http|_http|net|internal\/stream|stream|internal\/streams|internal\/net|internal\/dns|dns|tls)/, 'node: http / net / streams'],
  [/^node:/, 'node: other (timers, async hooks, buffers, …)'],
  [/^\(garbage collector\)$/, 'GC'],
  [/^\(native builtins\)$/, 'native builtins (JSON, RegExp, …)'],
  [/^\(program/, 'V8 / native (program)'],
  [/^(tsx|esbuild|get-tsconfig)/, 'tsx loader']
]

/** ' pkg/file.js:line', ' src/file.ts' (tsx-compiled lines are not the source's) or ' node:module:line'. */
function locationOf (frame: CallFrame): string {
  if (frame.url === '') return ''
  const path = pathOf(frame.url)
  const nm = path.lastIndexOf('/node_modules/')
  if (nm !== -1) return ` ${path.slice(nm + '/node_modules/'.length)}:${frame.lineNumber + 1}`
  if (path.startsWith(ROOT)) return ` ${relative(ROOT, path)}`
  return ` ${path}:${frame.lineNumber + 1}`
}

export function areaOf (module: string): string {
  for (const [re, name] of AREAS) if (re.test(module)) return name
  return module.startsWith('src/') ? 'gateway: other' : `other: ${module}`
}

function rows (map: Map<string, number>, busy: number, top: number): Row[] {
  return [...map].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: Math.round((us / busy) * 1000) / 10 }))
}

/**
 * Self time per function, package and area. `window` keeps only the samples taken between two
 * CLOCK_MONOTONIC instants in µs (`process.hrtime.bigint() / 1000n` in any process on the
 * machine: V8 stamps samples with the same clock), e.g. the measured load without the start-up.
 */
export function summarizeProfile (file: string, top = 25, window?: { fromUs: number, toUs: number }): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const nodes = new Map(profile.nodes.map(n => [n.id, n]))
  const selfUs = new Map<number, number>()
  let at = profile.startTime
  // timeDeltas[i + 1] is how long sample i ran (what Chrome DevTools does).
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0
    if (window !== undefined && (at < window.fromUs || at > window.toUs)) continue
    const id = profile.samples[i] as number
    const dt = profile.timeDeltas[i + 1] ?? 0
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt))
  }
  const byModule = new Map<string, number>()
  const byArea = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let total = 0
  let busy = 0
  for (const [id, us] of selfUs) {
    const frame = (nodes.get(id) as ProfileNode).callFrame
    const mod = moduleOf(frame)
    total += us
    if (mod === '(idle)' || mod === '(root)') continue
    busy += us
    byModule.set(mod, (byModule.get(mod) ?? 0) + us)
    const area = areaOf(mod)
    byArea.set(area, (byArea.get(area) ?? 0) + us)
    const fn = `${frame.functionName === '' ? '(anonymous)' : frame.functionName}${locationOf(frame)}`
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us)
  }
  const b = busy === 0 ? 1 : busy
  return {
    file,
    totalMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    byModule: rows(byModule, b, top),
    byArea: rows(byArea, b, top),
    byFunction: rows(byFunction, b, top)
  }
}

export function printProfileSummary (s: ProfileSummary, top = 15): void {
  console.log(`Profile ${s.file}: ${s.busyMs} ms busy of ${s.totalMs} ms sampled (self time)`)
  console.log('\nBy area:')
  console.table(s.byArea.slice(0, top).map(r => ({ area: r.name, 'self ms': r.ms, '%': r.pct })))
  console.log('By package / module:')
  console.table(s.byModule.slice(0, top).map(r => ({ module: r.name, 'self ms': r.ms, '%': r.pct })))
  console.log('By function:')
  console.table(s.byFunction.slice(0, top).map(r => ({ function: r.name, 'self ms': r.ms, '%': r.pct })))
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2]
  if (file === undefined) {
    console.error('usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]')
    process.exit(2)
  }
  const top = Number(process.argv[3] ?? 25)
  const [from, to] = [process.argv[4], process.argv[5]].map(Number)
  printProfileSummary(summarizeProfile(file, top, from !== undefined && to !== undefined && from > 0 && to > 0 ? { fromUs: from, toUs: to } : undefined), top)
}
