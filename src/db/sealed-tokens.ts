import type { TokenRecord } from './store.js'
import type { TokenCipher } from './token-cipher.js'

/**
 * The encrypted columns of a sentry_tokens row, the same in both dialects (src/db/sqlite/schema.ts,
 * src/db/pg/schema.ts): both stores seal and open them here, so a row written by one opens in the other
 * (npm run db:copy relies on it).
 */
export interface SealedTokenColumns {
  connectionId: string
  keyId: string
  accessTokenCiphertext: string
  refreshTokenCiphertext: string | null
  version: number
}

/** Additional authenticated data: binds a ciphertext to its row and column. */
export const tokenAad = (connectionId: string, column: 'access' | 'refresh'): string => `sentry_tokens/${connectionId}/${column}`

export function sealTokens (cipher: TokenCipher, connectionId: string, accessToken: string, refreshToken: string | null): Omit<SealedTokenColumns, 'connectionId' | 'version'> {
  const access = cipher.seal(accessToken, tokenAad(connectionId, 'access'))
  const refresh = refreshToken === null ? null : cipher.seal(refreshToken, tokenAad(connectionId, 'refresh'))
  return { keyId: access.keyId, accessTokenCiphertext: access.ciphertext, refreshTokenCiphertext: refresh?.ciphertext ?? null }
}

/** The access token alone: the refresh token stays sealed until a refresh needs it. */
export function openAccessToken (cipher: TokenCipher, connectionId: string, keyId: string, ciphertext: string): string {
  return cipher.open({ keyId, ciphertext }, tokenAad(connectionId, 'access'))
}

/** Both tokens of a row (for a refresh, the keep-alive and re-encryption). */
export function openTokens (cipher: TokenCipher, row: SealedTokenColumns, expiresAt: Date | null): TokenRecord {
  return {
    connectionId: row.connectionId,
    accessToken: openAccessToken(cipher, row.connectionId, row.keyId, row.accessTokenCiphertext),
    refreshToken: row.refreshTokenCiphertext === null
      ? null
      : cipher.open({ keyId: row.keyId, ciphertext: row.refreshTokenCiphertext }, tokenAad(row.connectionId, 'refresh')),
    expiresAt,
    version: row.version
  }
}
