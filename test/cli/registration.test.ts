import t from 'tap'
import { join } from 'node:path'
import { runRegistration } from '../../src/cli/registration.js'

t.test('npm run registration prints the values, needs no secrets and writes nothing', async t => {
  const dir = t.testdir()
  let out = ''
  let err = ''
  const env = { PUBLIC_URL: 'https://gw.example.com', DATABASE_URL: join(dir, 'data', 'gw.db'), SESSION_SECRET: ' ' }
  t.equal(runRegistration(env, [], s => { out += s }, s => { err += s }), 0)
  t.match(out, /Authorized Redirect URIs: +https:\/\/gw\.example\.com\/oauth\/sentry\/callback/)
  t.equal(err, '')
  const fs = await import('node:fs')
  t.notOk(fs.existsSync(join(dir, 'data')), 'no dev secrets were generated (an empty SESSION_SECRET counts as unset)')

  out = ''
  t.equal(runRegistration({ ...env, NODE_ENV: 'production' }, ['--json'], s => { out += s }, s => { err += s }), 0, 'works in production before credentials exist')
  t.match(JSON.parse(out), { homepageUrl: 'https://gw.example.com', redirectUris: ['https://gw.example.com/oauth/sentry/callback'] })

  t.equal(runRegistration({ PUBLIC_URL: 'ftp://x' }, [], s => { out += s }, s => { err += s }), 1)
  t.match(err, /invalid configuration: PUBLIC_URL/)
})
