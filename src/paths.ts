/**
 * Where the files the gateway reads at run time are found, in one place. The code runs either
 * from src/ (tsx: `npm run dev`, the tests, the CLIs) or from dist/ (the build: `npm start`); both
 * sit directly below the package root, and the build (scripts/build.mjs) copies every
 * non-TypeScript file under src/ to the same place under dist/. So:
 * - a file kept under src/ (GraphQL operations, the allow-list, …) is found with `fromCode`;
 * - a file kept at the package root (schema/, drizzle/) is found with `fromPackageRoot`.
 * Never resolve such a file from a module's own `import.meta.url`: modules move, this file does not.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** src/ when running the TypeScript sources, dist/ when running the build (ends with a separator). */
export const CODE_ROOT = fileURLToPath(new URL('./', import.meta.url))

/** The folder holding package.json, schema/ and drizzle/ (ends with a separator). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url))

/** A path under the package root, e.g. `fromPackageRoot('schema')`. */
export function fromPackageRoot (...segments: string[]): string {
  return join(PACKAGE_ROOT, ...segments)
}

/** A path under src/ (or dist/ in the build), e.g. `fromCode('graphql', 'operations')`. */
export function fromCode (...segments: string[]): string {
  return join(CODE_ROOT, ...segments)
}
