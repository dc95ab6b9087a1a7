/**
 * Times the emulator's dashboard time series (p95 per transaction over 24 h, top 5) and a 24 h
 * span table, cold (first request of a fresh emulator) and warm (repeats), and prints the figures.
 * Usage: npx tsx bench/emulator-timeseries.ts [repeats]
 */
import { startEmulator } from '../src/emulator/index.js'

const repeats = Number(process.argv[2] ?? 5)
const emulator = await startEmulator({ clients: [{ clientId: 'bench', clientSecret: 'bench-secret-0123456789abcdef', name: 'bench', redirectUris: ['http://127.0.0.1/cb'] }] })
const token = emulator.control.issueToken({ clientId: 'bench', scopes: ['org:read', 'project:read', 'event:read'] }).access_token
const paths: Record<string, string> = {
  'dashboard timeseries': '/api/0/organizations/acme/events-timeseries/?' + new URLSearchParams([
    ['dataset', 'spans'], ['yAxis', 'p95(span.duration)'], ['query', 'is_transaction:true'], ['groupBy', 'transaction'],
    ['topEvents', '5'], ['sort', '-p95(span.duration)'], ['statsPeriod', '24h'], ['interval', '1h'], ['project', '-1']
  ]).toString(),
  'table 24h by transaction': '/api/0/organizations/acme/events/?' + new URLSearchParams([
    ['dataset', 'spans'], ['field', 'transaction'], ['field', 'count()'], ['field', 'p95(span.duration)'], ['query', 'is_transaction:true'],
    ['sort', '-count()'], ['statsPeriod', '24h'], ['project', '-1']
  ]).toString()
}
try {
  for (const [name, path] of Object.entries(paths)) {
    const times: number[] = []
    let digest = ''
    for (let i = 0; i <= repeats; i++) {
      const t0 = performance.now()
      const res = await fetch(emulator.url + path, { headers: { authorization: `Bearer ${token}` } })
      const text = await res.text()
      times.push(performance.now() - t0)
      if (res.status !== 200) throw new Error(`${name}: ${res.status} ${text.slice(0, 200)}`)
      digest = `${text.length} bytes`
    }
    const warm = times.slice(1).sort((a, b) => a - b)
    console.log(`${name}: first ${times[0]?.toFixed(1)} ms, warm median ${warm[Math.floor(warm.length / 2)]?.toFixed(1)} ms (${repeats} repeats, ${digest})`)
  }
} finally {
  await emulator.close()
}
