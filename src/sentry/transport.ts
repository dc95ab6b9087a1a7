import { EventEmitter } from 'node:events'
import { performance } from 'node:perf_hooks'
import { Agent, type Dispatcher } from 'undici'
import type { Config } from '../config.js'
import { type GatewayError, upstreamError, upstreamTimeout } from '../errors.js'
import { type Signals, noopSignals } from '../telemetry/signals.js'
import type { Send, UpstreamRequest, UpstreamResponse } from './pipeline.js'

/**
 * The innermost layer: one HTTP exchange with Sentry over undici. It bounds the exchange by
 * SENTRY_REQUEST_TIMEOUT_MS and by the unit of work's deadline, caps the body, sorts transport
 * failures (TransportError), reports the exchange to Signals and logs method, path template,
 * status and duration only (never a URL with values, a token or a body).
 */

export interface Logger {
  debug (obj: object, msg?: string): void
  warn (obj: object, msg?: string): void
  /** pino's: lets a hot path skip building a record nobody writes (absent: always build it). */
  isLevelEnabled? (level: string): boolean
}

type TransportKind = 'timeout' | 'connect-timeout' | 'connect' | 'reset' | 'too-large' | 'other'

export class TransportError extends Error {
  constructor (readonly kind: TransportKind, readonly errorCode: string) {
    super(`upstream transport error ${errorCode}`)
    this.name = 'TransportError'
  }

  /** Was the request possibly received by Sentry? Connect failures mean it was not. */
  get notSent (): boolean {
    return this.kind === 'connect' || this.kind === 'connect-timeout'
  }

  toGatewayError (): GatewayError {
    if (this.kind === 'timeout' || this.kind === 'connect-timeout') return upstreamTimeout()
    if (this.kind === 'reset') return upstreamError('The connection to Sentry was interrupted.', { reason: 'CONNECTION_RESET' })
    if (this.kind === 'too-large') return upstreamError('Sentry\'s answer was too large.', { reason: 'RESPONSE_TOO_LARGE' })
    return upstreamError('Sentry could not be reached.', { reason: 'UNREACHABLE' })
  }
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'])
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED'])
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'])

function errorCodeOf (err: unknown): string {
  let e: unknown = err
  for (let i = 0; i < 3 && typeof e === 'object' && e !== null; i++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && code !== '') return code
    e = (e as { cause?: unknown }).cause
  }
  return 'UNKNOWN'
}

/** Sorts a failed exchange: timeouts, connect failures (never sent), resets, and the rest. */
export function classifyTransportError (err: unknown, timedOut: boolean): TransportError {
  if (timedOut) return new TransportError('timeout', 'REQUEST_TIMEOUT')
  const code = errorCodeOf(err)
  if (code === 'BODY_TOO_LARGE') return new TransportError('too-large', code)
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new TransportError('connect-timeout', code)
  if (TIMEOUT_CODES.has(code)) return new TransportError('timeout', code)
  if (CONNECT_CODES.has(code)) return new TransportError('connect', code)
  if (RESET_CODES.has(code) || code.startsWith('HPE_')) return new TransportError('reset', code)
  return new TransportError('other', /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'UNKNOWN')
}

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024

/** The app's undici Agent for Sentry: connect, header and body timeouts from the config. */
export function createUpstreamAgent (config: Pick<Config, 'upstreamConnectTimeoutMs' | 'upstreamRequestTimeoutMs'>): Agent {
  return new Agent({
    connect: { timeout: config.upstreamConnectTimeoutMs },
    headersTimeout: config.upstreamRequestTimeoutMs,
    bodyTimeout: config.upstreamRequestTimeoutMs,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    connections: 256
  })
}

/** Closes an Agent, but does not hang a shutdown on a stuck upstream. */
export async function closeAgent (agent: Agent): Promise<void> {
  const timer = setTimeout(() => { agent.destroy().catch(() => {}) }, 5000)
  try {
    await agent.close()
  } finally {
    clearTimeout(timer)
  }
}

