/**
 * LogDestination (src/log-destination.ts): a real pino logger writing to a real file descriptor,
 * and a real child process for the write at exit. No test asserts a time: waits poll for
 * content, and "not yet written" is checked with a flush interval far longer than the test.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import t, { type Test } from 'tap'
import { LogDestination, type LogDestinationOptions } from '../src/log-destination.js'

const HOUR = 3_600_000

function setup (t: Test, opts: Omit<LogDestinationOptions, 'fd'>): { log: pino.Logger, dest: LogDestination, lines: () => string[] } {
  const file = join(t.testdir(), 'log.ndjson')
  const fd = openSync(file, 'w')
  const dest = new LogDestination({ fd, ...opts })
  t.teardown(() => { dest.close(); closeSync(fd) })
  const lines = (): string[] => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { msg: string }).msg)
  return { log: pino({ level: 'info' }, dest), dest, lines }
}

async function until (t: Test, what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await sleep(25)
  t.ok(check(), what)
}

/** Lets pending asynchronous writes land. */
async function settle (): Promise<void> {
  for (let i = 0; i < 5; i++) await sleep(10)
}

t.test('without a buffer each line is written as it comes', async (t) => {
  const { log, lines } = setup(t, { bufferBytes: 0, flushIntervalMs: HOUR })
  log.info('one')
  await until(t, 'the line, with nothing else asked', () => lines().length === 1)
  log.info('two')
  await until(t, 'the next one', () => lines().length === 2)
  t.same(lines(), ['one', 'two'])
})

t.test('info lines are gathered until the buffer fills, then written in order', async (t) => {
  const { log, lines } = setup(t, { bufferBytes: 1000, flushIntervalMs: HOUR })
  log.info('a')
  log.info('b')
  await settle()
  t.same(lines(), [], 'two short lines wait')
  const sent = ['a', 'b']
  for (let i = 0; i < 20; i++) { log.info(`line ${i}`); sent.push(`line ${i}`) }
  await until(t, 'a full buffer is written', () => lines().length > 2)
  t.same(lines(), sent.slice(0, lines().length), 'in order')
  t.ok(lines().length < sent.length, 'what follows the full buffer waits again')
})

t.test('a warning or an error writes everything gathered before it, then itself', async (t) => {
  const { log, lines } = setup(t, { bufferBytes: 64 * 1024, flushIntervalMs: HOUR })
  log.info('before 1')
  log.info('before 2')
  log.warn('careful')
  await until(t, 'written at once', () => lines().length === 3)
  t.same(lines(), ['before 1', 'before 2', 'careful'])
  log.info('after')
  log.error('broken')
  await until(t, 'an error too', () => lines().length === 5)
  t.same(lines().slice(3), ['after', 'broken'])
})

t.test('gathered lines are written by the interval, by flush() and by close(); after close lines go straight out', async (t) => {
  const timed = setup(t, { bufferBytes: 64 * 1024, flushIntervalMs: 20 })
  timed.log.info('quiet')
  await until(t, 'the interval writes a lone line', () => timed.lines().length === 1)

  const { log, dest, lines } = setup(t, { bufferBytes: 64 * 1024, flushIntervalMs: HOUR })
  log.info('asked')
  await settle()
  t.same(lines(), [])
  dest.flush()
  await until(t, 'flush() writes it', () => lines().length === 1)
  log.info('closing 1')
  log.info('closing 2')
  dest.close()
  t.same(lines(), ['asked', 'closing 1', 'closing 2'], 'close() has written everything when it returns')
  log.info('after close')
  await until(t, 'a line after close is written without a flush', () => lines().length === 4)
})

t.test('the process\'s exit writes what is gathered', async (t) => {
  const module = fileURLToPath(new URL('../src/log-destination.ts', import.meta.url))
  const code = `
    import pino from 'pino'
    import { LogDestination } from ${JSON.stringify(module)}
    const log = pino({ level: 'info' }, new LogDestination({ fd: 1, bufferBytes: 65536, flushIntervalMs: 3600000 }))
    log.info('gathered 1')
    log.info('gathered 2')
    setTimeout(() => process.exit(0), 50)
  `
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => { out += String(d) })
  child.stderr.on('data', (d) => { err += String(d) })
  const [exitCode] = await once(child, 'exit')
  t.equal(exitCode, 0, err)
  t.same(out.trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg), ['gathered 1', 'gathered 2'])
})
