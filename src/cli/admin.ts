/**
 * `npm run admin -- <command>`: operator commands on the gateway's database, safe while the
 * gateway runs (SQLite in WAL mode with a busy timeout, or PostgreSQL; refreshes take the same database lease as
 * the gateway, so they never race a request or another instance).
 *
 *   connections list [--status ACTIVE|REVOKED] [--user <userId>]
 *   connections show <connectionId>
 *   connections refresh <connectionId>
 *   connections revoke <connectionId> [--reason <text>]
 *   users list
 *
 * Every command takes --json. Exit codes: 0 done, 1 failed (Sentry or the database), 2 bad
 * usage or configuration, 3 no such connection, 4 the connection is revoked. No command ever
 * prints a token.
 */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { loadConfig, ConfigError, type Config } from '../config.js'
import type { ConnectionRecord, ConnectionStatus, Store } from '../db/store.js'
import { openStore } from '../db/open-store.js'
import { TokenDecryptError } from '../db/token-cipher.js'
import { isGatewayError } from '../errors.js'
import { createSentryGateway } from '../sentry/gateway.js'
import { noopSignals } from '../telemetry/signals.js'

type Env = Record<string, string | undefined>
type Out = (s: string) => void

export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3, revoked: 4 } as const

export const USAGE = `Usage: npm run admin -- <command> [--json]

  connections list [--status ACTIVE|REVOKED] [--user <userId>]
  connections show <connectionId>
  connections refresh <connectionId>      refresh its Sentry tokens now (same lease as the gateway)
  connections revoke <connectionId> [--reason <text>]
                                          mark it REVOKED and delete its tokens; the user must reconnect
  users list

Reads DATABASE_URL and TOKEN_ENCRYPTION_KEY like the gateway (refresh also SENTRY_URL,
SENTRY_CLIENT_ID and SENTRY_CLIENT_SECRET). Exit codes: 0 done, 1 failed, 2 usage or
configuration, 3 no such connection, 4 connection revoked.
`

/** The operator's reason when none is given. */
export const REVOKED_BY_OPERATOR = 'revoked by an operator (npm run admin)'

class CommandError extends Error {
  constructor (readonly exitCode: number, message: string) { super(message) }
}

export interface AdminDeps {
  /** Opens the store (tests); by default the gateway's store on DATABASE_URL (SQLite or PostgreSQL). */
  openStore?: (config: Config) => Promise<Store>
}

const iso = (d: Date | null): string | null => d === null ? null : d.toISOString()

/** A connection as printed: everything an operator needs, no token material. */
function describe (c: ConnectionRecord): Record<string, unknown> {
  return {
    id: c.id,
    userId: c.userId,
    status: c.status,
    statusReason: c.statusReason,
    statusChangedAt: iso(c.statusChangedAt),
    sentryUser: c.sentryUser,
    scopes: c.scopes,
    scopingOrgId: c.scopingOrgId,
    organizations: c.organizations.map(o => ({ id: o.orgId, slug: o.slug, name: o.name, regionUrl: o.regionUrl })),
    accessTokenExpiresAt: iso(c.expiresAt),
    tokensIssuedAt: iso(c.tokensIssuedAt),
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt)
  }
}

