import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync, chmodSync, existsSync } from 'node:fs'
import { join } from 'node:path'

export interface DevSecrets {
  sessionSecret: string
  tokenEncryptionKey: string
}

export const DEV_SECRETS_FILE = 'dev-secrets.json'

/**
 * Outside production, secrets that were not configured are generated once and kept in the
 * data folder (mode 0600), so a restart keeps sessions and stored tokens readable.
 */
export function loadOrCreateDevSecrets (dataDir: string): DevSecrets {
  const file = join(dataDir, DEV_SECRETS_FILE)
  if (existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>
    if (typeof parsed.sessionSecret === 'string' && typeof parsed.tokenEncryptionKey === 'string') {
      return { sessionSecret: parsed.sessionSecret, tokenEncryptionKey: parsed.tokenEncryptionKey }
    }
    throw new Error(`${file} is damaged; delete it to generate new development secrets (stored tokens become unreadable).`)
  }
  mkdirSync(dataDir, { recursive: true })
  const secrets: DevSecrets = {
    sessionSecret: randomBytes(48).toString('base64'),
    tokenEncryptionKey: randomBytes(32).toString('base64')
  }
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' })
  chmodSync(file, 0o600)
  return secrets
}
