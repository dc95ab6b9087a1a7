/**
 * Typed views of an event's entries and contexts. Known entry types (exception, stacktrace,
 * threads, breadcrumbs, request, message, spans, csp) get typed fields; every entry keeps its
 * raw `data`, and an unknown type (or a known type with an unexpected shape) becomes a
 * GenericEntry, so a new Sentry entry type never fails a query.
 */
import type {
  Breadcrumb, BreadcrumbsEntry, CspEntry, EventContext, EventUser, ExceptionEntry, ExceptionMechanism, ExceptionValue,
  Frame, GenericEntry, KeyValue, MessageEntry, RequestEntry, SourceLine, Span, SpansEntry, Stacktrace, StacktraceEntry,
  Tag, Thread, ThreadsEntry, TraceContext
} from './generated.js'
import { bool, date, float, int, json, list, record, str } from './coerce.js'

/** One of the EventEntry implementations, tagged with its `__typename` for resolveType. */
export type EventEntry = GenericEntry | ExceptionEntry | StacktraceEntry | ThreadsEntry | BreadcrumbsEntry | RequestEntry |
MessageEntry | SpansEntry | CspEntry

export function normalizeEntries (raw: unknown): EventEntry[] {
  const out: EventEntry[] = []
  for (const item of list(raw)) {
    const entry = record(item)
    if (entry === null) continue
    out.push(normalizeEntry(str(entry.type) ?? 'unknown', entry.data))
  }
  return out
}

function normalizeEntry (type: string, data: unknown): EventEntry {
  const d = record(data)
  const generic: EventEntry = { __typename: 'GenericEntry', type, data: json(data) }
  switch (type) {
    case 'exception':
      if (d === null || !Array.isArray(d.values)) return generic
      return { __typename: 'ExceptionEntry', type, data, values: d.values.map(exceptionValue), hasSystemFrames: bool(d.hasSystemFrames) }
    case 'stacktrace':
      if (d === null) return generic
      return { __typename: 'StacktraceEntry', type, data, stacktrace: stacktrace(d) }
    case 'threads':
      if (d === null || !Array.isArray(d.values)) return generic
      return { __typename: 'ThreadsEntry', type, data, values: d.values.map(thread) }
    case 'breadcrumbs':
      if (d === null || !Array.isArray(d.values)) return generic
      return { __typename: 'BreadcrumbsEntry', type, data, values: d.values.map(breadcrumb) }
    case 'request':
      if (d === null) return generic
      return {
        __typename: 'RequestEntry',
        type,
        data,
        method: str(d.method),
        url: str(d.url),
        query: keyValues(d.query),
        fragment: str(d.fragment),
        headers: keyValues(d.headers),
        cookies: keyValues(d.cookies),
        env: json(d.env),
        body: json(d.data),
        inferredContentType: str(d.inferredContentType),
        apiTarget: str(d.apiTarget)
      }
    case 'message':
      if (d === null) return generic
      return { __typename: 'MessageEntry', type, data, formatted: str(d.formatted), message: str(d.message), params: json(d.params) }
    case 'spans':
      if (!Array.isArray(data)) return generic
      return { __typename: 'SpansEntry', type, data, spans: data.map(span) }
    case 'csp':
      if (d === null) return generic
      return {
        __typename: 'CspEntry',
        type,
        data,
        blockedUri: str(d.blocked_uri),
        documentUri: str(d.document_uri),
        effectiveDirective: str(d.effective_directive),
        violatedDirective: str(d.violated_directive),
        originalPolicy: str(d.original_policy),
        sourceFile: str(d.source_file),
        lineNumber: int(d.line_number),
        disposition: str(d.disposition)
      }
    default:
      return generic
  }
}

function exceptionValue (v: unknown): ExceptionValue {
  const e = record(v) ?? {}
  const m = record(e.mechanism)
  return {
    type: str(e.type),
    value: str(e.value),
    module: str(e.module),
    threadId: str(e.threadId),
    mechanism: m === null ? null : mechanism(m),
    stacktrace: stacktrace(e.stacktrace),
    rawStacktrace: stacktrace(e.rawStacktrace)
  }
}

function mechanism (m: Record<string, unknown>): ExceptionMechanism {
  return {
    type: str(m.type),
    handled: bool(m.handled),
    synthetic: bool(m.synthetic),
    description: str(m.description),
    helpLink: str(m.help_link ?? m.helpLink),
    data: json(m.data),
    meta: json(m.meta)
  }
}

