import pino from 'pino'

/** Pino's level number of `warn`: lines at or above it are written at once. */
const WARN = 40

export interface LogDestinationOptions {
  /** A file descriptor (1 = stdout). */
  fd: number
  /** Lines wait in memory until about this many bytes (characters) are gathered; 0 writes each line as it comes. */
  bufferBytes: number
  /** Gathered lines are written at least this often (ms). */
  flushIntervalMs: number
}

/**
 * Where the gateway's log lines go: a file descriptor (stdout) through pino's asynchronous
 * writer (sonic-boom), with lines gathered into writes of `bufferBytes`. A write per access-log
 * line was one of the largest costs of a small request at `info` (README "Benchmarks"); gathered,
 * a busy gateway makes one write every dozen or so requests. So that nothing waits long or is lost:
 * - a line at `warn` or above is written at once, after everything gathered before it;
 * - what is gathered is written every `flushIntervalMs`, and on demand (`flush`: the app calls it
 *   when it starts listening, so start-up lines appear at once, and when shutdown begins);
 * - `close()` (the app's close) and the process's exit write the rest synchronously (pino's
 *   writer, in turn, writes what it holds at exit). Only a process killed outright (SIGKILL, out
 *   of memory) loses what was gathered.
 * Pino tells a stream each line's level before writing it when the stream asks for it with
 * `Symbol.for('pino.metadata')` (pino.multistream uses it the same way).
 */
export class LogDestination {
  readonly [pino.symbols.needsMetadataGsym] = true
  /** Set by pino before each write: the line's level number. */
  lastLevel = 0
  readonly #stream: ReturnType<typeof pino.destination>
  #bufferBytes: number
  #gathered = ''
  #timer: NodeJS.Timeout | undefined
  readonly #onExit = (): void => { this.close() }

  constructor (opts: LogDestinationOptions) {
    this.#bufferBytes = opts.bufferBytes
    // minLength 0: sonic-boom writes at once, or right after the write in flight.
    this.#stream = pino.destination({ dest: opts.fd, sync: false, minLength: 0 })
    if (this.#bufferBytes > 0) {
      this.#timer = setInterval(() => { this.flush() }, opts.flushIntervalMs)
      this.#timer.unref()
      process.once('exit', this.#onExit)
    }
  }

  write (line: string): boolean {
    if (this.#bufferBytes === 0) return this.#stream.write(line)
    this.#gathered += line
    if (this.#gathered.length >= this.#bufferBytes || this.lastLevel >= WARN) this.flush()
    return true
  }

  /** Hands what is gathered to the writer (written asynchronously). */
  flush (): void {
    if (this.#gathered === '') return
    const text = this.#gathered
    this.#gathered = ''
    this.#stream.write(text)
  }

  /**
   * Writes everything gathered before returning and stops gathering: later lines (the last of a
   * shutdown) are written as they come. The descriptor stays open.
   */
  close (): void {
    this.#bufferBytes = 0
    clearInterval(this.#timer)
    this.#timer = undefined
    process.removeListener('exit', this.#onExit)
    this.flush()
    this.#stream.flushSync()
  }
}
