/** The resolvers (src/graphql/resolvers/index.ts and the type modules it assembles) with fake parents, clients and contexts. */
import { readdirSync } from 'node:fs'
import { buildSchema, GraphQLScalarType } from 'graphql'
import type { MercuriusContext } from 'mercurius'
import t from 'tap'
import { GatewayError } from '../../../src/errors.js'
import { resolvers } from '../../../src/graphql/resolvers/index.js'
import { loadSchema } from '../../../src/graphql/schema.js'

const dir = new URL('../../../src/graphql/resolvers/', import.meta.url)
const schema = buildSchema(loadSchema().join('\n'))

t.test('each GraphQL type\'s resolvers live in exactly one module, and that module\'s are served', async (t) => {
  // Which modules export a resolver map for each schema type.
  const owners = new Map<string, Array<{ file: string, map: unknown }>>()
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'index.ts')) {
    const mod: Record<string, unknown> = await import(new URL(file, dir).href)
    for (const value of Object.values(mod)) {
      if (value === null || typeof value !== 'object' || value instanceof GraphQLScalarType) continue
      for (const [type, map] of Object.entries(value)) {
        if (schema.getType(type) !== undefined) owners.set(type, [...owners.get(type) ?? [], { file, map }])
      }
    }
  }
  t.ok(owners.has('Organization') && owners.has('Query'), 'the resolver maps are found')
  t.same([...owners].filter(([, maps]) => maps.length > 1).map(([type, maps]) => [type, maps.map((m) => m.file)]), [], 'no type in two modules')
  for (const [type, value] of Object.entries(resolvers)) {
    t.ok(schema.getType(type) !== undefined, `${type} is a schema type`)
    if (!(value instanceof GraphQLScalarType)) t.equal(value, owners.get(type)?.[0]?.map, `${type}: its module's map`)
  }
  t.same([...owners.keys()].filter((type) => resolvers[type] === undefined), [], 'every module\'s map is served')
})

t.test('resolvers meet malformed Sentry objects with nulls and safe defaults', async (t) => {
  const { resolvers } = await import('../../../src/graphql/resolvers/index.js')
  const { team } = await import('../../../src/graphql/resolvers/team.js')
  const { member } = await import('../../../src/graphql/resolvers/member.js')
  const { projectKey } = await import('../../../src/graphql/resolvers/project.js')
  const { releaseProject } = await import('../../../src/graphql/resolvers/release.js')
  const scope = { connectionId: 'c', org: 'o' }
  const call = (type: string, field: string, parent: unknown): unknown =>
    ((resolvers as Record<string, Record<string, (p: unknown) => unknown>>)[type]?.[field])?.(parent)
  const issue = { scope, data: { count: 'lots', tags: 'x' }, full: false }
  // Issue 10, defect 9: a missing non-null ID is UPSTREAM_ERROR, no longer "".
  const upstreamError = { code: 'UPSTREAM_ERROR' }
  t.throws(() => call('Issue', 'id', issue), upstreamError)
  t.equal(call('Issue', 'count', issue), '0')
  t.equal(call('Issue', 'level', issue), 'error')
  t.equal(call('Issue', 'status', issue), 'unresolved')
  t.equal(call('Issue', 'userCount', issue), 0)
  t.equal(call('Issue', 'assignedTo', issue), null)
  t.throws(() => call('Issue', 'assignedTo', { scope, data: { assignedTo: { type: 'team' } } }), upstreamError)
  t.same(call('Issue', 'assignedTo', { scope, data: { assignedTo: { type: 'team', id: 4 } } }), { type: 'TEAM', id: '4', name: '', email: null })
  for (const f of ['shortId', 'title', 'permalink']) t.equal(call('Issue', f, issue), '')
  const event = { scope, issueId: '9', data: { 'event.type': 'error' }, full: false }
  t.equal(call('Event', 'type', event), 'error', 'the list endpoint\'s event.type')
  t.equal(call('Event', 'groupID', event), '9')
  t.throws(() => call('Event', 'id', event), upstreamError)
  for (const f of ['eventID', 'title']) t.equal(call('Event', f, event), '')
  t.equal(call('Event', 'id', { ...event, data: { eventID: 'e1' } }), 'e1')
  t.equal(call('Event', 'eventID', { ...event, data: { id: 'e2' } }), 'e2')
  const project = { scope, data: { id: 7 }, full: false }
  t.equal(call('Project', 'id', project), '7')
  t.equal(call('Project', 'slug', project), '')
  t.equal(call('Project', 'name', { scope, data: { slug: 's' } }), 's')
  t.equal(call('Project', 'name', project), '')
  const release = { scope, data: { version: 'v1' } }
  t.equal(call('Release', 'id', release), 'v1')
  t.equal(call('Release', 'version', { scope, data: {} }), '')
  t.throws(() => call('Release', 'id', { scope, data: {} }), upstreamError)
  t.match(call('Release', 'projects', { scope, data: { version: 'v1', projects: [null, { id: 5 }] } }), [{ id: '5', projectId: '5', globalId: String, slug: '', name: null, platform: null, newGroups: null }])
  t.equal(releaseProject('x', release as never), null)
  t.throws(() => releaseProject({}, release as never), upstreamError)
  t.throws(() => team({}), upstreamError)
  t.same(team({ id: 1 }), { id: '1', slug: '', name: '', dateCreated: null, isMember: null, memberCount: null, hasAccess: null, teamRole: null })
  t.equal(team({ id: 2, slug: 'core' }).name, 'core')
  t.match(member({ id: 1, role: 'admin', user: { id: 3 } } as never), { id: '1', email: '', orgRole: 'admin', user: { id: '3', name: null } })
  t.throws(() => member({ user: {} } as never), upstreamError)
  t.match(member({ id: 2, user: {} } as never), { id: '2', user: null }, 'a user without an id is no user')
  t.throws(() => projectKey({} as never), upstreamError)
  t.match(projectKey({ id: 'k' } as never), { id: 'k', name: '', dsn: { public: null } })
})

