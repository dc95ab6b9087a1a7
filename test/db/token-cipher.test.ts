import t from 'tap'
import { randomBytes } from 'node:crypto'
import { createTokenCipher, TokenDecryptError } from '../../src/db/token-cipher.js'
import { parseTokenKeys } from '../../src/config.js'

const k = (): string => randomBytes(32).toString('base64')

t.test('seal then open returns the plaintext; each seal uses a fresh nonce', async t => {
  const cipher = createTokenCipher(parseTokenKeys(k()))
  const a = cipher.seal('secret-token', 'row-1')
  const b = cipher.seal('secret-token', 'row-1')
  t.not(a.ciphertext, b.ciphertext)
  t.notMatch(a.ciphertext, /secret-token/)
  t.equal(a.keyId, 'default')
  t.equal(cipher.open(a, 'row-1'), 'secret-token')
  t.equal(cipher.open(b, 'row-1'), 'secret-token')
})

t.test('a tampered ciphertext fails authentication', async t => {
  const cipher = createTokenCipher(parseTokenKeys(k()))
  const sealed = cipher.seal('secret-token', 'row-1')
  const raw = Buffer.from(sealed.ciphertext, 'base64')
  raw[14] = raw[14]! ^ 0x01
  t.throws(() => cipher.open({ ...sealed, ciphertext: raw.toString('base64') }, 'row-1'), TokenDecryptError)
  t.throws(() => cipher.open({ ...sealed, ciphertext: 'AAAA' }, 'row-1'), /truncated/)
})

t.test('the wrong key fails, even under the same key id', async t => {
  const sealed = createTokenCipher(parseTokenKeys(k())).seal('secret-token', 'row-1')
  t.throws(() => createTokenCipher(parseTokenKeys(k())).open(sealed, 'row-1'), /failed authentication/)
})

t.test('a ciphertext moved to another row (other AAD) fails', async t => {
  const cipher = createTokenCipher(parseTokenKeys(k()))
  const sealed = cipher.seal('secret-token', 'sentry_tokens/a/access')
  t.throws(() => cipher.open(sealed, 'sentry_tokens/b/access'), TokenDecryptError)
  t.throws(() => cipher.open(sealed, 'sentry_tokens/a/refresh'), TokenDecryptError)
})

t.test('old keys stay readable while listed; an unknown key id is a clear error', async t => {
  const oldKey = k()
  const oldCipher = createTokenCipher(parseTokenKeys(`old:${oldKey}`))
  const sealed = oldCipher.seal('secret-token', 'row')
  const rotated = createTokenCipher(parseTokenKeys(`new:${k()},old:${oldKey}`))
  t.equal(rotated.currentKeyId, 'new')
  t.equal(rotated.open(sealed, 'row'), 'secret-token')
  t.equal(rotated.seal('x', 'row').keyId, 'new')
  const dropped = createTokenCipher(parseTokenKeys(`new:${k()}`))
  t.throws(() => dropped.open(sealed, 'row'), /key id "old".*no longer lists/)
  t.ok(rotated.hasKey('old'))
  t.notOk(dropped.hasKey('old'))
})

t.test('a keyring whose current key is missing is refused', async t => {
  t.throws(() => createTokenCipher({ currentKeyId: 'x', keys: new Map() }), /not in the keyring/)
})
