import { readdirSync, readFileSync } from 'node:fs'
import { type GraphQLSchema, buildSchema } from 'graphql'
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

/**
 * The served schema, built from the SDL without re-running graphql-js's SDL validation at every
 * start (`assumeValidSDL`, ~35-40 ms of a start): the SDL is validated where it changes, by the
 * build in test/graphql/schema.test.ts, `npm run codegen:check` and graphql-schema-linter, and
 * mercurius still runs `validateSchema` on the result when the app is ready.
 */
export function buildServedSchema (dir: string = SCHEMA_DIR): GraphQLSchema {
  return buildSchema(loadSchema(dir).join('\n'), { assumeValidSDL: true })
}
