/**
 * `npm run rotate-key`: re-encrypts every stored token under the current key (the first of
 * TOKEN_ENCRYPTION_KEY). Rows sealed under older keys stay readable while those keys are listed,
 * so the order is: prepend the new key, run this, then drop the old key.
 */
import { loadConfig, ConfigError } from '../config.js'
import { openStore } from '../db/open-store.js'
import { TokenDecryptError } from '../db/token-cipher.js'

try {
  const config = loadConfig(process.env)
  const store = await openStore(config, { applicationName: 'sentry-graphql-gateway rotate-key' })
  try {
    const { total, rewritten } = await store.reencryptAll()
    process.stdout.write(`rotate-key: ${rewritten} of ${total} token rows re-encrypted under key "${config.tokenKeys.currentKeyId}".\n`)
  } finally {
    await store.close()
  }
} catch (err) {
  if (err instanceof ConfigError || err instanceof TokenDecryptError) {
    process.stderr.write(`rotate-key failed: ${err.message}\n`)
    process.exit(1)
  }
  throw err
}
