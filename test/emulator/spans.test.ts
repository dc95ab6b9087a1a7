/** Generated performance data: the per-emulator span cache and the segments-only generation (src/emulator/spans.ts). */
import t from 'tap'
import type { OrgRec } from '../../src/emulator/model.js'
import { EmulatorState, resolveOptions } from '../../src/emulator/state.js'
import { SpanCache } from '../../src/emulator/span-cache.js'
import { MINUTE_MS, spanProjects, spansInWindow, traceSpans } from '../../src/emulator/spans.js'

const NOW = Date.parse('2026-11-30T07:13:27.123Z')

function world (): { state: EmulatorState, org: OrgRec } {
  const state = new EmulatorState(resolveOptions({ now: () => NOW }))
  const org = state.data.orgs.find((o) => o.slug === 'acme')
  if (org === undefined) throw new Error('no acme')
  return { state, org }
}

t.test('segments-only generation gives exactly the segments of the full generation, in the same order', async (t) => {
  const full = world()
  const segs = world()
  const start = NOW - 3 * 3_600_000
  const all = spansInWindow(full.state, full.org, spanProjects(full.state, full.org), start, NOW)
  const onlySegments = spansInWindow(segs.state, segs.org, spanProjects(segs.state, segs.org), start, NOW, true)
  t.ok(onlySegments.length > 50, `${onlySegments.length} segments`)
  t.same(onlySegments, all.filter((s) => s.isTransaction), 'same records, self time included')
  // A trace id from the segments-only pass resolves to the same segment.
  const seg = onlySegments[7]
  t.same(traceSpans(segs.state, segs.org, seg?.traceId ?? '')?.[0], seg)
})

t.test('the cache lives on the emulator state: a repeat generates nothing, a reset empties it', async (t) => {
  const { state, org } = world()
  const slots = spanProjects(state, org)
  t.equal(state.spanCache.size, 0)
  const first = spansInWindow(state, org, slots, NOW - 30 * MINUTE_MS, NOW, true)
  const size = state.spanCache.size
  t.equal(size, 31 * slots.length, 'one entry per (project, minute)')
  const again = spansInWindow(state, org, slots, NOW - 30 * MINUTE_MS, NOW, true)
  t.equal(state.spanCache.size, size)
  t.ok(again.every((s, i) => s === first[i]), 'the same records, not regenerated')
  // Asking for every span upgrades the entries; the segments then come from the full pass.
  const all = spansInWindow(state, org, slots, NOW - 30 * MINUTE_MS, NOW)
  t.equal(state.spanCache.size, size)
  t.same(all.filter((s) => s.isTransaction), first)
  t.ok(all.length > first.length)
  state.resetWorld()
  t.equal(state.spanCache.size, 0, 'a reset world starts with an empty cache')
  const other = world()
  t.equal(other.state.spanCache.size, 0, 'another emulator has its own cache')
})

t.test('the cache is bounded and drops the least recently used entry', async (t) => {
  const cache = new SpanCache(3)
  const entry = { segments: [], all: null }
  cache.set('a', entry)
  cache.set('b', entry)
  cache.set('c', entry)
  t.equal(cache.get('a'), entry, 'a is now the most recent')
  cache.set('d', entry)
  t.equal(cache.size, 3)
  t.equal(cache.get('b'), undefined, 'b, the least recently used, was dropped')
  t.equal(cache.get('a'), entry)
  t.equal(cache.get('c'), entry)
})
