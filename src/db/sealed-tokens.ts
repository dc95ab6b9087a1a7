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

/** How many opened access tokens an AccessTokenOpener keeps (about 300 bytes each). */
export const OPENED_ACCESS_TOKENS = 1024

/**
 * Opens access tokens, remembering the last OPENED_ACCESS_TOKENS it opened: every GraphQL request
 * reads its connection's sealed access token, and AES-GCM of it was ~4 % of a small answer's CPU
 * in the benchmark's profile. The memory is keyed by the whole sealed value (key id, row, ciphertext
 * with its random nonce), so a refreshed, rotated or re-encrypted token is a new entry and a
 * ciphertext copied to another row is still opened (and refused) by the cipher. Nothing here is
 * shared between stores; the refresh token is never kept.
 */
export type AccessTokenOpener = (connectionId: string, keyId: string, ciphertext: string) => string

export function accessTokenOpener (cipher: TokenCipher, max = OPENED_ACCESS_TOKENS): AccessTokenOpener {
  const opened = new Map<string, string>()
  return (connectionId, keyId, ciphertext) => {
    const key = `${keyId}\n${connectionId}\n${ciphertext}`
    const hit = opened.get(key)
    if (hit !== undefined) return hit
    const plaintext = openAccessToken(cipher, connectionId, keyId, ciphertext)
    if (opened.size >= max) opened.delete(opened.keys().next().value as string)
    opened.set(key, plaintext)
    return plaintext
  }
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
