import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DEFAULT_TARGETS, generate, runCodegen } from '../../src/graphql/codegen.js'

t.test('the committed generated files match the schema and operations (codegen:check)', async (t) => {
  const files = await generate()
  for (const [path, content] of files) {
    t.equal(readFileSync(path, 'utf8'), content, `${path} is up to date; run npm run codegen`)
  }
  t.same([...files.keys()].sort(), [DEFAULT_TARGETS.generated, DEFAULT_TARGETS.persisted].sort())
})

t.test('codegen writes missing files, and codegen:check fails on drift', async (t) => {
  const dir = t.testdir()
  const targets = { generated: join(dir, 'generated.ts'), persisted: join(dir, 'persisted-queries.json') }
  const lines: string[] = []
  t.equal(await runCodegen(true, targets, (l) => lines.push(l)), 1, 'missing files are drift')
  t.equal(await runCodegen(false, targets, (l) => lines.push(l)), 0)
  t.equal(await runCodegen(true, targets, (l) => lines.push(l)), 0, 'up to date after writing')
  writeFileSync(targets.generated, readFileSync(targets.generated, 'utf8') + '\n// edited by hand\n')
  t.equal(await runCodegen(true, targets, (l) => lines.push(l)), 1, 'a hand edit is drift')
  t.match(lines.join('\n'), /out of date[\s\S]*wrote[\s\S]*up to date[\s\S]*out of date/)
  t.match(readFileSync(targets.generated, 'utf8'), /interface IResolvers extends Resolvers/)
})
