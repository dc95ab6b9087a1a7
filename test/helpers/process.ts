/**
 * The gateway's entry points as child processes, as their npm scripts run them (`node --import tsx
 * src/…`). tap's process tracker patches spawn to add NODE_OPTIONS and NODE_V8_COVERAGE; tsx's
 * source maps then corrupt the coverage report, so the child runs without them (`env -u`).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** `entry` (e.g. src/cli/token.ts) with `args`, in the repository, with only PATH and `env` set. */
export function spawnSource (entry: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn('env', ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', process.execPath, '--import', 'tsx', entry, ...args], {
    cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe']
  })
}

export interface Finished { code: number | null, out: string, err: string, all: string }

/** Runs a command to its end: exit code, stdout, stderr and both as they came. */
export async function runSource (entry: string, args: string[], env: Record<string, string>): Promise<Finished> {
  const child = spawnSource(entry, args, env)
  let out = ''
  let err = ''
  let all = ''
  child.stdout?.on('data', d => { out += String(d); all += String(d) })
  child.stderr?.on('data', d => { err += String(d); all += String(d) })
  const [code] = await once(child, 'exit') as [number | null]
  return { code, out, err, all }
}

/** src/server.ts (`npm run dev`'s command) with a clean environment: HOME, PATH and `env`. */
export function spawnServer (env: Record<string, string>): ChildProcess {
  return spawnSource('src/server.ts', [], { HOME: process.env.HOME ?? '', ...env })
}

export interface Started { child: ChildProcess, url: string, output: () => string }

/** Collects a server's output and waits for Fastify's listening line. */
export async function waitForListening (child: ChildProcess, timeoutMs = 30_000): Promise<Started> {
  let out = ''
  child.stdout?.on('data', d => { out += String(d) })
  child.stderr?.on('data', d => { out += String(d) })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), timeoutMs)
    const check = (): void => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m?.[1] !== undefined) { clearTimeout(timer); resolve(m[1]) }
    }
    child.stdout?.on('data', check)
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`server exited ${String(code)}:\n${out}`)) })
  })
  return { child, url, output: () => out }
}

/** Runs the server and waits until it listens; with `t`, it is SIGKILLed at teardown if still running. */
export async function startServer (env: Record<string, string>, t?: Test): Promise<Started> {
  const child = spawnServer(env)
  t?.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  return await waitForListening(child)
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it; closed again before returning). */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}
