/**
 * Records → Sentry response bodies, in the shapes of the spec's 200 schemas (openapi.json; the
 * tests validate every endpoint against them) with the values of the real payloads (./fixtures).
 */
import clientKeyTemplate from './fixtures/client-key.json' with { type: 'json' }
import activityTemplate from './fixtures/issue-activity.json' with { type: 'json' }
import commitsTemplate from './fixtures/release-commits.json' with { type: 'json' }
import deploysTemplate from './fixtures/release-deploys.json' with { type: 'json' }
import {
  type Assignee, type ClientKeyRec, type IssueRec, type MemberRec, type OrgRec, type OrgRole, type ProjectRec,
  type ReleaseRec, type SeedData, type TeamRec, type UserRec, orgFeatures
} from './model.js'
import { SEED_NOW_MS } from './seed.js'
import { clone, seededRandom } from './util.js'
import type { SpanCache } from './span-cache.js'

export type Json = Record<string, unknown>

/** What serializers need besides the records: the URLs the emulator is reachable at. */
export interface World {
  readonly data: SeedData
  readonly mainUrl: string
  /** links.regionUrl of an org (docs/sentry.md §4 "Region routing"). */
  regionUrlOf: (org: OrgRec) => string
  /** Generated performance data of this emulator, per (project, minute) (spans.ts). */
  readonly spanCache: SpanCache
}

// ---------------------------------------------------------------------------------------------
// Lookups

export function userById (w: World, id: string): UserRec | undefined {
  return w.data.users.find((u) => u.id === id)
}

export function memberOf (w: World, orgId: string, userId: string): MemberRec | undefined {
  return w.data.members.find((m) => m.orgId === orgId && m.userId === userId)
}

export function projectById (w: World, id: string): ProjectRec | undefined {
  return w.data.projects.find((p) => p.id === id)
}

const ROLE_ACCESS: Record<OrgRole, string[]> = {
  member: ['alerts:read', 'alerts:write', 'event:admin', 'event:read', 'event:write', 'member:read', 'org:read', 'project:read', 'project:releases', 'team:read'],
  admin: ['alerts:read', 'alerts:write', 'event:admin', 'event:read', 'event:write', 'member:read', 'org:integrations', 'org:read', 'project:admin', 'project:read', 'project:releases', 'project:write', 'team:admin', 'team:read', 'team:write'],
  manager: ['alerts:read', 'alerts:write', 'event:admin', 'event:read', 'event:write', 'member:admin', 'member:invite', 'member:read', 'member:write', 'org:integrations', 'org:read', 'project:admin', 'project:read', 'project:releases', 'project:write', 'team:admin', 'team:read', 'team:write'],
  owner: ['alerts:read', 'alerts:write', 'event:admin', 'event:read', 'event:write', 'member:admin', 'member:invite', 'member:read', 'member:write', 'org:admin', 'org:integrations', 'org:read', 'org:write', 'project:admin', 'project:read', 'project:releases', 'project:write', 'team:admin', 'team:read', 'team:write']
}

function accessOf (w: World, orgId: string, userId: string): string[] {
  const member = memberOf(w, orgId, userId)
  return member === undefined ? [] : [...ROLE_ACCESS[member.orgRole]]
}

const AVATAR_LETTER = { avatarType: 'letter_avatar', avatarUuid: null, avatarUrl: null }

// ---------------------------------------------------------------------------------------------
// Users, organizations, members, teams

/** Sentry's full user serializer (members, seenBy, participants). */
export function serializeUser (u: UserRec): Json {
  return {
    id: u.id,
    name: u.name,
    username: u.username,
    email: u.email,
    avatarUrl: `https://gravatar.com/avatar/${u.id}?s=32&d=mm`,
    isActive: true,
    isSuspended: false,
    hasPasswordAuth: true,
    isManaged: false,
    dateJoined: u.dateJoined,
    lastLogin: u.lastLogin,
    has2fa: false,
    lastActive: u.lastLogin,
    isSuperuser: false,
    isStaff: false,
    experiments: {},
    emails: [{ id: u.id, email: u.email, is_verified: true }],
    avatar: { avatarType: 'letter_avatar', avatarUuid: null, avatarUrl: null }
  }
}

