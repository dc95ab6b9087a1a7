import t from 'tap'
import { describeScope } from '../../src/pages/scopes.js'

t.test('describeScope says what a scope lets the gateway do', async t => {
  t.equal(describeScope('org:read'), 'see your organizations, their settings and their projects')
  t.equal(describeScope('made:up'), 'use the “made:up” permission')
})
