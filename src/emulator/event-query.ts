/**
 * The subset of Sentry's event query language the emulator understands, shared by the table
 * (`/events/`) and the time series (`/events-timeseries/`): search filters, fields, functions
 * and their `meta` types, with Sentry's own error messages for what it refuses.
 * Sources: S:src/sentry/api/event_search.py (filters), S:src/sentry/search/eap/spans/aggregates.py
 * and formulas.py (functions), S:src/sentry/utils/snuba.py handle_unit_meta (meta types).
 * Only the subset documented in README §"Performance data" is implemented; anything else is
 * refused with a 400 like Sentry's, never silently ignored.
 */
import { badRequest } from './http.js'

export type Value = string | number | boolean | null

/** A dataset: how to read a field of a row, and what the field is. */
export interface Dataset<R> {
  name: string
  /** The field's value, or undefined when the dataset does not know the field (a tag: null everywhere). */
  value: (row: R, field: string) => Value | undefined
  /** Sentry's meta type and unit of a plain field. */
  fieldMeta: (field: string) => FieldMeta
  timestampMs: (row: R) => number
  /** failure_rate(): the span status is not ok, cancelled or unknown (S: formulas.py failure_rate). */
  failed: (row: R) => boolean
  /** Where free text is searched. */
  text: (row: R) => string
  /** A stable identity for count_unique when the field is a row id. */
  defaultNumericField: string
}

export interface FieldMeta { type: string, unit: string | null }

export const MAX_FIELDS = 20

/** The InvalidSearchQuery text for a query the parser cannot read (S: event_search.py). */
function parseError (rest: string, column: number): never {
  throw badRequest(`Parse error at '${rest.slice(0, 20)}' (column ${column}). This is commonly caused by unmatched parentheses. Enclose any text in double quotes.`)
}

// ---------------------------------------------------------------------------------------------
// Filters

type Op = '=' | '!=' | '>' | '<' | '>=' | '<='
export type Filter =
  | { kind: 'and', items: Filter[] }
  | { kind: 'or', items: Filter[] }
  | { kind: 'term', key: string, op: Op, values: string[], negated: boolean }
  | { kind: 'has', key: string, negated: boolean }
  | { kind: 'text', text: string }

interface Token { text: string, column: number }

function tokenize (query: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < query.length) {
    const c = query[i] as string
    if (/\s/.test(c)) { i++; continue }
    if (c === '(' || c === ')') {
      // "(" right after a word is part of a function key like count():>5.
      tokens.push({ text: c, column: i + 1 })
      i++
      continue
    }
    const start = i
    let inQuote = false
    let bracket = 0
    let parens = 0
    while (i < query.length) {
      const ch = query[i] as string
      if (ch === '"' && query[i - 1] !== '\\') inQuote = !inQuote
      else if (!inQuote && ch === '[') bracket++
      else if (!inQuote && ch === ']') bracket--
      else if (!inQuote && bracket === 0 && ch === '(' && i > start && /[a-z0-9_]/i.test(query[i - 1] as string)) parens++
      else if (!inQuote && bracket === 0 && ch === ')' && parens > 0) parens--
      else if (!inQuote && bracket === 0 && parens === 0 && (/\s/.test(ch) || ch === '(' || ch === ')')) break
      i++
    }
    if (inQuote || bracket !== 0) parseError(query.slice(start), start + 1)
    tokens.push({ text: query.slice(start, i), column: start + 1 })
  }
  return tokens
}

function unquote (v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1).replace(/\\"/g, '"') : v
}