export function serializeOrg (w: World, org: OrgRec, userId: string, detailed = false): Json {
  const body: Json = {
    id: org.id,
    slug: org.slug,
    status: { id: 'active', name: 'active' },
    name: org.name,
    dateCreated: org.dateCreated,
    isEarlyAdopter: org.slug === 'acme',
    require2FA: false,
    avatar: AVATAR_LETTER,
    // No customer domains locally: the organization URL is the emulator's base URL, like self-hosted.
    links: { organizationUrl: w.mainUrl, regionUrl: w.regionUrlOf(org) },
    hasAuthProvider: false,
    allowMemberInvite: true,
    allowMemberProjectCreation: true,
    allowSuperuserAccess: false,
    features: [...orgFeatures(org)]
  }
  if (!detailed) return body
  return {
    ...body,
    access: accessOf(w, org.id, userId),
    orgRole: memberOf(w, org.id, userId)?.orgRole ?? null,
    onboardingTasks: [],
    extraOptions: {},
    isDefault: false,
    defaultRole: 'member'
  }
}

/** `{type, id, name, email?}` as in issue.json's assignedTo; a team's name is its slug. */
export function serializeAssignee (w: World, a: Assignee | null): Json | null {
  if (a === null) return null
  if (a.type === 'team') {
    const team = w.data.teams.find((t) => t.id === a.id)
    return { type: 'team', id: a.id, name: team?.slug ?? a.id }
  }
  const user = userById(w, a.id)
  return { type: 'user', id: a.id, name: user?.name ?? '', email: user?.email ?? '' }
}

export function serializeMember (w: World, m: MemberRec): Json {
  const user = m.userId === null ? undefined : userById(w, m.userId)
  return {
    id: m.id,
    email: m.email,
    name: user?.name ?? m.email,
    user: user === undefined ? null : serializeUser(user),
    orgRole: m.orgRole,
    role: m.orgRole,
    roleName: m.orgRole[0]?.toUpperCase() + m.orgRole.slice(1),
    pending: user === undefined,
    expired: false,
    flags: {
      'idp:provisioned': false,
      'idp:role-restricted': false,
      'sso:linked': false,
      'sso:invalid': false,
      'member-limit:restricted': false,
      'partnership:restricted': false
    },
    dateCreated: m.dateCreated,
    inviteStatus: 'approved',
    inviterName: user === undefined ? 'Jane Doe' : null,
    teams: w.data.teams.filter((t) => t.orgId === m.orgId && m.userId !== null && t.memberUserIds.includes(m.userId)).map((t) => t.slug)
  }
}

export function serializeTeam (w: World, team: TeamRec, userId: string, withProjects = true): Json {
  const isMember = team.memberUserIds.includes(userId)
  const body: Json = {
    id: team.id,
    slug: team.slug,
    name: team.name,
    dateCreated: team.dateCreated,
    isMember,
    teamRole: isMember ? (memberOf(w, team.orgId, userId)?.orgRole === 'member' ? 'contributor' : 'admin') : null,
    flags: { 'idp:provisioned': false },
    access: isMember ? accessOf(w, team.orgId, userId).filter((s) => !s.startsWith('org:') || s === 'org:read') : ['org:read', 'team:read'],
    hasAccess: true,
    isPending: false,
    memberCount: team.memberUserIds.length,
    avatar: { avatarType: 'letter_avatar', avatarUuid: null },
    externalTeams: []
  }
  if (withProjects) {
    body.projects = w.data.projects.filter((p) => p.teamIds.includes(team.id)).map((p) => serializeProject(w, p, userId))
  }
  return body
}

// ---------------------------------------------------------------------------------------------
// Projects and client keys

function teamRefs (w: World, p: ProjectRec): Array<{ id: string, name: string, slug: string }> {
  return w.data.teams.filter((t) => p.teamIds.includes(t.id)).map((t) => ({ id: t.id, name: t.name, slug: t.slug }))
}

function latestRelease (w: World, p: ProjectRec): { version: string } | null {
  const rel = w.data.releases.filter((r) => r.projectIds.includes(p.id)).at(-1)
  return rel === undefined ? null : { version: rel.version }
}

