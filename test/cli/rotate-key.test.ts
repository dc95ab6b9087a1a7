import t from 'tap'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { createSqliteStore } from '../../src/db/sqlite/store.js'
import { createTokenCipher } from '../../src/db/token-cipher.js'
import { parseTokenKeys } from '../../src/config.js'
import { runSource } from '../helpers/process.js'

/** `npm run rotate-key`'s command, outside tap's coverage (test/helpers/process.ts); `out` is stdout and stderr. */
async function rotateKey (env: Record<string, string>): Promise<{ code: number | null, out: string }> {
  const { code, all } = await runSource('src/cli/rotate-key.ts', [], env)
  return { code, out: all }
}

t.test('npm run rotate-key re-encrypts every row under the current key; an unlisted key is a clear error', async t => {
  const dir = t.testdir()
  const db = join(dir, 'gateway.db')
  const oldKey = randomBytes(32).toString('base64')
  const newKey = randomBytes(32).toString('base64')
  const before = createSqliteStore({ path: db, cipher: createTokenCipher(parseTokenKeys(`old:${oldKey}`)) })
  const user = await before.createUser()
  const c = await before.saveConnection({
    userId: user.id,
    sentryUser: { id: '1', name: null, email: null },
    scopes: ['org:read'],
    scopingOrgId: null,
    expiresAt: null,
    accessToken: 'access-token-value',
    refreshToken: 'refresh-token-value',
    organizations: []
  })
  await before.close()
  const env = { DATABASE_URL: db, SESSION_SECRET: 's'.repeat(40), LOG_LEVEL: 'silent' }

  const missing = await rotateKey({ ...env, TOKEN_ENCRYPTION_KEY: `new:${newKey}` })
  t.equal(missing.code, 1)
  t.match(missing.out, /rotate-key failed: .*key id "old"/)

  const ok = await rotateKey({ ...env, TOKEN_ENCRYPTION_KEY: `new:${newKey},old:${oldKey}` })
  t.equal(ok.code, 0, ok.out)
  t.match(ok.out, /1 of 1 token rows re-encrypted under key "new"/)
  t.notMatch(ok.out, /access-token-value|refresh-token-value/)

  const after = createSqliteStore({ path: db, cipher: createTokenCipher(parseTokenKeys(`new:${newKey}`)) })
  t.teardown(() => after.close())
  t.equal((await after.getTokens(c.id))?.accessToken, 'access-token-value', 'readable with the new key alone')

  const bad = await rotateKey({ ...env, TOKEN_ENCRYPTION_KEY: 'nope' })
  t.equal(bad.code, 1)
  t.match(bad.out, /rotate-key failed: TOKEN_ENCRYPTION_KEY: /)
})