function parseTerm (tok: Token): Filter {
  const raw = tok.text
  const m = /^(!?)([A-Za-z_][\w.\-[\]]*(?:\([^)]*\))?):(.*)$/s.exec(raw)
  if (m === null) return { kind: 'text', text: unquote(raw) }
  const negated = m[1] === '!'
  const key = m[2] as string
  let rest = m[3] as string
  if (key.includes('(')) throw badRequest(`Invalid query. Aggregate filters like "${key}" are not supported by the emulator.`)
  if (key === 'has') return { kind: 'has', key: unquote(rest), negated }
  let op: Op = negated ? '!=' : '='
  const cmp = /^(>=|<=|>|<)(.*)$/s.exec(rest)
  if (cmp !== null) {
    if (negated) parseError(raw, tok.column)
    op = cmp[1] as Op
    rest = cmp[2] as string
  }
  if (rest === '') parseError(raw, tok.column)
  const values = rest.startsWith('[') && rest.endsWith(']')
    ? rest.slice(1, -1).split(',').map((v) => unquote(v.trim())).filter((v) => v !== '')
    : [unquote(rest)]
  return { kind: 'term', key, op, values, negated }
}

/** Parses Sentry's search syntax: implicit AND, OR, parentheses, negation, lists, comparisons, has:. */
export function parseQuery (query: string): Filter {
  const tokens = tokenize(query)
  let pos = 0
  const peek = (): Token | undefined => tokens[pos]
  function parseOr (): Filter {
    const items = [parseAnd()]
    while (peek()?.text === 'OR') {
      pos++
      items.push(parseAnd())
    }
    return items.length === 1 ? items[0] as Filter : { kind: 'or', items }
  }
  function parseAnd (): Filter {
    const items: Filter[] = []
    for (;;) {
      const tok = peek()
      if (tok === undefined || tok.text === ')' || tok.text === 'OR') break
      if (tok.text === 'AND') {
        pos++
        continue
      }
      if (tok.text === '(') {
        pos++
        items.push(parseOr())
        if (peek()?.text !== ')') parseError(query.slice(tok.column - 1), tok.column)
        pos++
        continue
      }
      pos++
      items.push(parseTerm(tok))
    }
    if (items.length === 0) {
      const tok = peek()
      if (tok !== undefined) parseError(query.slice(tok.column - 1), tok.column)
    }
    return items.length === 1 ? items[0] as Filter : { kind: 'and', items }
  }
  const filter = parseOr()
  const left = peek()
  if (left !== undefined) parseError(query.slice(left.column - 1), left.column)
  return filter
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, hr: 3_600_000, d: 86_400_000 }

function numberOf (value: string, meta: FieldMeta): number {
  const m = /^(-?\d+(?:\.\d+)?)([a-z]*)$/.exec(value)
  if (m === null) throw badRequest(`Invalid number: ${value.slice(0, 40)}`)
  const unit = m[2] as string
  if (unit === '') return Number(m[1])
  if (meta.type !== 'duration' || DURATION_UNITS[unit] === undefined) throw badRequest(`Invalid number: ${value.slice(0, 40)}`)
  return Number(m[1]) * (DURATION_UNITS[unit] as number)
}

function wildcard (pattern: string): RegExp {
  return new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$', 'i')
}

function matchesValue (actual: Value, expected: string, meta: FieldMeta): boolean {
  if (actual === null) return expected === ''
  if (typeof actual === 'boolean') return String(actual) === expected || (actual ? expected === '1' : expected === '0')
  if (typeof actual === 'number') return actual === numberOf(expected, meta)
  return expected.includes('*') ? wildcard(expected).test(actual) : actual === expected
}

