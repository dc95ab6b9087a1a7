/**
 * `npm run revoke-sessions -- <user-id>`: signs a platform user out of every browser now, before
 * the cookies' 30 days are up (issue 10, defect 6). The user's session generation is bumped, so
 * every session cookie issued before is refused; their Sentry connections are kept.
 */
import { loadConfig, ConfigError } from '../config.js'
import { openStore } from '../db/open-store.js'

const userId = process.argv[2]
if (userId === undefined || userId === '' || userId.startsWith('-')) {
  process.stderr.write('usage: npm run revoke-sessions -- <user-id>\n')
  process.exit(2)
}
try {
  const config = loadConfig(process.env)
  const store = await openStore(config, { applicationName: 'sentry-graphql-gateway revoke-sessions' })
  try {
    const generation = await store.revokeSessions(userId)
    if (generation === null) {
      process.stderr.write(`revoke-sessions: no user "${userId}".\n`)
      process.exitCode = 1
    } else {
      process.stdout.write(`revoke-sessions: every session of user ${userId} issued before now is refused (generation ${generation}).\n`)
    }
  } finally {
    await store.close()
  }
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`revoke-sessions failed: ${err.message}\n`)
    process.exit(1)
  }
  throw err
}
