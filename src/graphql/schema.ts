import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fromPackageRoot } from '../paths.js'

/** The SDL folder: one file per type family (schema/*.graphql at the repository root). */
export const SCHEMA_DIR = fromPackageRoot('schema')

/** Reads every schema/*.graphql file, sorted by name so the joined SDL is stable. */
export function loadSchema (dir: string = SCHEMA_DIR): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(join(dir, name), 'utf8'))
}
