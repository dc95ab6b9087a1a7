/**
 * A/B CPU per request of two builds of the gateway, interleaved in short slices against one
 * emulator (on a shared machine, slices taken in turn see the same load; compare the ratio).
 * Usage: node --import tsx bench/ab.ts <dirA> <dirB> [query=projects] [slices=8] [requests=400]
 * (query: projects, issues or issueDetail). Each dir is a checkout whose dist/ is built; each runs
 * with its own package.json's start command. Also prints each build's highest RSS sampled under
 * load (every 250 ms). AB_CONNECTIONS (4) sets autocannon's connections, AB_LOG_LEVEL the level,
 * AB_LATENCY_MS (0) the emulator's added latency per Sentry call (EMULATOR_LATENCY_MS).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import autocannon from 'autocannon'
import { BrowserLike } from '../test/helpers/browser-like.js'
import { runConnect } from '../test/helpers/connect-flow.js'
import { type Child, cpuMs, freePort, ROOT, rssBytes, startCommand, startNode, stopAll, waitForHttp } from './processes.js'

const [dirA, dirB, query = 'projects', slicesRaw = '8', requestsRaw = '400'] = process.argv.slice(2)
if (dirA === undefined || dirB === undefined) throw new Error('usage: bench/ab.ts <dirA> <dirB> [query] [slices] [requests]')
const ORG = 'acme'
const QUERIES: Record<string, string> = {
  projects: `{ organization(slug: "${ORG}") { projects(first: 100) { nodes { id slug name platform } } } }`,
  issues: `{ organization(slug: "${ORG}") { issues(first: 100) { nodes { id title project { slug } } } } }`,
  // Filled in with the first issue of the organization's list once connected, as bench/run.ts does.
  issueDetail: `{ organization(slug: "${ORG}") { issue(id: "ISSUE_ID") { id title latestEvent { id eventID title } events(first: 10) { nodes { id } } } } }`
}
const CONNECTIONS = Number(process.env.AB_CONNECTIONS ?? 4)
const CLIENT_ID = 'ab'
const CLIENT_SECRET = randomBytes(24).toString('hex')

async function main (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-ab-'))
  const ports = [await freePort(), await freePort()]
  const urls = ports.map(p => `http://127.0.0.1:${p}`)
  const emu = startNode('emulator', join(ROOT, 'src/emulator/main.ts'), {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    EMULATOR_HOST: '127.0.0.1',
    EMULATOR_PORT: '0',
    EMULATOR_CLIENT_ID: CLIENT_ID,
    EMULATOR_CLIENT_SECRET: CLIENT_SECRET,
    EMULATOR_CLIENT_NAME: 'ab',
    EMULATOR_LATENCY_MS: process.env.AB_LATENCY_MS ?? '0',
    EMULATOR_REDIRECT_URI: urls.map(u => `${u}/oauth/sentry/callback`).join(',')
  })
  const emuUrl = (await emu.waitFor(/listening at (http:\/\/127\.0\.0\.1:\d+)/))[1] as string
  await fetch(`${emuUrl}/_emulator/rate-limit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ limit: 1e9, windowSeconds: 1 }) })
  if (QUERIES[query] === undefined) throw new Error(`unknown query ${query}: ${Object.keys(QUERIES).join(', ')}`)
  const subjects: Array<{ child: Child, url: string, cookie: string, per: number[], rssMax: number }> = []
  for (const [i, d] of [dirA, dirB].entries()) {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(ports[i]),
      HOST: '127.0.0.1',
      PUBLIC_URL: urls[i],
      SENTRY_URL: emuUrl,
      SENTRY_CLIENT_ID: CLIENT_ID,
      SENTRY_CLIENT_SECRET: CLIENT_SECRET,
      DATABASE_URL: join(dir, `g${i}.db`),
      SESSION_SECRET: randomBytes(36).toString('base64'),
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: process.env.AB_LOG_LEVEL ?? 'info'
    }
    // Each checkout as its own `npm start` runs it.
    const start = startCommand(resolve(d as string))
    const child = startNode(`gateway ${i}`, start.entry, env, start.args)
    await waitForHttp(`${urls[i]}/healthz`, child)
    const browser = new BrowserLike()
    await runConnect(browser, urls[i] as string)
    const s = browser.cookie('gateway_session')
    if (s === undefined) throw new Error('no session')
    subjects.push({ child, url: `${urls[i]}/graphql`, cookie: `${s.name}=${s.value}`, per: [] as number[], rssMax: 0 })
  }
  const first = subjects[0] as typeof subjects[number]
  const listed = await (await fetch(first.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: first.cookie },
    body: JSON.stringify({ query: `{ organization(slug: "${ORG}") { issues(first: 1) { nodes { id } } } }` })
  })).json() as { data?: { organization?: { issues?: { nodes?: Array<{ id: string }> } } } }
  const issueId = listed.data?.organization?.issues?.nodes?.[0]?.id
  if (issueId === undefined) throw new Error('the emulator lists no issue')
  const body = JSON.stringify({ query: (QUERIES[query] as string).replace('ISSUE_ID', issueId) })
  const run = async (s: typeof subjects[number], amount: number): Promise<number> => {
    const before = cpuMs(s.child.pid)
    const sample = (): void => { try { s.rssMax = Math.max(s.rssMax, rssBytes(s.child.pid)) } catch {} }
    const sampler = setInterval(sample, 250)
    const r = await autocannon({
      url: s.url,
      method: 'POST',
      connections: CONNECTIONS,
      amount,
      headers: { 'content-type': 'application/json', cookie: s.cookie },
      body,
      verifyBody: (b: string) => b.startsWith('{"data":{') && !b.includes('"errors":[')
    })
    clearInterval(sampler)
    sample()
    if (r.errors + r.non2xx + r.mismatches > 0) throw new Error(`problems: ${r.errors} ${r.non2xx} ${r.mismatches}`)
    return (cpuMs(s.child.pid) - before) / r.requests.total
  }
  for (const s of subjects) await run(s, 300)
  const ratios: number[] = []
  for (let i = 0; i < Number(slicesRaw); i++) {
    const order = i % 2 === 0 ? subjects : [...subjects].reverse()
    for (const s of order) s.per.push(await run(s, Number(requestsRaw)))
    ratios.push((subjects[1]?.per.at(-1) as number) / (subjects[0]?.per.at(-1) as number))
  }
  const med = (xs: number[]): number => { const a = [...xs].sort((x, y) => x - y); return a[Math.floor(a.length / 2)] as number }
  console.log(JSON.stringify({
    query,
    aMsPerReq: med(subjects[0]?.per ?? []).toFixed(3),
    bMsPerReq: med(subjects[1]?.per ?? []).toFixed(3),
    medianRatioBoverA: med(ratios).toFixed(3),
    ratios: ratios.map(r => r.toFixed(2)).join(' '),
    rssMaxMB: subjects.map(s => (s.rssMax / 2 ** 20).toFixed(1)).join(' ')
  }))
}

try { await main() } finally { await stopAll() }