function stacktrace (v: unknown): Stacktrace | null {
  const s = record(v)
  if (s === null) return null
  return {
    frames: list(s.frames).map(frame),
    framesOmitted: json(s.framesOmitted),
    hasSystemFrames: bool(s.hasSystemFrames),
    registers: json(s.registers)
  }
}

function frame (v: unknown): Frame {
  const f = record(v) ?? {}
  return {
    filename: str(f.filename),
    absPath: str(f.absPath),
    module: str(f.module),
    package: str(f.package),
    platform: str(f.platform),
    function: str(f.function),
    rawFunction: str(f.rawFunction),
    symbol: str(f.symbol),
    lineNo: int(f.lineNo),
    colNo: int(f.colNo),
    inApp: bool(f.inApp),
    instructionAddr: str(f.instructionAddr),
    symbolAddr: str(f.symbolAddr),
    trust: str(f.trust),
    context: list(f.context).map(sourceLine),
    vars: json(f.vars)
  }
}

/** Sentry sends source context as `[lineNo, line]` pairs. */
function sourceLine (v: unknown): SourceLine {
  if (Array.isArray(v)) return { lineNo: int(v[0]), line: str(v[1]) }
  const r = record(v) ?? {}
  return { lineNo: int(r.lineNo), line: str(r.line) }
}

function thread (v: unknown): Thread {
  const t = record(v) ?? {}
  return {
    id: str(t.id),
    name: str(t.name),
    crashed: bool(t.crashed),
    current: bool(t.current),
    stacktrace: stacktrace(t.stacktrace),
    rawStacktrace: stacktrace(t.rawStacktrace)
  }
}

function breadcrumb (v: unknown): Breadcrumb {
  const b = record(v) ?? {}
  return {
    timestamp: date(b.timestamp),
    type: str(b.type),
    category: str(b.category),
    level: str(b.level),
    message: str(b.message),
    eventId: str(b.event_id ?? b.eventId),
    data: json(b.data)
  }
}

function span (v: unknown): Span {
  const s = record(v) ?? {}
  return {
    spanId: str(s.span_id),
    traceId: str(s.trace_id),
    parentSpanId: str(s.parent_span_id),
    op: str(s.op),
    description: str(s.description),
    status: str(s.status),
    startTimestamp: float(s.start_timestamp),
    timestamp: float(s.timestamp),
    data: json(s.data)
  }
}

/**
 * Headers, cookies and query strings come as `[key, value]` pairs, as an object, or (a raw
 * query string) as a string: all become pairs.
 */
export function keyValues (v: unknown): KeyValue[] {
  if (typeof v === 'string') return v === '' ? [] : [{ key: '', value: v }]
  if (Array.isArray(v)) {
    const out: KeyValue[] = []
    for (const pair of v) {
      if (Array.isArray(pair)) {
        const key = str(pair[0])
        if (key !== null) out.push({ key, value: str(pair[1]) })
      }
    }
    return out
  }
  const r = record(v)
  return r === null ? [] : Object.entries(r).map(([key, value]) => ({ key, value: str(value) }))
}

export function normalizeContexts (raw: unknown): EventContext[] {
  const r = record(raw)
  if (r === null) return []
  return Object.entries(r).map(([key, value]) => ({ key, type: str(field(value, 'type')), data: json(value) }))
}

export function traceContext (raw: unknown): TraceContext | null {
  const t = record(record(raw)?.trace)
  if (t === null) return null
  return {
    traceId: str(t.trace_id),
    spanId: str(t.span_id),
    parentSpanId: str(t.parent_span_id),
    op: str(t.op),
    status: str(t.status)
  }
}

export function eventUser (raw: unknown): EventUser | null {
  const u = record(raw)
  if (u === null) return null
  return {
    id: str(u.id),
    email: str(u.email),
    username: str(u.username),
    ipAddress: str(u.ip_address ?? u.ipAddress),
    name: str(u.name),
    geo: json(u.geo),
    data: json(u.data)
  }
}

export function tags (raw: unknown): Tag[] {
  const out: Tag[] = []
  for (const item of list(raw)) {
    const t = record(item)
    const key = t === null ? null : str(t.key)
    if (t !== null && key !== null) out.push({ key, value: str(t.value) })
  }
  return out
}

function field (v: unknown, key: string): unknown {
  return record(v)?.[key]
}
