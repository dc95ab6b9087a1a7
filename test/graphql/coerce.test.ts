/**
 * Issue 10, defect 9: a malformed upstream object (a non-null ID missing) is UPSTREAM_ERROR on
 * that field, not an empty ID.
 */
import t from 'tap'
import { GraphQLError } from 'graphql'
import type { MercuriusContext } from 'mercurius'
import { GatewayError } from '../../src/errors.js'
import { bool, date, float, int, json, list, record, requiredId, str, strList } from '../../src/graphql/coerce.js'
import { errorFormatter } from '../../src/graphql/error-formatter.js'
import { resolvers } from '../../src/graphql/resolvers/index.js'
import { member } from '../../src/graphql/resolvers/member.js'
import { projectKey } from '../../src/graphql/resolvers/project.js'
import { releaseProject } from '../../src/graphql/resolvers/release.js'
import { team } from '../../src/graphql/resolvers/team.js'

const upstream = (fn: () => unknown): string | undefined => {
  try {
    fn()
    return undefined
  } catch (err) {
    return err instanceof GatewayError ? err.code : String(err)
  }
}

t.test('requiredId: the first non-empty candidate, else UPSTREAM_ERROR', async (t) => {
  t.equal(requiredId('an issue', '12'), '12')
  t.equal(requiredId('an issue', 12), '12')
  t.equal(requiredId('an event', undefined, 'abc'), 'abc')
  t.equal(requiredId('an event', '', 'abc'), 'abc', 'an empty string is no id')
  for (const bad of [[], [undefined], [null], [''], [{}], [[]]]) t.equal(upstream(() => requiredId('x', ...bad)), 'UPSTREAM_ERROR', JSON.stringify(bad))
})

t.test('attack: objects without their id, field by field', async (t) => {
  const scope = { connectionId: 'c', org: 'acme' }
  const field = (type: string, name: string): (parent: unknown) => unknown => {
    const resolver = (resolvers as unknown as Record<string, Record<string, (p: unknown, a: unknown, c: unknown, i: unknown) => unknown>>)[type]?.[name]
    if (resolver === undefined) throw new Error(`${type}.${name} has no resolver`)
    return (parent) => resolver(parent, {}, {}, {})
  }
  t.equal(upstream(() => field('Issue', 'id')({ scope, data: { title: 'x' }, full: false })), 'UPSTREAM_ERROR', 'Issue.id')
  t.equal(upstream(() => field('Event', 'id')({ scope, issueId: '1', data: {}, full: false })), 'UPSTREAM_ERROR', 'Event.id')
  t.equal(upstream(() => field('Project', 'id')({ scope, data: { slug: 'p' }, full: true })), 'UPSTREAM_ERROR', 'Project.id')
  t.equal(upstream(() => field('Release', 'id')({ scope, data: {} })), 'UPSTREAM_ERROR', 'Release.id')
  t.equal(upstream(() => field('Issue', 'assignedTo')({ scope, data: { assignedTo: { type: 'user', name: 'x' } }, full: false })), 'UPSTREAM_ERROR', 'Assignee.id')
  t.equal(upstream(() => team({ slug: 'x' })), 'UPSTREAM_ERROR', 'Team.id')
  t.equal(upstream(() => member({ email: 'a@b' } as never)), 'UPSTREAM_ERROR', 'Member.id')
  t.equal(upstream(() => projectKey({ name: 'k' } as never)), 'UPSTREAM_ERROR', 'ProjectKey.id')
  t.equal(upstream(() => releaseProject({ slug: 'p' }, { scope, data: { version: '1' } } as never)), 'UPSTREAM_ERROR', 'ReleaseProject.id')
  t.equal(member({ id: '1', email: 'a@b', user: { name: 'no id' } } as never).user, null, 'a member\'s user without an id is no user')
  t.equal(field('Event', 'id')({ scope, issueId: '1', data: { eventID: 'e1' }, full: false }), 'e1', 'an event id from eventID')
  t.equal(field('Release', 'id')({ scope, data: { version: '1.0' } }), '1.0', 'a release id from its version')

  // Through the error formatter: a field error with UPSTREAM_ERROR, and the request executed (200).
  const error = (() => {
    try {
      field('Issue', 'id')({ scope, data: {}, full: false })
    } catch (err) {
      return err as GatewayError
    }
    throw new Error('unreachable')
  })()
  const reply = { log: { info: () => {}, error: () => {} }, request: { headers: {} }, header: () => reply }
  const ctx = { reply, app: { log: reply.log } } as unknown as MercuriusContext
  const out = errorFormatter({ data: { organization: { issue: null } }, errors: [new GraphQLError(error.message, { path: ['organization', 'issue', 'id'], originalError: error })] }, ctx)
  t.equal(out.statusCode, 200)
  t.match(out.response.errors, [{ message: /Sentry returned an issue without an id/, extensions: { code: 'UPSTREAM_ERROR' } }])
})

t.test('coerce: values of an unexpected type become null', async (t) => {
  t.equal(str('a'), 'a'); t.equal(str(5), '5'); t.equal(str(true), 'true'); t.equal(str(10n), '10'); t.equal(str({}), null); t.equal(str(null), null)
  t.equal(int(7), 7); t.equal(int('42'), 42); t.equal(int(1.5), null); t.equal(int(2 ** 31), null); t.equal(int('x'), null); t.equal(int(-5), -5)
  t.equal(float(1.5), 1.5); t.equal(float('2.5'), 2.5); t.equal(float(Infinity), null); t.equal(float(''), null); t.equal(float('x'), null); t.equal(float(null), null)
  t.equal(bool(false), false); t.equal(bool('true'), null)
  t.same(record({ a: 1 }), { a: 1 }); t.equal(record([]), null); t.equal(record(null), null)
  t.same(list([1]), [1]); t.same(list('x'), [])
  t.same(strList(['a', 1, null]), ['a', '1']); t.equal(strList('a'), null)
  t.equal(json(undefined), null); t.same(json({ a: 1 }), { a: 1 })
  t.equal(date('2025-04-12T11:34:11.310000Z'), '2025-04-12T11:34:11.310000Z', 'Sentry precision is kept')
  t.equal(date('not a date'), null)
  t.equal(date(1722963600.25), '2024-08-06T17:00:00.250Z', 'Unix seconds')
  t.equal(date(1722963600250), '2024-08-06T17:00:00.250Z', 'milliseconds')
  t.equal(date(Number.NaN), null); t.equal(date(1e300), null); t.equal(date({}), null)
})
