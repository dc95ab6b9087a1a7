#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` builds): src/**/*.ts → dist/**/*.js, one module per
// file, with source maps (`npm start` runs `node --enable-source-maps dist/server.js`, so stack
// traces name src/*.ts lines). esbuild only strips types; `npm run typecheck` / `npm test` check them.
// Every other file under src/ (JSON modules, GraphQL operations, the allow-list, …) is copied to the
// same place under dist/, so code that finds a file next to itself (src/paths.ts CODE_ROOT) finds
// it in the build too. Files outside src/ (schema/, drizzle/) are read from the package root.
// Docs: https://esbuild.github.io/api/#build (transform per file, no bundling).
//
// `npm start` runs a second output, the start bundle: dist/server.bundle.js and its chunks
// dist/server.bundle-*.js (the emulator, PostgreSQL, tracing, metrics, JWT and the OAuth client
// stay behind `import()` in chunks of their own). It holds our code and its dependencies but
// BUNDLE_EXTERNAL, so a start reads a few files instead of resolving and reading ~1,000 modules
// (README "Benchmarks"). Its maps keep only our sources' mappings: a stack trace names src/*.ts
// lines, a dependency's frames name the bundle, and Node does not decode megabytes of mappings
// at start. The chunks sit next to the per-file modules, so src/paths.ts CODE_ROOT is dist/ in both.
// Usage: node scripts/build.mjs [outDir=dist]
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decode, encode } from '@jridgewell/sourcemap-codec'
import { build } from 'esbuild'

/**
 * Left out of the start bundle and loaded from node_modules as they are: native addons, found
 * next to their package files (better-sqlite3; sodium-native, through @fastify/secure-session;
 * pg-native, pg's optional native client), and pino with its transports' worker files.
 * https://esbuild.github.io/api/#external
 */
const BUNDLE_EXTERNAL = ['better-sqlite3', 'sodium-native', 'pg-native', 'pino', 'pino-pretty', 'thread-stream']

/**
 * A bundled CommonJS file that reads `__dirname` or `__filename` (mercurius serves GraphiQL's page
 * from `__dirname/../static`; qlobber starts a worker on `__filename`) gets its own place in
 * node_modules, found from the bundle's folder at run time, so the package still finds its files.
 * https://esbuild.github.io/plugins/#on-load
 */
function originalPaths (outDir) {
  return {
    name: 'original-paths',
    setup (b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, args => {
        const text = readFileSync(args.path, 'utf8')
        if (!/\b__(?:dirname|filename)\b/.test(text)) return undefined
        // Relative to the output folder, where every bundle file is.
        const path = JSON.stringify(relative(outDir, args.path).split(sep).join('/'))
        return { contents: `var __filename = __bundleOriginal(${path}), __dirname = __bundleDirname(__filename);\n${text}`, loader: 'js' }
      })
    }
  }
}

/** The start bundle's first lines: require() for the CommonJS packages inside, and originalPaths' helper. */
const BUNDLE_BANNER = [
  "import { createRequire as __createRequire } from 'node:module'",
  "import { dirname as __bundleDirname } from 'node:path'",
  "import { fileURLToPath as __bundleFileURLToPath } from 'node:url'",
  'const require = __createRequire(import.meta.url)',
  'const __bundleOriginal = path => __bundleFileURLToPath(new URL(path, import.meta.url))'
].join('; ')

/**
 * Drops every mapping into node_modules from the start bundle's maps, and a map (with its
 * `sourceMappingURL` comment) that keeps none. Spec: https://tc39.es/ecma426/
 */
function keepOwnMappings (dir) {
  for (const name of readdirSync(dir).filter(f => /^server\.bundle.*\.js\.map$/.test(f))) {
    const file = join(dir, name)
    const map = JSON.parse(readFileSync(file, 'utf8'))
    const index = []
    let kept = 0
    for (const source of map.sources) index.push(source.includes('node_modules/') ? -1 : kept++)
    const lines = decode(map.mappings).map(line => line
      // [column] alone maps to no source; [column, source, line, column(, name)] otherwise.
      .filter(segment => segment.length === 1 || index[segment[1]] !== -1)
      .map(segment => segment.length === 1 ? segment : [segment[0], index[segment[1]], ...segment.slice(2)]))
    if (kept === 0) {
      rmSync(file)
      const js = file.slice(0, -'.map'.length)
      writeFileSync(js, readFileSync(js, 'utf8').replace(/\n\/\/# sourceMappingURL=[^\n]*\n?$/, '\n'))
      continue
    }
    map.sources = map.sources.filter((_, i) => index[i] !== -1)
    map.mappings = encode(lines)
    writeFileSync(file, JSON.stringify(map))
  }
}

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
  await build({
    entryPoints: { 'server.bundle': join(src, 'server.ts') },
    outdir: tmp,
    bundle: true,
    splitting: true,
    chunkNames: 'server.bundle-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    supported: { 'import-attributes': true },
    external: BUNDLE_EXTERNAL,
    plugins: [originalPaths(tmp)],
    banner: { js: BUNDLE_BANNER },
    // V8 keeps every loaded script's source text for the life of the process (lazy compilation,
    // Function.prototype.toString): whitespace and syntax minification take the loaded sources from
    // ~11 to ~5 MB of heap and starts ~8 % faster. Identifiers keep their names (stack traces and
    // function names stay readable); our own code maps back to src/ through the source maps.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning'
  })
  keepOwnMappings(tmp)
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
console.log(`built ${code.length} modules, the start bundle and ${assets.length} other files into ${relative(root, out) || '.'}/ in ${Math.round(performance.now() - started)} ms`)
