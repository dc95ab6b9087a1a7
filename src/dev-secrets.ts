import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync, chmodSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from './config-error.js'

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
  const generateOr = 'or set SESSION_SECRET and TOKEN_ENCRYPTION_KEY'
  if (existsSync(file)) {
    let parsed: Partial<DevSecrets> | null = null
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets> | null
    } catch (err) {
      const code = (err as { code?: unknown }).code
      if (code === 'EISDIR') throw new ConfigError('DATABASE_URL', `${file} is a folder, not the development secrets file; remove it ${generateOr}.`)
      if (typeof code === 'string') throw new ConfigError('DATABASE_URL', `cannot read ${file} (${code}); fix its permissions ${generateOr}.`)
      // Not JSON: falls through to "damaged".
    }
    if (typeof parsed?.sessionSecret === 'string' && typeof parsed.tokenEncryptionKey === 'string') {
      return { sessionSecret: parsed.sessionSecret, tokenEncryptionKey: parsed.tokenEncryptionKey }
    }
    throw new ConfigError('DATABASE_URL', `${file} is damaged; delete it to generate new development secrets (stored tokens become unreadable), ${generateOr}.`)
  }
  const secrets: DevSecrets = {
    sessionSecret: randomBytes(48).toString('base64'),
    tokenEncryptionKey: randomBytes(32).toString('base64')
  }
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' })
    chmodSync(file, 0o600)
  } catch (err) {
    const code = String((err as { code?: unknown }).code ?? 'error')
    const why = code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
      ? 'the folder is not writable'
      : code === 'ENOTDIR' || code === 'EEXIST' ? 'a file is in the way of the folder' : 'the file could not be written'
    throw new ConfigError('DATABASE_URL', `cannot create ${file}: ${why} (${code}); make ${dataDir} writable ${generateOr}.`)
  }
  return secrets
}