const PROJECT_FEATURES = ['discard-groups', 'alert-filters', 'similarity-embeddings', 'similarity-indexing', 'similarity-view']

/** The organization's project list item (and a team's `projects[]`), after project.json. */
export function serializeProject (w: World, p: ProjectRec, userId: string): Json {
  const teams = teamRefs(w, p)
  const isMember = w.data.teams.some((t) => p.teamIds.includes(t.id) && t.memberUserIds.includes(userId))
  const js = p.platform === 'javascript' || p.platform === 'react-native'
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    platform: p.platform,
    dateCreated: p.dateCreated,
    isBookmarked: p.slug === 'frontend',
    isMember,
    features: PROJECT_FEATURES,
    firstEvent: p.firstEvent,
    firstTransactionEvent: p.firstEvent !== null && p.platform !== 'go',
    access: accessOf(w, p.orgId, userId).filter((s) => !s.startsWith('org:') && !s.startsWith('member:')),
    hasAccess: true,
    hasFeedbacks: js,
    hasFlags: false,
    hasMinifiedStackTrace: p.platform === 'javascript',
    hasMonitors: p.platform === 'python',
    hasNewFeedbacks: false,
    hasProfiles: false,
    hasReplays: js,
    hasSessions: js,
    hasInsightsHttp: true,
    hasInsightsDb: p.platform === 'python',
    hasInsightsAssets: js,
    hasInsightsAppStart: p.platform === 'react-native',
    hasInsightsScreenLoad: p.platform === 'react-native',
    hasInsightsVitals: js,
    hasInsightsCaches: false,
    hasInsightsQueues: false,
    hasInsightsAgentMonitoring: false,
    hasInsightsMCP: false,
    hasLogs: false,
    hasTraceMetrics: false,
    isInternal: false,
    isPublic: false,
    avatar: { avatarType: 'letter_avatar', avatarUuid: null },
    color: p.color,
    status: 'active',
    team: teams[0] ?? null,
    teams,
    platforms: p.firstEvent === null ? [] : [p.platform],
    hasUserReports: js,
    environments: p.environments,
    latestRelease: latestRelease(w, p),
    latestDeploys: null,
    options: {}
  }
}

/** GET /projects/{org}/{project}/: the list fields plus settings and the organization (≈80 keys). */
export function serializeProjectDetail (w: World, p: ProjectRec, org: OrgRec, userId: string): Json {
  const { team, latestDeploys, ...summary } = serializeProject(w, p, userId)
  return {
    ...summary,
    ...(team === null ? {} : { team }),
    latestDeploys,
    options: { 'sentry:resolve_age': 0, 'sentry:scrub_data': true, 'sentry:scrub_defaults': true },
    digestsMinDelay: 300,
    digestsMaxDelay: 1800,
    subjectPrefix: '',
    allowedDomains: ['*'],
    resolveAge: 0,
    dataScrubber: true,
    dataScrubberDefaults: true,
    safeFields: [],
    storeCrashReports: null,
    sensitiveFields: [],
    subjectTemplate: '$shortID - $title',
    securityToken: p.id.padStart(32, '0').slice(-32),
    securityTokenHeader: null,
    verifySSL: false,
    scrubIPAddresses: false,
    scrapeJavaScript: true,
    enableAutoReleaseCreation: false,
    highlightTags: ['handled', 'level', 'environment', 'release', 'url'],
    highlightContext: {},
    highlightPreset: { tags: ['handled', 'level'], context: { trace: ['trace_id'] } },
    groupingConfig: 'newstyle:2023-01-11',
    derivedGroupingEnhancements: '',
    groupingEnhancements: '',
    secondaryGroupingExpiry: 0,
    secondaryGroupingConfig: null,
    fingerprintingRules: '',
    organization: serializeOrg(w, org, userId),
    processingIssues: 0,
    defaultEnvironment: null,
    relayPiiConfig: null,
    builtinSymbolSources: p.platform === 'javascript' ? [] : ['ios', 'microsoft', 'android'],
    dynamicSamplingBiases: null,
    symbolSources: '[]',
    isDynamicallySampled: false,
    tempestFetchScreenshots: false,
    autofixAutomationTuning: 'off',
    seerScannerAutomation: false,
    seerNightshiftTweaks: null,
    scmSourceContextEnabled: false,
    debugFilesRole: null,
    eventProcessing: { symbolicationDegraded: false }
  }
}