function table (rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length))) ?? []
  return rows.map(r => r.map((cell, i) => i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n') + '\n'
}

function showText (c: ConnectionRecord): string {
  const d = describe(c)
  const orgs = c.organizations.map(o => `${o.slug} (${o.orgId}, ${o.regionUrl})`).join(', ')
  return [
    `connection      ${c.id}`,
    `user            ${c.userId}`,
    `status          ${c.status}${c.statusReason === null ? '' : ` (${c.statusReason})`} since ${String(d.statusChangedAt)}`,
    `sentry user     ${c.sentryUser.id}${c.sentryUser.name === null ? '' : ` ${c.sentryUser.name}`}${c.sentryUser.email === null ? '' : ` <${c.sentryUser.email}>`}`,
    `scopes          ${c.scopes.join(' ')}`,
    `organizations   ${orgs === '' ? '(none)' : orgs}`,
    `token expires   ${String(d.accessTokenExpiresAt ?? 'never')}`,
    `last refresh    ${String(d.tokensIssuedAt ?? 'unknown')} (when Sentry last issued its tokens: connect or refresh)`,
    `created         ${String(d.createdAt)}`
  ].join('\n') + '\n'
}

const STATUSES = new Set<ConnectionStatus>(['ACTIVE', 'REVOKED'])

export async function runAdmin (env: Env, argv: string[], out: Out, err: Out, deps: AdminDeps = {}): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        status: { type: 'string' },
        user: { type: 'string' },
        reason: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false }
      }
    })
  } catch (e) {
    err(`admin: ${(e as Error).message}\n\n${USAGE}`)
    return EXIT.usage
  }
  const { values, positionals } = parsed
  if (values.help === true || positionals.length === 0) {
    (values.help === true ? out : err)(USAGE)
    return values.help === true ? EXIT.ok : EXIT.usage
  }
  const json = values.json === true
  const [group, action, target, ...extra] = positionals
  const command = `${group ?? ''} ${action ?? ''}`.trim()
  const known = ['connections list', 'connections show', 'connections refresh', 'connections revoke', 'users list']
  if (!known.includes(command)) {
    err(`admin: unknown command "${positionals.join(' ')}".\n\n${USAGE}`)
    return EXIT.usage
  }
  const needsId = ['connections show', 'connections refresh', 'connections revoke'].includes(command)
  if (needsId && target === undefined) {
    err(`admin: "${command}" needs a connection id; list them with: npm run admin -- connections list\n`)
    return EXIT.usage
  }
  if ((needsId ? extra : [target, ...extra].filter(x => x !== undefined)).length > 0) {
    err(`admin: unexpected argument "${(needsId ? extra : [target, ...extra])[0] ?? ''}".\n\n${USAGE}`)
    return EXIT.usage
  }
  if (values.status !== undefined && !STATUSES.has(values.status.toUpperCase() as ConnectionStatus)) {
    err(`admin: --status must be ACTIVE or REVOKED, not "${values.status}".\n`)
    return EXIT.usage
  }

  let config: Config
  try {
    config = loadConfig(env)
  } catch (e) {
    /* c8 ignore next -- loadConfig throws only ConfigError */
    if (!(e instanceof ConfigError)) throw e
    err(`admin: invalid configuration: ${e.message}\n`)
    return EXIT.usage
  }
  let store: Store
  try {
    store = await (deps.openStore ?? (async (c: Config) => await openStore(c, { applicationName: 'sentry-graphql-gateway admin' })))(config)
  } catch (e) {
    err(`admin: cannot open the database (${(e as Error).message}); check DATABASE_URL and that the database is reachable.\n`)
    return EXIT.failed
  }
  const print = (data: unknown, text: string): void => { out(json ? `${JSON.stringify(data, null, 2)}\n` : text) }
  try {
    switch (command) {
      case 'connections list': {
        const status = values.status?.toUpperCase() as ConnectionStatus | undefined
        const list = await store.listAllConnections({ status, userId: values.user })
        print(list.map(describe), list.length === 0
          ? 'No connections match.\n'
          : table([
            ['ID', 'USER', 'STATUS', 'SENTRY USER', 'ORGANIZATIONS', 'TOKEN EXPIRES', 'LAST REFRESH'],
            ...list.map(c => [c.id, c.userId, c.status, c.sentryUser.email ?? c.sentryUser.id,
              c.organizations.map(o => o.slug).join(',') || '-', iso(c.expiresAt) ?? 'never', iso(c.tokensIssuedAt) ?? 'unknown'])
          ]))
        return EXIT.ok
      }
      case 'connections show': {
        const c = await mustGet(store, target as string)
        print(describe(c), showText(c))
        return EXIT.ok
      }
      case 'connections refresh': {
        const c = await mustGet(store, target as string)
        if (c.status === 'REVOKED') throw revokedError(c)
        const row = await store.getTokens(c.id)
        /* c8 ignore next -- an ACTIVE connection always has a token row; a revoke racing us lands here */
        if (row === null) throw revokedError(c)
        if (config.useEmulator) {
          throw new CommandError(EXIT.usage, 'refresh needs SENTRY_CLIENT_ID and SENTRY_CLIENT_SECRET (in zero-config mode the emulator\'s credentials exist only inside the running gateway).')
        }
        // The refresh signal fires only when this process itself sends the refresh to Sentry.
        let posted = false
        const signals = { ...noopSignals, refresh: () => { posted = true; return noopSignals.refresh() } }
        const gateway = createSentryGateway({ config, store, signals })
        try {
          await gateway.refreshTokens(c.id, row.version)
          const refreshed = await mustGet(store, c.id)
          const rotated = posted
          print({ connection: describe(refreshed), refreshed: rotated },
            `${rotated ? 'Refreshed' : 'Already refreshed meanwhile (by the gateway or another instance)'}: connection ${c.id}, token expires ${iso(refreshed.expiresAt) ?? 'never'}.\n`)
        } catch (e) {
          if (isGatewayError(e) && e.code === 'RECONNECT_REQUIRED') {
            throw new CommandError(EXIT.revoked, `Sentry refused the refresh token: connection ${c.id} is now REVOKED; its user must connect to Sentry again.`)
          }
          if (isGatewayError(e)) throw new CommandError(EXIT.failed, `the refresh failed (${e.code}): ${e.message} Try again later; the connection is unchanged.`)
          throw e
        } finally {
          await gateway.close()
        }
        return EXIT.ok
      }
      case 'connections revoke': {
        const c = await mustGet(store, target as string)
        if (c.status === 'REVOKED') throw revokedError(c)
        const reason = values.reason?.trim() === undefined || values.reason.trim() === '' ? REVOKED_BY_OPERATOR : values.reason.trim().slice(0, 200)
        // Compare-and-swap on the token row: retried if a refresh lands between read and write.
        for (let attempt = 0; attempt < 5; attempt++) {
          const row = await store.getTokens(c.id)
          if (row === null) break
          if (await store.markRevoked(c.id, reason, row.version)) break
        }
        const after = await mustGet(store, c.id)
        print(describe(after), `Revoked: connection ${c.id} (${after.statusReason ?? reason}). Its user must connect to Sentry again; to also remove the grant at Sentry, the user removes the application under Settings → Authorized Applications.\n`)
        return EXIT.ok
      }
      default: { // users list
        const users = await store.listUsers()
        print(users.map(u => ({ ...u, createdAt: iso(u.createdAt) })), users.length === 0
          ? 'No users.\n'
          : table([['ID', 'CREATED', 'CONNECTIONS', 'ACTIVE'], ...users.map(u => [u.id, iso(u.createdAt) ?? '', String(u.connections), String(u.activeConnections)])]))
        return EXIT.ok
      }
    }
  } catch (e) {
    if (e instanceof CommandError) {
      err(`admin: ${e.message}\n`)
      return e.exitCode
    }
    if (e instanceof TokenDecryptError) {
      err(`admin: ${e.message}\n`)
      return EXIT.usage
    }
    /* c8 ignore next 2 -- a database failure: reported, never with a token */
    err(`admin: ${command} failed: ${(e as Error).message}\n`)
    return EXIT.failed
  } finally {
    await store.close()
  }
}

async function mustGet (store: Store, id: string): Promise<ConnectionRecord> {
  const c = await store.getConnection(id)
  if (c === null) throw new CommandError(EXIT.notFound, `no connection "${id}"; list them with: npm run admin -- connections list`)
  return c
}

function revokedError (c: ConnectionRecord): CommandError {
  return new CommandError(EXIT.revoked, `connection ${c.id} is already REVOKED (${c.statusReason ?? 'no reason recorded'}); its user must connect to Sentry again.`)
}

/* c8 ignore next 4 -- the command-line entry; tests call runAdmin directly (and once through npm) */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runAdmin(process.env, process.argv.slice(2),
    s => { process.stdout.write(s) }, s => { process.stderr.write(s) })
}
