/** Member (schema/member.graphql): plain objects mapped from Sentry's members; no field needs a resolver. */
import type { SentryMember } from '../../sentry/types.js'
import { bool, date, record, requiredId, str } from '../coerce.js'
import type { Member } from '../generated.js'

export function member (raw: SentryMember): Member {
  const user = record(raw.user)
  return {
    id: requiredId('a member', raw.id),
    email: str(raw.email) ?? '',
    name: str(raw.name),
    orgRole: str(raw.orgRole ?? raw.role),
    pending: bool(raw.pending),
    expired: bool(raw.expired),
    inviteStatus: str(raw.inviteStatus),
    dateCreated: date(raw.dateCreated),
    // A pending invite has no user yet; a user without an id is as good as none.
    user: user === null || str(user.id) === null
      ? null
      : { id: requiredId('a member\'s user', user.id), name: str(user.name), username: str(user.username), email: str(user.email) }
  }
}