/** payloads/client-key.json plus the DSN kinds the current spec requires. */
export function serializeClientKey (w: World, key: ClientKeyRec, p: ProjectRec, org: OrgRec): Json {
  const host = `o${org.id}.ingest.${org.region === 'region' ? 'de' : 'us'}.sentry.io`
  const api = `https://${host}/api/${p.id}`
  return {
    id: key.id,
    name: key.name,
    label: key.name,
    public: key.id,
    secret: key.secret,
    projectId: Number(p.id),
    isActive: true,
    rateLimit: key.name === 'Default' ? null : { window: 60, count: 1000 },
    dsn: {
      secret: `https://${key.id}:${key.secret}@${host}/${p.id}`,
      public: `https://${key.id}@${host}/${p.id}`,
      csp: `${api}/csp-report/?sentry_key=${key.id}`,
      security: `${api}/security/?sentry_key=${key.id}`,
      minidump: `${api}/minidump/?sentry_key=${key.id}`,
      nel: `${api}/nel/?sentry_key=${key.id}`,
      unreal: `${api}/unreal/${key.id}/`,
      crons: `${api}/cron/___MONITOR_SLUG___/${key.id}/`,
      cdn: `https://js.sentry-cdn.com/${key.id}.min.js`,
      playstation: `https://${host}/api/${p.id}/playstation/?sentry_key=${key.id}`,
      integration: `https://${host}/api/${p.id}/integration/`,
      otlp_traces: `https://${host}/api/${p.id}/otlp/v1/traces`,
      otlp_logs: `https://${host}/api/${p.id}/otlp/v1/logs`
    },
    browserSdkVersion: clientKeyTemplate.browserSdkVersion,
    browserSdk: clone(clientKeyTemplate.browserSdk),
    dateCreated: key.dateCreated,
    dynamicSdkLoaderOptions: { ...clientKeyTemplate.dynamicSdkLoaderOptions, hasFeedback: false, hasLogsAndMetrics: false },
    useCase: 'user'
  }
}

// ---------------------------------------------------------------------------------------------
// Releases

function versionInfo (version: string): Json {
  const at = version.indexOf('@')
  if (at === -1) return { package: null, version: { raw: version }, description: version, buildHash: /^[0-9a-f]{40}$/.test(version) ? version : null }
  const raw = version.slice(at + 1)
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([\w.]+))?(?:\+([\w.]+))?$/.exec(raw)
  const semver = m === null
    ? { raw }
    : { raw, major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), revision: 0, pre: m[4] ?? null, buildCode: m[5] ?? null, components: 3 }
  return { package: version.slice(0, at), version: semver, description: raw, buildHash: null }
}

function shortVersion (version: string): string {
  const at = version.indexOf('@')
  const v = at === -1 ? version : version.slice(at + 1)
  return /^[0-9a-f]{40}$/.test(v) ? v.slice(0, 12) : v
}

export function serializeRelease (w: World, r: ReleaseRec): Json {
  const commit = commitsTemplate[0]
  const deploy = deploysTemplate[0]
  return {
    id: r.id,
    version: r.version,
    status: 'open',
    shortVersion: shortVersion(r.version),
    versionInfo: versionInfo(r.version),
    ref: null,
    url: null,
    dateReleased: r.dateReleased,
    dateCreated: r.dateCreated,
    data: {},
    newGroups: r.newGroups,
    owner: null,
    commitCount: r.commitCount,
    lastCommit: r.commitCount > 0 && commit !== undefined ? { ...commit, id: `${commit.id.slice(0, 30)}${String(r.id % 100).padStart(2, '0')}` } : null,
    deployCount: r.deployCount,
    lastDeploy: r.deployCount > 0 && deploy !== undefined ? { ...deploy, id: String(r.id) } : null,
    authors: r.commitCount > 0 && commit !== undefined ? [{ name: commit.author.name, email: commit.author.email }] : [],
    projects: w.data.projects.filter((p) => r.projectIds.includes(p.id)).map((p) => ({
      id: Number(p.id),
      slug: p.slug,
      name: p.name,
      newGroups: r.newGroups,
      platform: p.platform,
      platforms: [p.platform],
      hasHealthData: false
    })),
    firstEvent: r.firstEvent,
    lastEvent: r.lastEvent,
    currentProjectMeta: {},
    userAgent: null
  }
}

