#!/usr/bin/env node
// Extracts the 200 response schemas of the Sentry operations the emulator serves from Sentry's
// official (dereferenced) OpenAPI spec into test/fixtures/openapi-ops.json, so tests never read
// the shared reference folder at run time.
//
// Source: getsentry/sentry-api-schema, openapi-derefed.json at commit a589a26c3b29 (2026-08-16),
// downloaded from that repository.
//
// Usage: node scripts/extract-openapi-fixture.mjs <path/to/openapi.json>
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const SOURCE = 'getsentry/sentry-api-schema openapi-derefed.json @ a589a26c3b29 (2026-08-16)'
const input = process.argv[2]
if (input === undefined) {
  console.error('usage: node scripts/extract-openapi-fixture.mjs <path/to/openapi.json> (getsentry/sentry-api-schema, openapi-derefed.json)')
  process.exit(2)
}
const output = fileURLToPath(new URL('../test/fixtures/openapi-ops.json', import.meta.url))

/** "METHOD path" exactly as in the spec. Keep in sync with the routes in src/emulator/api/. */
export const OPERATIONS = [
  'GET /api/0/organizations/',
  'GET /api/0/organizations/{organization_id_or_slug}/',
  'GET /api/0/organizations/{organization_id_or_slug}/projects/',
  'GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/',
  'GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/keys/',
  'GET /api/0/organizations/{organization_id_or_slug}/issues/',
  'GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/',
  'PUT /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/',
  'GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/',
  'GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/{event_id}/',
  'GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/tags/{key}/',
  'GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/tags/{key}/values/',
  'GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/events/{event_id}/',
  'GET /api/0/organizations/{organization_id_or_slug}/teams/',
  'GET /api/0/organizations/{organization_id_or_slug}/members/',
  'GET /api/0/organizations/{organization_id_or_slug}/releases/',
  'GET /api/0/organizations/{organization_id_or_slug}/releases/{version}/',
  'GET /api/0/organizations/{organization_id_or_slug}/stats_v2/',
  'GET /api/0/organizations/{organization_id_or_slug}/events/',
  'GET /api/0/organizations/{organization_id_or_slug}/events-timeseries/',
  'GET /api/0/organizations/{organization_id_or_slug}/trace/{trace_id}/',
  'GET /api/0/organizations/{organization_id_or_slug}/trace-meta/{trace_id}/',
  'GET /api/0/organizations/{organization_id_or_slug}/sessions/'
]

const spec = JSON.parse(readFileSync(input, 'utf8'))
const operations = {}
for (const key of OPERATIONS) {
  const [method, path] = key.split(' ')
  const op = spec.paths[path]?.[method.toLowerCase()]
  if (!op) throw new Error(`operation not in spec: ${key}`)
  const schema = op.responses['200']?.content?.['application/json']?.schema
  if (!schema) throw new Error(`no 200 JSON schema: ${key}`)
  operations[key] = {
    operationId: op.operationId,
    security: op.security,
    parameters: (op.parameters ?? []).map((p) => ({ name: p.name, in: p.in, required: p.required ?? false, schema: p.schema })),
    response200: schema
  }
}
writeFileSync(output, JSON.stringify({ source: SOURCE, generatedBy: 'scripts/extract-openapi-fixture.mjs', operations }, null, 1) + '\n')
console.log(`wrote ${Object.keys(operations).length} operations to ${output}`)
