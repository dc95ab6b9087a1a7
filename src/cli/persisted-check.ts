/**
 * `npm run persisted:check -- <manifest.json>…`: checks persisted-operation manifests against
 * the gateway's schema before they are deployed as the allow-list (GRAPHQL_PERSISTED_QUERIES_FILE).
 * Accepts GraphQL Codegen's `persisted-documents.json`, Apollo's
 * `persisted-query-manifest.json` and the gateway's own persisted-queries.json. Every id must
 * hash its document (sha256, or sha1 as Codegen writes by default) and every document must
 * parse and validate. Exit code 0 when all pass, 1 otherwise.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { buildSchema } from 'graphql'
import { checkManifest, parseManifest } from '../graphql/persisted.js'
import { loadSchema } from '../graphql/schema.js'

export function runPersistedCheck (files: string[], log: (line: string) => void = console.log): number {
  if (files.length === 0) {
    log('usage: npm run persisted:check -- <manifest.json>…')
    return 1
  }
  const schema = buildSchema(loadSchema().join('\n'))
  let failed = false
  for (const file of files) {
    let problems: string[]
    let count = 0
    try {
      const queries = parseManifest(JSON.parse(readFileSync(file, 'utf8')), file)
      count = Object.keys(queries).length
      problems = checkManifest(queries, schema)
    } catch (err) {
      problems = [(err as Error).message]
    }
    if (problems.length === 0) {
      log(`persisted:check: ${file}: ${count} operations valid against the schema.`)
    } else {
      failed = true
      for (const p of problems) log(`persisted:check: ${file}: ${p}`)
    }
  }
  return failed ? 1 : 0
}

/* c8 ignore next 3 -- the CLI entry; runPersistedCheck is what the tests drive */
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = runPersistedCheck(process.argv.slice(2))
}
