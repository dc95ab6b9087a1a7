/**
 * `npm run db:copy -- --from <sqlite file> --to <postgres url>`: moves an installation from SQLite
 * to PostgreSQL (README "Running several instances"). Users, connections, organizations and the
 * still-encrypted tokens are copied as they are, so the same TOKEN_ENCRYPTION_KEY opens them and
 * nobody reconnects. A target that holds any of these rows is refused. Stop the gateway first.
 */
import { parseArgs } from 'node:util'
import { isPostgresUrl } from '../config.js'
import { copySqliteToPg, CopyRefused } from '../db/copy.js'

const USAGE = 'usage: npm run db:copy -- --from <sqlite file> --to <postgres://…>'

let args
try {
  args = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } }, strict: true }).values
} catch (err) {
  process.stderr.write(`db:copy: ${(err as Error).message}\n${USAGE}\n`)
  process.exit(2)
}
if (args.from === undefined || args.to === undefined) {
  process.stderr.write(`db:copy: both --from and --to are required.\n${USAGE}\n`)
  process.exit(2)
}
if (!isPostgresUrl(args.to)) {
  process.stderr.write(`db:copy: --to must be a postgres:// or postgresql:// URL.\n${USAGE}\n`)
  process.exit(2)
}
try {
  const n = await copySqliteToPg(args.from, args.to)
  const counts = Object.entries(n).map(([table, rows]) => `${table} ${rows}`).join(', ')
  process.stdout.write(`db:copy: copied ${counts} (tokens still encrypted: keep the same TOKEN_ENCRYPTION_KEY and SESSION_SECRET).\n`)
} catch (err) {
  // Never print the URL: it may carry a password.
  const message = err instanceof CopyRefused ? err.message : `failed, nothing was copied: ${(err as Error).message.replaceAll(args.to, '<postgres url>')}`
  process.stderr.write(`db:copy: ${message}\n`)
  process.exit(1)
}