/** A predicate for `filter` over rows of `ds`. */
export function compileFilter<R> (ds: Dataset<R>, filter: Filter | null): (row: R) => boolean {
  if (filter === null) return () => true
  switch (filter.kind) {
    case 'and': {
      const preds = filter.items.map((f) => compileFilter(ds, f))
      return (row) => preds.every((p) => p(row))
    }
    case 'or': {
      const preds = filter.items.map((f) => compileFilter(ds, f))
      return (row) => preds.some((p) => p(row))
    }
    case 'text': {
      const needle = filter.text.toLowerCase()
      return (row) => ds.text(row).toLowerCase().includes(needle.replace(/\*/g, ''))
    }
    case 'has': {
      const { key, negated } = filter
      return (row) => {
        const v = ds.value(row, key)
        return (v !== undefined && v !== null && v !== '') !== negated
      }
    }
    case 'term': {
      const { key, op, values, negated } = filter
      const meta = ds.fieldMeta(key)
      if (op === '=' || op === '!=') {
        return (row) => {
          const v = ds.value(row, key) ?? null
          return values.some((e) => matchesValue(v, e, meta)) !== negated
        }
      }
      if (meta.type === 'string' || meta.type === 'boolean') throw badRequest(`Invalid value for ${key}: comparison operators need a numeric field.`)
      const bound = meta.type === 'date' ? Date.parse(values[0] ?? '') : numberOf(values[0] ?? '', meta)
      if (Number.isNaN(bound)) throw badRequest(`${key}: Invalid date: ${(values[0] ?? '').slice(0, 40)}`)
      return (row) => {
        const raw = meta.type === 'date' ? ds.timestampMs(row) : ds.value(row, key)
        if (typeof raw !== 'number') return false
        return op === '>' ? raw > bound : op === '<' ? raw < bound : op === '>=' ? raw >= bound : raw <= bound
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Fields and functions

export interface Column<R> {
  name: string
  meta: FieldMeta
  /** Set for functions: computes the aggregate over a group of rows (windowMs for epm/eps). */
  aggregate?: (rows: readonly R[], windowMs: number) => Value
}

const PERCENTILES: Record<string, number> = { p50: 0.5, p75: 0.75, p90: 0.9, p95: 0.95, p99: 0.99, p100: 1 }
const NUMERIC = new Set(['duration', 'number', 'integer', 'size', 'percentage', 'rate'])

function round (n: number): number {
  return Math.round(n * 1000) / 1000
}

function numbers<R> (ds: Dataset<R>, rows: readonly R[], field: string): number[] {
  const out: number[] = []
  for (const row of rows) {
    const v = ds.value(row, field)
    if (typeof v === 'number') out.push(v)
  }
  return out
}

/** Nearest-rank percentile of sorted values. */
function percentile (sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number
}

/** A field of the request: a plain field, or a function like p95(span.duration). */
export function resolveColumn<R> (ds: Dataset<R>, name: string): Column<R> {
  if (name.startsWith('equation|')) throw badRequest('Equations are not supported by this emulator.')
  const m = /^([a-z_0-9]+)\((.*)\)$/.exec(name)
  if (m === null) return { name, meta: ds.fieldMeta(name) }
  const fn = m[1] as string
  const args = (m[2] as string).split(',').map((a) => a.trim()).filter((a) => a !== '')
  const argOr = (fallback: string): string => args[0] ?? fallback
  const numericArg = (): { field: string, meta: FieldMeta } => {
    const field = argOr(ds.defaultNumericField)
    const meta = ds.fieldMeta(field)
    if (!NUMERIC.has(meta.type)) throw badRequest('Invalid query. Argument to function is wrong type.')
    return { field, meta }
  }
  const q = PERCENTILES[fn]
  if (q !== undefined) {
    const { field, meta } = numericArg()
    return {
      name,
      meta: meta.type === 'duration' ? meta : { type: 'number', unit: null },
      aggregate: (rows) => {
        const p = percentile(numbers(ds, rows, field).sort((a, b) => a - b), q)
        return p === null ? null : round(p)
      }
    }
  }
  switch (fn) {
    case 'count':
      return { name, meta: { type: 'integer', unit: null }, aggregate: (rows) => rows.length }
    case 'count_unique': {
      if (args.length !== 1) throw badRequest('Invalid query. Argument to function is wrong type.')
      const field = args[0] as string
      return {
        name,
        meta: { type: 'integer', unit: null },
        aggregate: (rows) => new Set(rows.map((r) => ds.value(r, field)).filter((v) => v !== null && v !== undefined)).size
      }
    }
    case 'avg': case 'sum': case 'min': case 'max': {
      const { field, meta } = numericArg()
      return {
        name,
        meta: meta.type === 'duration' ? meta : { type: fn === 'avg' ? 'number' : meta.type, unit: meta.unit },
        aggregate: (rows) => {
          const ns = numbers(ds, rows, field)
          if (ns.length === 0) return fn === 'sum' ? 0 : null
          if (fn === 'sum') return round(ns.reduce((a, b) => a + b, 0))
          if (fn === 'avg') return round(ns.reduce((a, b) => a + b, 0) / ns.length)
          return fn === 'min' ? Math.min(...ns) : Math.max(...ns)
        }
      }
    }
    case 'failure_rate':
      return {
        name,
        meta: { type: 'percentage', unit: null },
        aggregate: (rows) => rows.length === 0 ? 0 : round(rows.filter(ds.failed).length / rows.length)
      }
    case 'failure_count':
      return { name, meta: { type: 'integer', unit: null }, aggregate: (rows) => rows.filter(ds.failed).length }
    case 'epm': case 'tpm':
      return { name, meta: { type: 'rate', unit: '1/minute' }, aggregate: (rows, windowMs) => round(rows.length / (windowMs / 60_000)) }
    case 'eps':
      return { name, meta: { type: 'rate', unit: '1/second' }, aggregate: (rows, windowMs) => round(rows.length / (windowMs / 1000)) }
    case 'last_seen': case 'first_seen':
      return {
        name,
        meta: { type: 'date', unit: null },
        aggregate: (rows) => {
          if (rows.length === 0) return null
          const ts = rows.map(ds.timestampMs)
          return sentryDate(fn === 'last_seen' ? Math.max(...ts) : Math.min(...ts))
        }
      }
    default:
      throw badRequest(`${fn} is not a valid function`)
  }
}

/** Sentry's table date format: `2025-04-13T14:19:18+00:00`. */
export function sentryDate (ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + '+00:00'
}

// ---------------------------------------------------------------------------------------------
// Grouping and sorting

export interface GroupResult<R> { key: Value[], rows: R[] }

/** Groups rows by the values of `fields` (in order of first appearance). */
export function groupRows<R> (ds: Dataset<R>, rows: readonly R[], fields: readonly string[]): Array<GroupResult<R>> {
  const groups = new Map<string, GroupResult<R>>()
  for (const row of rows) {
    const key = fields.map((f) => ds.value(row, f) ?? null)
    const k = JSON.stringify(key)
    let g = groups.get(k)
    if (g === undefined) {
      g = { key, rows: [] }
      groups.set(k, g)
    }
    g.rows.push(row)
  }
  return [...groups.values()]
}

function compareValues (a: Value | undefined, b: Value | undefined): number {
  if (a === b) return 0
  if (a === null || a === undefined) return 1
  if (b === null || b === undefined) return -1
  if (typeof a === 'number' && typeof b === 'number') return a - b
  return String(a).localeCompare(String(b))
}

/** Sorts rows (objects keyed by field) by Sentry `sort` entries (`-` = descending). */
export function sortRecords (records: Array<Record<string, Value>>, sorts: readonly string[]): void {
  records.sort((x, y) => {
    for (const s of sorts) {
      const desc = s.startsWith('-')
      const f = desc ? s.slice(1) : s
      const a = x[f] ?? null
      const b = y[f] ?? null
      // Rows without a value come last in either direction.
      if (a === null || b === null) {
        if (a !== b) return a === null ? 1 : -1
        continue
      }
      const c = compareValues(a, b)
      if (c !== 0) return desc ? -c : c
    }
    return 0
  })
}

/** `sort` entries must name selected fields (S: organization_events.py; sentry-mcp PR #1012). */
export function checkSorts (sorts: readonly string[], fields: readonly string[]): void {
  for (const s of sorts) {
    const f = s.startsWith('-') ? s.slice(1) : s
    if (!fields.includes(f)) throw badRequest('Cannot sort by a field that is not selected.')
  }
}

/** `field` list checks shared by the table endpoints (S: organization_events.py). */
export function checkFields (fields: readonly string[]): void {
  if (fields.length === 0) throw badRequest('No columns selected')
  if (fields.length > MAX_FIELDS) throw badRequest(`You can view up to ${MAX_FIELDS} fields at a time. Please delete some and try again.`)
}