export interface TransportOptions {
  dispatcher: Dispatcher
  /** One exchange's longest duration (SENTRY_REQUEST_TIMEOUT_MS); the deadline can cut it shorter. */
  requestTimeoutMs: number
  /** Largest response body accepted (default 32 MiB). */
  maxBodyBytes?: number
  signals?: Signals
  logger?: Logger
}

interface BaseParts { origin: string, prefix: string, host: string }

/** Base URLs seen by this app (SENTRY_URL and accepted region URLs): parsed once each. */
const MAX_BASES = 64

function splitBase (baseUrl: string, cache: Map<string, BaseParts>): BaseParts {
  const hit = cache.get(baseUrl)
  if (hit !== undefined) return hit
  const u = new URL(baseUrl)
  const parts = { origin: u.origin, prefix: u.pathname.replace(/\/+$/, ''), host: u.host }
  if (cache.size >= MAX_BASES) cache.clear()
  cache.set(baseUrl, parts)
  return parts
}

/** Reads a body up to `maxBytes`; past that the body is destroyed and BODY_TOO_LARGE thrown. */
export async function readCapped (body: AsyncIterable<unknown> & { destroy: () => unknown }, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += (chunk as Buffer).length
    if (size > maxBytes) {
      body.destroy()
      throw Object.assign(new Error('response too large'), { code: 'BODY_TOO_LARGE' })
    }
    chunks.push(chunk as Buffer)
  }
  // Most answers arrive in one chunk: decode it without copying it first.
  return chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')
}

/**
 * One exchange's abort switch, given to undici as its `signal`. undici takes an EventEmitter as
 * well as an AbortSignal there (Dispatcher.request's options, https://undici.nodejs.org/#/docs/api/Dispatcher.md;
 * lib/api/api-request.js listens for 'abort' on either). An AbortController with the listener
 * undici adds and removes costs ~4 µs per exchange in a loop on this machine (Node's EventTarget),
 * this ~0.2 µs; the benchmark's profile put the AbortController's share at ~2 % of a small request.
 */
class ExchangeAbort extends EventEmitter {
  aborted = false

  abort (): void {
    if (this.aborted) return
    this.aborted = true
    this.emit('abort')
  }
}

export function createTransport (options: TransportOptions): Send {
  const { dispatcher, requestTimeoutMs, logger } = options
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const signals = options.signals ?? noopSignals
  const bases = new Map<string, BaseParts>()

  return async function transport (request: UpstreamRequest): Promise<UpstreamResponse> {
    request.deadline.check()
    const { origin, prefix, host } = splitBase(request.baseUrl, bases)
    const span = signals.upstreamCall({ method: request.method, pathTemplate: request.template, region: host, attempt: request.attempt ?? 1, request: request.deadline.telemetry })
    const headers = Object.keys(span.headers).length === 0 ? request.headers : { ...request.headers, ...span.headers }
    const controller = new ExchangeAbort()
    const timer = setTimeout(() => { controller.abort() }, Math.min(requestTimeoutMs, request.deadline.remaining()))
    const started = performance.now()
    let status: number | undefined
    let failure: string | undefined
    try {
      const res = await dispatcher.request({
        origin, path: prefix + request.pathAndQuery, method: request.method, headers, body: request.body, signal: controller
      })
      status = res.statusCode
      const text = await readCapped(res.body, maxBodyBytes)
      span.end({ status: res.statusCode })
      return { status: res.statusCode, headers: res.headers, text }
    } catch (err) {
      const transport = classifyTransportError(err, controller.aborted)
      failure = transport.errorCode
      span.end({ status: status ?? null, errorCode: transport.toGatewayError().code })
      throw transport
    } finally {
      clearTimeout(timer)
      if (logger?.isLevelEnabled?.('debug') !== false) {
        logger?.debug({
          method: request.method,
          path: request.template,
          status: status ?? null,
          durationMs: Math.round(performance.now() - started),
          ...(failure === undefined ? {} : { error: failure })
        }, 'sentry upstream call')
      }
    }
  }
}