t.test('fan-out fields settle each parent on its own and fetch what the parent lacks', async (t) => {
  const { eventResolvers } = await import('../../../src/graphql/resolvers/event.js')
  const { issueResolvers } = await import('../../../src/graphql/resolvers/issue.js')
  const { projectResolvers } = await import('../../../src/graphql/resolvers/project.js')
  const { RequestGateway } = await import('../../../src/graphql/context.js')

  const calls: string[] = []
  const client = {
    issues: {
      getEvent: async (org: string, issue: string, id: string) => {
        calls.push(`event ${org} ${issue} ${id}`)
        if (issue === 'gone') throw new GatewayError('NOT_FOUND', 'gone')
        if (issue === 'broken') throw new GatewayError('UPSTREAM_ERROR', 'broken')
        return { id, eventID: id, entries: [{ type: 'message', data: { formatted: 'hi' } }] }
      }
    },
    projects: { get: async (org: string, slug: string) => { calls.push(`project ${org} ${slug}`); return { id: '5', slug, status: 'active' } } }
  }
  const app = { sentry: { forConnection: () => client }, store: {} }
  const gw = new RequestGateway(app as never, {} as never)
  const ctx = { gw } as unknown as MercuriusContext
  const scope = { connectionId: 'c', org: 'acme' }
  const listed = { scope, issueId: '1', data: { id: 'e', eventID: 'e' }, full: false } as never
  const entries = await Promise.all([eventResolvers.Event.entries(listed, {}, ctx), eventResolvers.Event.entries(listed, {}, ctx)])
  t.match(entries, [[{ __typename: 'MessageEntry' }], [{ __typename: 'MessageEntry' }]])
  t.same(calls, ['event acme 1 e'], 'fetched once for both')
  await eventResolvers.Event.sdk({ scope, issueId: '1', data: { id: 'f' }, full: false } as never, {}, ctx)
  t.ok(calls.includes('event acme 1 f'), 'an event without eventID is fetched by id')
  const status = await projectResolvers.Project.status({ scope, data: { id: '5' }, full: false } as never, {}, ctx)
  t.same(status, 'active')
  t.ok(calls.includes('project acme 5'), 'a reference without a slug is fetched by id')
  const latest = await Promise.allSettled([
    issueResolvers.Issue.latestEvent({ scope, data: { id: 'gone' }, full: false } as never, {}, ctx),
    issueResolvers.Issue.latestEvent({ scope, data: { id: 'broken' }, full: false } as never, {}, ctx)
  ])
  t.match(latest[0], { status: 'fulfilled', value: null }, 'an issue without events has no latest event')
  t.match(latest[1], { status: 'rejected', reason: { code: 'UPSTREAM_ERROR' } }, 'one failing parent fails its own field only')
})

