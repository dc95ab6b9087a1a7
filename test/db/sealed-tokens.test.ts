/**
 * src/db/sealed-tokens.ts: sealing and opening a sentry_tokens row, and the bounded memory of
 * opened access tokens that the stores' per-request read uses.
 */
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { parseTokenKeys } from '../../src/config.js'
import { accessTokenOpener, openTokens, sealTokens } from '../../src/db/sealed-tokens.js'
import { createTokenCipher, TokenDecryptError, type TokenCipher } from '../../src/db/token-cipher.js'

/** A real cipher that counts how often it opens. */
function countingCipher (keys = `k1:${randomBytes(32).toString('base64')}`): TokenCipher & { opens: number } {
  const cipher = createTokenCipher(parseTokenKeys(keys))
  const counting = {
    opens: 0,
    currentKeyId: cipher.currentKeyId,
    hasKey: (keyId: string) => cipher.hasKey(keyId),
    seal: (plaintext: string, aad: string) => cipher.seal(plaintext, aad),
    open: (sealed: { keyId: string, ciphertext: string }, aad: string) => { counting.opens++; return cipher.open(sealed, aad) }
  }
  return counting
}

t.test('sealTokens/openTokens: both tokens round-trip, bound to their row', async t => {
  const cipher = countingCipher()
  const sealed = sealTokens(cipher, 'conn-1', 'access-1', 'refresh-1')
  t.same(openTokens(cipher, { connectionId: 'conn-1', version: 3, ...sealed }, null),
    { connectionId: 'conn-1', accessToken: 'access-1', refreshToken: 'refresh-1', expiresAt: null, version: 3 })
  t.throws(() => openTokens(cipher, { connectionId: 'conn-2', version: 3, ...sealed }, null), TokenDecryptError, 'another row does not open them')
  const noRefresh = sealTokens(cipher, 'conn-1', 'access-2', null)
  t.equal(noRefresh.refreshTokenCiphertext, null)
  t.equal(openTokens(cipher, { connectionId: 'conn-1', version: 1, ...noRefresh }, null).refreshToken, null)
})

t.test('accessTokenOpener: opens each sealed access token once, and only where the cipher would', async t => {
  const cipher = countingCipher()
  const open = accessTokenOpener(cipher)
  const a = sealTokens(cipher, 'conn-a', 'access-a', 'refresh-a')
  t.equal(open('conn-a', a.keyId, a.accessTokenCiphertext), 'access-a')
  t.equal(open('conn-a', a.keyId, a.accessTokenCiphertext), 'access-a')
  t.equal(cipher.opens, 1, 'the second read of the same sealed value is remembered')

  t.throws(() => open('conn-b', a.keyId, a.accessTokenCiphertext), TokenDecryptError, 'the ciphertext copied to another row is still refused')
  t.throws(() => open('conn-a', 'other-key', a.accessTokenCiphertext), TokenDecryptError, 'under a key id the keyring lacks, refused')
  t.throws(() => open('conn-a', a.keyId, a.refreshTokenCiphertext as string), TokenDecryptError, 'the refresh column is not an access token')

  const refreshed = sealTokens(cipher, 'conn-a', 'access-a2', 'refresh-a2')
  const before = cipher.opens
  t.equal(open('conn-a', refreshed.keyId, refreshed.accessTokenCiphertext), 'access-a2', 'a refreshed token is a new entry')
  t.equal(cipher.opens, before + 1)
})

t.test('accessTokenOpener: bounded, the oldest entry goes first', async t => {
  const cipher = countingCipher()
  const open = accessTokenOpener(cipher, 3)
  const rows = [0, 1, 2, 3].map(i => ({ id: `conn-${i}`, ...sealTokens(cipher, `conn-${i}`, `access-${i}`, null) }))
  for (const r of rows.slice(0, 3)) open(r.id, r.keyId, r.accessTokenCiphertext)
  t.equal(cipher.opens, 3)
  open(rows[3]!.id, rows[3]!.keyId, rows[3]!.accessTokenCiphertext)
  t.equal(cipher.opens, 4)
  t.equal(open(rows[1]!.id, rows[1]!.keyId, rows[1]!.accessTokenCiphertext), 'access-1')
  t.equal(cipher.opens, 4, 'a newer entry is still kept')
  t.equal(open(rows[0]!.id, rows[0]!.keyId, rows[0]!.accessTokenCiphertext), 'access-0')
  t.equal(cipher.opens, 5, 'the oldest was dropped and is opened again')
})
