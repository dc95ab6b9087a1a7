/** Team (schema/team.graphql): plain objects mapped from Sentry's teams; no field needs a resolver. */
import type { SentryTeam } from '../../sentry/types.js'
import { bool, date, int, list, record, requiredId, str } from '../coerce.js'
import type { Team } from '../generated.js'

export function team (raw: SentryTeam | Record<string, unknown>): Team {
  return {
    id: requiredId('a team', raw.id),
    slug: str(raw.slug) ?? '',
    name: str(raw.name) ?? str(raw.slug) ?? '',
    dateCreated: date(raw.dateCreated),
    isMember: bool(raw.isMember),
    memberCount: int(raw.memberCount),
    hasAccess: bool(raw.hasAccess),
    teamRole: str(raw.teamRole)
  }
}

/** A list of teams as Sentry embeds it (e.g. in a project); null when it is not a list. */
export function teams (raw: unknown): Team[] | null {
  return Array.isArray(raw)
    ? list(raw).map((t) => record(t)).filter((t): t is Record<string, unknown> => t !== null).map(team)
    : null
}
