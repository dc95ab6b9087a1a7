/**
 * Child processes for `npm run bench`: start (`node --import tsx <file>`, or the build the way
 * `npm start` runs it), wait until ready,
 * read their CPU time and RSS from /proc, and stop every one of them at the end, on error too.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readSync, fstatSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../', import.meta.url))
const ORPHAN_GUARD = new URL('./orphan-guard.mjs', import.meta.url).href

/** `npm start` as a checkout's package.json has it: `node <args> dist/<entry>.js`. */
export function startCommand (root: string = ROOT): { args: string[], entry: string } {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  const m = /^node (.*?)\s*(dist\/[\w.-]+\.js)$/.exec(pkg.scripts.start ?? '')
  if (m === null) throw new Error(`package.json's start script is not "node … dist/<entry>.js": ${pkg.scripts.start}`)
  return { args: (m[1] as string).split(/\s+/).filter(Boolean), entry: join(root, m[2] as string) }
}

/** `npm start`'s node arguments before the script. */
export function startArgs (): string[] {
  return startCommand().args
}

/** The built entry point `npm start` runs. */
export const BUILT_SERVER = startCommand().entry

/** The same server from the build's one-module-per-file output (scripts/build.mjs). */
export const PER_FILE_SERVER = join(ROOT, 'dist/server.js')

const CLK_TCK = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })
  const n = Number(out.stdout?.trim())
  return Number.isInteger(n) && n > 0 ? n : 100
})()