// ---------------------------------------------------------------------------------------------
// Issues

export interface IssueListOptions {
  statsPeriod: '24h' | '14d' | ''
  collapse: ReadonlySet<string>
  expand: ReadonlySet<string>
  /** `filtered` is null unless the request narrowed the events (query or environment). */
  filtered: boolean
}

/** Hourly or daily `[epochSeconds, count]` buckets ending at the seed's "now", derived from the id. */
function issueStats (issue: IssueRec, period: '24h' | '14d' | '30d'): Array<[number, number]> {
  const rnd = seededRandom(Number(issue.id.slice(-7)) + period.length)
  const [n, step] = period === '24h' ? [24, 3600] : period === '14d' ? [14, 86400] : [30, 86400]
  const end = Math.floor(SEED_NOW_MS / 1000 / step) * step
  const scale = Math.max(1, Math.round(issue.count / (n * 4)))
  return Array.from({ length: n }, (_, i) => [end - (n - 1 - i) * step, rnd() < 0.6 ? 0 : Math.floor(rnd() * scale * 3)])
}

function issueBase (w: World, issue: IssueRec): Json {
  const project = projectById(w, issue.projectId)
  const org = w.data.orgs.find((o) => o.id === issue.orgId)
  return {
    id: issue.id,
    shareId: null,
    shortId: issue.shortId,
    title: issue.title,
    culprit: issue.culprit,
    permalink: `${w.mainUrl}/organizations/${org?.slug ?? ''}/issues/${issue.id}/`,
    logger: issue.logger,
    level: issue.level,
    status: issue.status,
    statusDetails: issue.statusDetails,
    substatus: issue.substatus,
    isPublic: issue.isPublic,
    platform: project?.platform ?? null,
    project: { id: issue.projectId, name: project?.name ?? '', slug: project?.slug ?? '', platform: project?.platform ?? null },
    type: issue.type,
    metadata: issue.metadata,
    numComments: issue.numComments,
    assignedTo: serializeAssignee(w, issue.assignedTo),
    isBookmarked: issue.isBookmarked,
    isSubscribed: issue.isSubscribed,
    subscriptionDetails: issue.isSubscribed ? { reason: 'unknown' } : null,
    hasSeen: issue.hasSeen,
    annotations: [],
    issueType: issue.issueType,
    issueCategory: issue.issueCategory,
    priority: issue.priority,
    priorityLockedAt: null,
    seerFixabilityScore: null,
    seerAutofixLastTriggered: null,
    seerExplorerAutofixLastTriggered: null,
    isUnhandled: issue.isUnhandled,
    count: String(issue.count),
    userCount: issue.userCount,
    firstSeen: issue.firstSeen,
    lastSeen: issue.lastSeen
  }
}

/** An item of GET /organizations/{org}/issues/ (StreamGroupSerializerSnuba). */
export function serializeIssueListItem (w: World, issue: IssueRec, opts: IssueListOptions): Json {
  const body: Json = opts.collapse.has('base') ? { id: issue.id } : issueBase(w, issue)
  if (opts.collapse.has('unhandled')) delete body.isUnhandled
  // As sentry.io: `lifetime` and `filtered` come only with `stats` (collapsing stats drops all three).
  if (!opts.collapse.has('stats')) {
    body.stats = opts.statsPeriod === '' ? {} : { [opts.statsPeriod]: issueStats(issue, opts.statsPeriod) }
    const totals = { count: String(issue.count), userCount: issue.userCount, firstSeen: issue.firstSeen, lastSeen: issue.lastSeen, stats: null }
    if (!opts.collapse.has('lifetime')) body.lifetime = totals
    if (!opts.collapse.has('filtered')) body.filtered = opts.filtered ? totals : null
  }
  // expand[] fields are only present when asked for (the spec lists them as required: see the tests).
  if (opts.expand.has('inbox')) body.inbox = issue.hasSeen ? null : { reason: 0, reason_details: null, date_added: issue.firstSeen }
  if (opts.expand.has('owners')) body.owners = null
  if (opts.expand.has('integrationIssues')) body.integrationIssues = []
  if (opts.expand.has('sentryAppIssues')) body.sentryAppIssues = []
  if (opts.expand.has('latestEventHasAttachments')) body.latestEventHasAttachments = false
  if (opts.expand.has('sessions')) body.sessionCount = 0
  return body
}

