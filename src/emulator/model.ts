/**
 * The emulator's internal records. They hold only what the serializers in serialize.ts and
 * events.ts need to produce Sentry's response shapes; ids are strings except release ids
 * (integers in Sentry, docs/sentry.md §6).
 */

export interface UserRec {
  id: string
  name: string
  email: string
  username: string
  dateJoined: string
  lastLogin: string | null
}

export type OrgRole = 'owner' | 'manager' | 'admin' | 'member'

export interface OrgRec {
  id: string
  slug: string
  name: string
  dateCreated: string
  /** Which listener is this org's `links.regionUrl`: the main one, or the optional region server (de). */
  region: 'main' | 'region'
  /** Organization features (serializeOrg's `features`); unset means datasets.ts DEFAULT_ORG_FEATURES. */
  features?: string[]
}

export interface MemberRec {
  id: string
  orgId: string
  /** null for a pending invite. */
  userId: string | null
  email: string
  orgRole: OrgRole
  dateCreated: string
}

export interface TeamRec {
  id: string
  orgId: string
  slug: string
  name: string
  dateCreated: string
  memberUserIds: string[]
}

export interface ProjectRec {
  id: string
  orgId: string
  slug: string
  name: string
  platform: string
  dateCreated: string
  firstEvent: string | null
  teamIds: string[]
  environments: string[]
  color: string
}

export interface ClientKeyRec {
  id: string
  projectId: string
  name: string
  secret: string
  dateCreated: string
}

export interface ReleaseRec {
  id: number
  orgId: string
  version: string
  projectIds: string[]
  dateCreated: string
  dateReleased: string | null
  firstEvent: string | null
  lastEvent: string | null
  newGroups: number
  commitCount: number
  deployCount: number
}

/** The issue categories of payloads/*.json; each has its own issue and event template. */
export type IssueKind = 'error' | 'default' | 'performance' | 'csp' | 'feedback' | 'regressed' | 'unsupported' | 'null-culprit'

export type IssueStatus = 'resolved' | 'unresolved' | 'ignored'

export interface Assignee { type: 'user' | 'team', id: string }

export interface IssueRec {
  id: string
  orgId: string
  projectId: string
  shortId: string
  kind: IssueKind
  title: string
  culprit: string | null
  logger: string | null
  level: string
  type: string
  issueType: string
  issueCategory: string
  metadata: Record<string, unknown>
  status: IssueStatus
  substatus: string | null
  statusDetails: Record<string, unknown>
  priority: 'low' | 'medium' | 'high' | null
  isUnhandled: boolean
  count: number
  userCount: number
  firstSeen: string
  lastSeen: string
  /** Epoch ms of lastSeen/firstSeen, for sorting. */
  lastSeenMs: number
  firstSeenMs: number
  assignedTo: Assignee | null
  hasSeen: boolean
  isBookmarked: boolean
  isSubscribed: boolean
  isPublic: boolean
  numComments: number
  environments: string[]
  firstRelease: string | null
  lastRelease: string | null
  /** Stored events, oldest first: the event bodies themselves are built on demand (events.ts). */
  events: EventRef[]
}

export interface EventRef {
  eventId: string
  dateCreated: string
  dateMs: number
  environment: string
  release: string | null
}

export interface SeedData {
  users: UserRec[]
  orgs: OrgRec[]
  members: MemberRec[]
  teams: TeamRec[]
  projects: ProjectRec[]
  keys: ClientKeyRec[]
  releases: ReleaseRec[]
  issues: IssueRec[]
}

/** Features every emulated organization has unless its record says otherwise. */
export const DEFAULT_ORG_FEATURES = ['discover-basic', 'performance-view', 'global-views', 'session-replay', 'user-feedback-ui']

/** An organization's feature flags: its record's, else the defaults above. */
export function orgFeatures (org: OrgRec): readonly string[] {
  return org.features ?? DEFAULT_ORG_FEATURES
}