t.test('resolvers that need Sentry, with a fake client', async (t) => {
  const { resolvers } = await import('../../../src/graphql/resolvers/index.js')
  const { RequestGateway } = await import('../../../src/graphql/context.js')
  const seen: unknown[] = []
  const client = {
    issues: {
      get: async (_org: string, id: string) => ({ id, title: 'T', ...(id === 'orphan' ? {} : { project: { id: '5', slug: 'p', name: 'P' } }) }),
      update: async () => ({ status: 'resolved' }),
      list: async (_org: string, args: unknown) => { seen.push(args); return { items: [], nextCursor: null, prevCursor: null } }
    },
    stats: { organization: async (_org: string, args: unknown) => { seen.push(args); return { start: 'x', intervals: 'nope', groups: [null, { by: { a: 1 } }] } } }
  }
  const gw = new RequestGateway({ sentry: { forConnection: () => client }, store: {} } as never, {} as never)
  gw.organization = async () => ({ scope: { connectionId: 'c', org: 'acme' }, id: '1', slug: 'acme', name: 'Acme', regionUrl: '', connectionId: 'c' })
  const ctx = { gw } as unknown as MercuriusContext
  const r = resolvers as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>
  const scope = { connectionId: 'c', org: 'acme' }

  const updated = await r.Mutation!.updateIssue!({}, { organizationSlug: 'acme', id: '7', input: { status: 'RESOLVED' } }, ctx) as { data: { title: string }, full: boolean }
  t.match(updated, { data: { id: '7', title: 'T' }, full: true }, 'a partial PUT answer is completed by reading the issue')
  await t.rejects(Promise.resolve(r.Issue!.project!({ scope, data: { id: 'orphan' }, full: false }, {}, ctx)), { code: 'UPSTREAM_ERROR' })
  t.match(await r.Issue!.project!({ scope, data: { id: '8' }, full: false }, {}, ctx), { data: { slug: 'p' }, full: false }, 'a list item without its project reads the issue')

  const stats = await r.Organization!.stats!({ scope }, { field: 'SUM_TIMES_SEEN', groupBy: ['PROJECT'] }, ctx)
  t.same(stats, { start: null, end: null, intervals: [], groups: [{ by: {}, totals: {}, series: {} }, { by: { a: 1 }, totals: {}, series: {} }] })
  t.same(seen[0], { field: 'sum(times_seen)', groupBy: ['project'], statsPeriod: undefined, interval: undefined, category: undefined })

  const keysOf: string[] = []
  Object.assign(client, { projects: { listKeys: async (_org: string, project: string) => { keysOf.push(project); return { items: [], nextCursor: null, prevCursor: null } } } })
  await r.Project!.keys!({ scope, data: { id: '9' }, full: false }, {}, ctx)
  await r.Project!.keys!({ scope, data: {}, full: false }, {}, ctx)
  t.same(keysOf, ['9', ''], 'a project reference without a slug is addressed by id')
  await r.Project!.issues!({ scope, data: { slug: 'only-slug' }, full: false }, {}, ctx, { fieldNodes: [], fragments: {} })
  t.match(seen[1], { projects: ['only-slug'], collapse: ['stats', 'lifetime', 'filtered', 'unhandled'] }, 'a project without an id is searched by slug')
  t.throws(() => r.Project!.id!({ scope, data: {}, full: false }), { code: 'UPSTREAM_ERROR' })
  const tags = await r.Issue!.tags!({ scope, data: { id: '1', tags: ['x', { key: 'k', totalValues: 2 }] }, full: true }, {}, ctx)
  t.same(tags, [{ key: 'k', name: null, totalValues: 2 }])
  const teams = await r.Project!.teams!({ scope, data: { id: '5', teams: 'none' }, full: true }, {}, ctx)
  t.same(teams, null)
  t.equal(r.SentryConnection!.expiresAt!({ expiresAt: null }), null)
})