function releaseRef (w: World, orgId: string, version: string | null): Json | null {
  const r = version === null ? undefined : w.data.releases.find((x) => x.orgId === orgId && x.version === version)
  if (r === undefined) return null
  return { id: r.id, version: r.version, shortVersion: shortVersion(r.version), versionInfo: versionInfo(r.version), dateCreated: r.dateCreated, dateReleased: r.dateReleased, firstEvent: r.firstEvent, lastEvent: r.lastEvent, ref: null, url: null, data: {}, owner: null, status: 'open' }
}

/** GET/PUT /organizations/{org}/issues/{id}/ (GroupSerializer plus details), after issue.json. */
export function serializeIssueDetail (w: World, issue: IssueRec, tags: Json[], userId: string, expand: ReadonlySet<string> = new Set()): Json {
  const viewer = userById(w, userId)
  const assignee = issue.assignedTo?.type === 'user' ? userById(w, issue.assignedTo.id) : undefined
  const activity: Json[] = [{ id: '0', user: null, type: 'first_seen', data: { priority: issue.priority ?? 'medium' }, dateCreated: issue.firstSeen }]
  const [ongoing, note] = activityTemplate.activity
  if (issue.substatus === 'ongoing' && ongoing !== undefined) activity.unshift({ ...ongoing, id: issue.id.slice(-9) + '2', dateCreated: issue.lastSeen })
  if (issue.numComments > 0 && note !== undefined && viewer !== undefined) {
    activity.unshift({ ...note, id: issue.id.slice(-9) + '3', user: { id: viewer.id, name: viewer.name, email: viewer.email }, dateCreated: issue.lastSeen })
  }
  if (issue.assignedTo !== null) {
    activity.unshift({ id: String(Number(issue.id.slice(-9)) + 1), user: viewer === undefined ? null : { id: viewer.id, name: viewer.name, email: viewer.email }, sentry_app: null, type: 'assigned', data: { assignee: issue.assignedTo.id, assigneeType: issue.assignedTo.type }, dateCreated: issue.lastSeen })
  }
  const body: Json = {
    ...issueBase(w, issue),
    firstRelease: releaseRef(w, issue.orgId, issue.firstRelease),
    lastRelease: releaseRef(w, issue.orgId, issue.lastRelease),
    tags,
    stats: { '24h': issueStats(issue, '24h'), '30d': issueStats(issue, '30d') },
    activity,
    openPeriods: issue.status === 'unresolved' ? [{ start: issue.firstSeen, end: null, duration: null, isOpen: true, lastChecked: issue.lastSeen }] : [],
    seenBy: issue.hasSeen && viewer !== undefined ? [serializeUser(viewer)] : [],
    participants: assignee === undefined ? [] : [serializeUser(assignee)],
    pluginActions: [],
    pluginIssues: [],
    pluginContexts: [],
    userReportCount: issue.kind === 'feedback' ? 1 : 0
  }
  if (expand.has('inbox')) body.inbox = null
  if (expand.has('owners')) body.owners = null
  if (expand.has('integrationIssues')) body.integrationIssues = []
  if (expand.has('sentryAppIssues')) body.sentryAppIssues = []
  if (expand.has('latestEventHasAttachments')) body.latestEventHasAttachments = false
  if (expand.has('forecast')) body.forecast = { data: [], date_added: issue.lastSeen }
  return body
}
