/**
 * `npm run db:check`: fails when a dialect's schema (src/db/<dialect>/schema.ts) has changes
 * that no committed migration in drizzle/<dialect>/ carries, like `codegen:check` for the SDL.
 * It runs drizzle-kit's generator on a scratch copy of each migrations folder and reports any
 * migration it would add. `npm run db:generate` writes them for real (both dialects).
 * Never imported by the app.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface DialectLayout {
  /** drizzle-kit's dialect name. */
  dialect: 'sqlite' | 'postgresql'
  /** Absolute path of the schema module. */
  schema: string
  /** Absolute path of the committed migrations folder. */
  out: string
}

const root = fileURLToPath(new URL('../../', import.meta.url))

export const DIALECTS: Record<'sqlite' | 'pg', DialectLayout> = {
  sqlite: { dialect: 'sqlite', schema: join(root, 'src/db/sqlite/schema.ts'), out: join(root, 'drizzle/sqlite') },
  pg: { dialect: 'postgresql', schema: join(root, 'src/db/pg/schema.ts'), out: join(root, 'drizzle/pg') }
}

/** The SQL files drizzle-kit would add to `layout.out` for the current schema (none = in sync). */
export function pendingMigrations (layout: DialectLayout): string[] {
  const scratch = mkdtempSync(join(tmpdir(), 'db-check-'))
  try {
    cpSync(layout.out, scratch, { recursive: true })
    const before = new Set(readdirSync(scratch))
    // drizzle-kit prefixes `out` with "./": it must be relative to the working directory.
    const output = execFileSync(join(root, 'node_modules/.bin/drizzle-kit'), [
      'generate', `--dialect=${layout.dialect}`, `--schema=${relative(root, layout.schema)}`, `--out=${relative(root, scratch)}`
    ], { cwd: root, stdio: 'pipe', encoding: 'utf8' })
    const added = readdirSync(scratch).filter(f => f.endsWith('.sql') && !before.has(f))
    // drizzle-kit exits 0 even when it fails: only its two known outcomes count.
    if (added.length === 0 && !output.includes('No schema changes')) {
      throw new Error(`drizzle-kit generate did not run cleanly for ${relative(root, layout.schema)}:\n${output}`)
    }
    return added
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

/* c8 ignore start: the command-line entry; test/db/migrations-check.test.ts runs it as a process */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let failed = false
  for (const [name, layout] of Object.entries(DIALECTS)) {
    const pending = pendingMigrations(layout)
    if (pending.length === 0) {
      process.stdout.write(`db:check: ${name} migrations match src/db/${name}/schema.ts\n`)
    } else {
      failed = true
      process.stderr.write(`db:check: src/db/${name}/schema.ts has changes without a migration in drizzle/${name}/ (drizzle-kit would add ${pending.join(', ')}); run npm run db:generate and commit the result.\n`)
    }
  }
  process.exit(failed ? 1 : 0)
}
/* c8 ignore stop */
