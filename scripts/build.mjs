#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` builds): src/**/*.ts → dist/**/*.js, one module per
// file, with source maps (`npm start` runs `node --enable-source-maps dist/server.js`, so stack
// traces name src/*.ts lines). esbuild only strips types; `npm run typecheck` / `npm test` check them.
// Every other file under src/ (JSON modules, GraphQL operations, the allow-list, …) is copied to the
// same place under dist/, so code that finds a file next to itself (src/paths.ts CODE_ROOT) finds
// it in the build too. Files outside src/ (schema/, drizzle/) are read from the package root.
// Docs: https://esbuild.github.io/api/#build (transform per file, no bundling).
// Usage: node scripts/build.mjs [outDir=dist]
import { cpSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('../', import.meta.url))
const src = join(root, 'src')
const out = resolve(root, process.argv[2] ?? 'dist')
// Built next to the target and swapped in at the end: a failed build leaves the last good one.
const tmp = `${out}.tmp-${process.pid}`

function files (dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)])
}

const started = performance.now()
const all = files(src)
const code = all.filter(f => f.endsWith('.ts') && !f.endsWith('.d.ts'))
const assets = all.filter(f => !f.endsWith('.ts'))
rmSync(tmp, { recursive: true, force: true })
try {
  await build({
    entryPoints: code,
    outdir: tmp,
    outbase: src,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Node 20.10+ reads `import x from './x.json' with { type: 'json' }`; esbuild's node20 table would drop the attribute.
    supported: { 'import-attributes': true },
    sourcemap: 'linked',
    // The maps point at ../src/…; the sources themselves stay in the repository.
    sourcesContent: false,
    logLevel: 'warning'
  })
  for (const f of assets) {
    const to = join(tmp, relative(src, f))
    mkdirSync(join(to, '..'), { recursive: true })
    cpSync(f, to)
  }
  rmSync(out, { recursive: true, force: true })
  renameSync(tmp, out)
} catch (err) {
  rmSync(tmp, { recursive: true, force: true })
  throw err
}
console.log(`built ${code.length} modules and ${assets.length} other files into ${relative(root, out) || '.'}/ in ${Math.round(performance.now() - started)} ms`)
