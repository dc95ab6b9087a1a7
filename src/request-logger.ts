import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify'
import type { Bindings, ChildLoggerOptions, Level } from 'pino'

/**
 * `request.log`, made when the request first writes a line at a level that is on.
 *
 * Fastify gives every request a pino child bound to its id (`logger.child({ reqId })`,
 * fastify/lib/logger-factory.js). With our redaction paths (src/logger.ts) pino runs the
 * bindings through its redaction when it makes the child: ~1.4 µs a request in a loop on this
 * machine, ~1 % of a small GraphQL request, while most requests write no line of their own (the
 * access line is the telemetry plugin's, src/plugins/telemetry.ts) and @fastify/secure-session's
 * per-request `trace` is off. A line written through this logger goes through that same child,
 * so it carries the request id and is redacted as before.
 *
 * A route with its own `logLevel` or `logSerializers`, and a logger that is not pino's (no
 * `isLevelEnabled`), get their child at once, as Fastify makes it.
 */
export const requestLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = function (logger, bindings, options) {
  if (options.level !== undefined || options.serializers !== undefined || !isPino(logger)) return logger.child(bindings, options)
  return new RequestLogger(logger, bindings)
}

type PinoLike = FastifyBaseLogger & { isLevelEnabled: (level: string) => boolean, bindings: () => Bindings }

function isPino (logger: FastifyBaseLogger): logger is PinoLike {
  return typeof (logger as Partial<PinoLike>).isLevelEnabled === 'function'
}

type Write = (...args: unknown[]) => void

export class RequestLogger implements FastifyBaseLogger {
  readonly #parent: PinoLike
  readonly #bindings: Bindings
  #child: PinoLike | undefined

  constructor (parent: PinoLike, bindings: Bindings) {
    this.#parent = parent
    this.#bindings = bindings
  }

  /** The request's pino child, made on first use. */
  #made (): PinoLike {
    this.#child ??= this.#parent.child(this.#bindings) as PinoLike
    return this.#child
  }

  #write (level: Level, args: unknown[]): void {
    if (this.#child === undefined && !this.#parent.isLevelEnabled(level)) return
    const child = this.#made()
    ;(child[level] as Write).apply(child, args)
  }

  get level (): string { return (this.#child ?? this.#parent).level }
  set level (level: string) { this.#made().level = level }

  fatal (...args: unknown[]): void { this.#write('fatal', args) }
  error (...args: unknown[]): void { this.#write('error', args) }
  warn (...args: unknown[]): void { this.#write('warn', args) }
  info (...args: unknown[]): void { this.#write('info', args) }
  debug (...args: unknown[]): void { this.#write('debug', args) }
  trace (...args: unknown[]): void { this.#write('trace', args) }
  silent (): void {}

  child (bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#made().child(bindings, options)
  }

  isLevelEnabled (level: string): boolean {
    return (this.#child ?? this.#parent).isLevelEnabled(level)
  }

  /** The request's bindings with its parent's, as pino's `bindings()` answers them. */
  bindings (): Bindings {
    return this.#made().bindings()
  }
}
