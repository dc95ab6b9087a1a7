import { Writable } from 'node:stream'
import t from 'tap'
import Fastify, { type FastifyBaseLogger } from 'fastify'
import pino, { type Logger } from 'pino'
import { loggerOptions } from '../src/logger.js'
import { RequestLogger, requestLoggerFactory } from '../src/request-logger.js'

/** A pino logger with the app's options (redaction included), its lines kept, its children counted. */
function capture (level = 'info'): { root: Logger, lines: Array<Record<string, unknown>>, children: () => number } {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write (chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    }
  })
  const root = pino({ ...loggerOptions(level) }, stream)
  let made = 0
  type MakeChild = (this: unknown, bindings: pino.Bindings, options?: pino.ChildLoggerOptions) => unknown
  const child = root.child as unknown as MakeChild
  // Children inherit this counting `child` from the root: each counts, and makes its own child.
  root.child = function (this: unknown, bindings: pino.Bindings, options?: pino.ChildLoggerOptions) {
    made++
    return child.call(this, bindings, options)
  } as unknown as typeof root.child
  return { root, lines, children: () => made }
}

t.test('no child is made until a line is written at a level that is on', async t => {
  const { root, lines, children } = capture('info')
  const log = new RequestLogger(root, { reqId: 'r1' })
  log.debug('not written')
  log.trace({ token: 'x' }, 'not written either')
  t.equal(children(), 0, 'levels that are off make nothing')
  t.equal(log.level, 'info')
  t.notOk(log.isLevelEnabled('debug'))
  log.info({ token: 'secret-value', n: 1 }, 'first')
  log.warn('second')
  t.equal(children(), 1, 'one child for the request, made at its first line')
  t.equal(lines.length, 2)
  t.match(lines[0], { reqId: 'r1', msg: 'first', n: 1, token: '[redacted]', level: 30 })
  t.match(lines[1], { reqId: 'r1', msg: 'second', level: 40 })
  t.notOk(JSON.stringify(lines).includes('secret-value'), 'the redaction paths still apply')
})

t.test('every level method, child loggers, bindings and a level of its own', async t => {
  const { root, lines } = capture('trace')
  const log = new RequestLogger(root, { reqId: 'r2' })
  log.fatal('f')
  log.error('e')
  log.warn('w')
  log.info('i')
  log.debug('d')
  log.trace('t')
  ;(log.silent as (msg: string) => void)('s')
  t.same(lines.map((l) => [l.msg, l.level, l.reqId]), [['f', 60, 'r2'], ['e', 50, 'r2'], ['w', 40, 'r2'], ['i', 30, 'r2'], ['d', 20, 'r2'], ['t', 10, 'r2']])
  log.child({ part: 'x' }).info('from a child')
  t.match(lines.at(-1), { reqId: 'r2', part: 'x', msg: 'from a child' })
  t.match(log.bindings(), { reqId: 'r2' })
  log.level = 'error'
  t.equal(log.level, 'error')
  t.equal(root.level, 'trace', 'a level set on the request logger is its own')
  log.warn('dropped')
  t.equal(lines.at(-1)?.msg, 'from a child')
  t.ok(log.isLevelEnabled('error'))
  t.notOk(log.isLevelEnabled('warn'))
})

t.test('the factory: lazy for pino without route options, a child at once otherwise', async t => {
  const { root, children } = capture('info')
  const lazy = requestLoggerFactory.call(Fastify(), root, { reqId: 'a' }, {}, {} as never)
  t.ok(lazy instanceof RequestLogger)
  t.equal(children(), 0)
  const withLevel = requestLoggerFactory.call(Fastify(), root, { reqId: 'b' }, { level: 'warn' }, {} as never)
  t.notOk(withLevel instanceof RequestLogger)
  t.equal(withLevel.level, 'warn')
  const withSerializers = requestLoggerFactory.call(Fastify(), root, { reqId: 'c' }, { serializers: { x: (v: unknown) => v } }, {} as never)
  t.notOk(withSerializers instanceof RequestLogger)
  t.equal(children(), 2)
  const plain: FastifyBaseLogger = {
    level: 'info', fatal () {}, error () {}, warn () {}, info () {}, debug () {}, trace () {}, silent () {}, child () { return plain }
  }
  t.equal(requestLoggerFactory.call(Fastify(), plain, { reqId: 'd' }, {}, {} as never), plain, 'a logger that is not pino is asked for its child')
})

t.test('in a Fastify app: lines carry the request id; route log levels hold', async t => {
  const { root, lines, children } = capture('info')
  const app = Fastify({ loggerInstance: root, childLoggerFactory: requestLoggerFactory, disableRequestLogging: true, genReqId: () => 'req-1' })
  t.teardown(async () => { await app.close() })
  app.get('/quiet', async () => ({ ok: true }))
  app.get('/says', async (request) => { request.log.info({ token: 'abc123' }, 'said'); return { ok: true } })
  app.get('/warn-only', { logLevel: 'warn' }, async (request) => { request.log.info('hidden'); request.log.warn('shown'); return { ok: true } })
  await app.ready()
  const before = children()
  t.equal((await app.inject('/quiet')).statusCode, 200)
  t.equal(children(), before, 'a request that writes nothing makes no child')
  t.equal((await app.inject('/says')).statusCode, 200)
  t.match(lines.at(-1), { reqId: 'req-1', msg: 'said', token: '[redacted]' })
  t.equal((await app.inject('/warn-only')).statusCode, 200)
  t.same(lines.slice(-2).map((l) => l.msg), ['said', 'shown'], "the route's own level still filters")
})
