import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import type { TokenKeyring } from '../config.js'

/**
 * AES-256-GCM for tokens at rest. Each seal uses a random 96-bit nonce; the stored form is
 * base64(nonce ‖ ciphertext ‖ tag) plus the key id kept in its own column. The caller passes
 * the row's identity as additional authenticated data, so a ciphertext copied to another row
 * (or another column) fails to open.
 */
export interface Sealed {
  keyId: string
  ciphertext: string
}

export interface TokenCipher {
  readonly currentKeyId: string
  seal (plaintext: string, aad: string): Sealed
  open (sealed: Sealed, aad: string): string
  hasKey (keyId: string): boolean
}

export class TokenDecryptError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'TokenDecryptError'
  }
}

const NONCE_BYTES = 12
const TAG_BYTES = 16

export function createTokenCipher (keyring: TokenKeyring): TokenCipher {
  const current = keyring.keys.get(keyring.currentKeyId)
  if (current === undefined) throw new Error(`current key id "${keyring.currentKeyId}" is not in the keyring`)
  return {
    currentKeyId: keyring.currentKeyId,
    hasKey: keyId => keyring.keys.has(keyId),
    seal (plaintext, aad) {
      const nonce = randomBytes(NONCE_BYTES)
      const cipher = createCipheriv('aes-256-gcm', current, nonce)
      cipher.setAAD(Buffer.from(aad, 'utf8'))
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return {
        keyId: keyring.currentKeyId,
        ciphertext: Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64')
      }
    },
    open (sealed, aad) {
      const key = keyring.keys.get(sealed.keyId)
      if (key === undefined) {
        throw new TokenDecryptError(`token was sealed under key id "${sealed.keyId}", which TOKEN_ENCRYPTION_KEY no longer lists; add it back as "${sealed.keyId}:<base64>"`)
      }
      const raw = Buffer.from(sealed.ciphertext, 'base64')
      if (raw.length < NONCE_BYTES + TAG_BYTES) throw new TokenDecryptError('token ciphertext is truncated')
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, NONCE_BYTES))
      decipher.setAAD(Buffer.from(aad, 'utf8'))
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES))
      try {
        return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8')
      } catch {
        throw new TokenDecryptError('token ciphertext failed authentication (tampered, wrong key, or moved from another row)')
      }
    }
  }
}