export interface Child {
  name: string
  proc: ChildProcess
  pid: number
  /** Everything the process wrote (stdout + stderr; the tail of stdout's file if it has one), for error reports. */
  output: () => string
  /** Resolves with the first output line matching `re` (rejects if the process exits first); piped output only. */
  waitFor: (re: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>
  exited: Promise<number | null>
}

const children = new Set<Child>()
/** Children being stopped on purpose (their exit is not reported). */
const stopping = new WeakSet<Child>()

export interface StartOptions {
  /**
   * Where the child's stdout goes instead of a pipe into this process (stderr stays piped). A
   * gateway at LOG_LEVEL=info writes a line per request: read through a pipe, that is work for
   * this process's event loop, which also runs the load generator, and it slowed the load
   * offered to the gateway alone (~14 µs of this process's CPU per request, measured apart).
   * Written to a file, the child still pays for its own writes; nothing else does.
   */
  stdoutFile?: string
}

/** The last `max` bytes of a file, as text ('' if it cannot be read). */
function tailOf (file: string, max = 100_000): string {
  let fd: number | undefined
  try {
    fd = openSync(file, 'r')
    const size = fstatSync(fd).size
    const buf = Buffer.alloc(Math.min(size, max))
    readSync(fd, buf, 0, buf.length, size - buf.length)
    return buf.toString('utf8')
  } catch {
    return ''
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/**
 * Starts `node [nodeArgs] --import tsx <script>` with the bench's orphan guard preloaded; a .js
 * script (the build) runs without tsx.
 */
export function startNode (name: string, script: string, env: Record<string, string | undefined>, nodeArgs: string[] = [], options: StartOptions = {}): Child {
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : []
  const stdoutFd = options.stdoutFile === undefined ? undefined : openSync(options.stdoutFile, 'a')
  let proc: ChildProcess
  try {
    proc = spawn(process.execPath, [...nodeArgs, ...loader, '--import', ORPHAN_GUARD, script], {
      cwd: ROOT,
      env: { ...env, BENCH_CHILD: '1' },
      stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe']
    })
  } finally {
    // The child holds its own copy of the descriptor.
    if (stdoutFd !== undefined) closeSync(stdoutFd)
  }
  if (proc.pid === undefined) throw new Error(`${name} did not start`)
  let text = ''
  const waiters: Array<{ re: RegExp, resolve: (m: RegExpMatchArray) => void }> = []
  const onData = (chunk: Buffer): void => {
    text += chunk.toString('utf8')
    if (text.length > 200_000) text = text.slice(-100_000)
    for (const w of [...waiters]) {
      const m = text.match(w.re)
      if (m !== null) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(m)
      }
    }
  }
  proc.stdout?.on('data', onData)
  proc.stderr?.on('data', onData)
  const exited = new Promise<number | null>(resolve => proc.once('exit', (code) => resolve(code)))
  const { stdoutFile } = options
  const output = stdoutFile === undefined ? () => text : () => `${tailOf(stdoutFile)}${text === '' ? '' : `\n[stderr]\n${text}`}`
  const child: Child = {
    name,
    proc,
    pid: proc.pid,
    output,
    exited,
    waitFor: async (re, timeoutMs = 30_000) => await new Promise((resolve, reject) => {
      const m = text.match(re)
      if (m !== null) return resolve(m)
      const timer = setTimeout(() => reject(new Error(`${name} did not print ${re} within ${timeoutMs} ms:\n${text.slice(-2000)}`)), timeoutMs)
      waiters.push({ re, resolve: (x) => { clearTimeout(timer); resolve(x) } })
      void exited.then((code) => { clearTimeout(timer); reject(new Error(`${name} exited (${code}) before printing ${re}:\n${text.slice(-2000)}`)) })
    })
  }
  children.add(child)
  void exited.then((code) => {
    children.delete(child)
    if (!stopping.has(child)) {
      process.stderr.write(`\n${name} (pid ${child.pid}) exited unexpectedly (code ${code}, signal ${proc.signalCode}); its last output:\n${output().slice(-3000)}\n`)
    }
  })
  return child
}

/** A child that ends by itself (a script, not a server): its exit is not reported. */
export function expectExit (child: Child): void {
  stopping.add(child)
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process is gone. */
export async function stop (child: Child, graceMs = 10_000): Promise<void> {
  stopping.add(child)
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return
  child.proc.kill('SIGTERM')
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs)
  await child.exited
  clearTimeout(timer)
}

export async function stopAll (): Promise<void> {
  await Promise.all([...children].map(async (c) => { await stop(c, 5000) }))
}

// Last resort (uncaught error, process.exit): no child outlives the bench.
process.on('exit', () => {
  for (const c of children) c.proc.kill('SIGKILL')
})

/** A free TCP port on 127.0.0.1 (needed before the gateway starts: it is in its redirect URI). */
export { freePort } from '../test/helpers/process.js'

function readProc (pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8')
  } catch (err) {
    const child = [...children].find(c => c.pid === pid)
    throw new Error(`cannot read /proc/${pid}/${file}: the process is gone${child === undefined ? '' : ` (${child.name})`}`, { cause: err })
  }
}

/** The process's user + system CPU time in milliseconds (all threads), from /proc/<pid>/stat. */
export function cpuMs (pid: number): number {
  const stat = readProc(pid, 'stat')
  // Fields after "(comm)": state is field 3, utime field 14, stime field 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK
}

/** Resident set size in bytes, from /proc/<pid>/status. */
export function rssBytes (pid: number): number {
  const status = readProc(pid, 'status')
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
  if (m === null) throw new Error(`no VmRSS for ${pid}`)
  return Number(m[1]) * 1024
}

/** Polls `url` until it answers 2xx. */
export async function waitForHttp (url: string, child: Child, timeoutMs = 30_000, pollMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let exited = false
  void child.exited.then(() => { exited = true })
  for (;;) {
    if (exited) throw new Error(`${child.name} exited before answering ${url}:\n${child.output().slice(-2000)}`)
    try {
      const res = await fetch(url)
      await res.arrayBuffer()
      if (res.ok) return
    } catch {}
    if (Date.now() > deadline) throw new Error(`${child.name} did not answer ${url} within ${timeoutMs} ms:\n${child.output().slice(-2000)}`)
    await new Promise(resolve => setTimeout(resolve, pollMs))
  }
}
