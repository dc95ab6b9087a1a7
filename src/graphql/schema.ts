import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The SDL folder: one file per type family (schema/*.graphql at the repository root). */
export const SCHEMA_DIR = fileURLToPath(new URL('../../schema/', import.meta.url))

/** Reads every schema/*.graphql file, sorted by name so the joined SDL is stable. */
export function loadSchema (dir: string = SCHEMA_DIR): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(join(dir, name), 'utf8'))
}
