/** Event and EventEntry (schema/event.graphql, and Event.traceDetails of trace.graphql). */
import { dataFields, date, json, requiredId, str } from '../coerce.js'
import { eventUser, normalizeContexts, normalizeEntries, tags, traceContext } from '../event-entries.js'
import type { Resolvers } from '../generated.js'
import { orgKey, toGlobalId } from '../global-id.js'
import type { EventModel } from '../models.js'
import { lazyEventFields } from '../sentry-calls.js'
import { eventTraceDetails } from './trace.js'

const d = (e: EventModel): Record<string, unknown> => e.data

export const eventResolvers = {
  Event: {
    id: (e) => requiredId('an event', d(e).id, d(e).eventID),
    globalId: (e) => toGlobalId('Event', orgKey(e.scope), e.issueId, requiredId('an event', e.data.eventID, e.data.id)),
    eventID: (e) => str(d(e).eventID) ?? str(d(e).id) ?? '',
    groupID: (e) => str(d(e).groupID) ?? e.issueId,
    title: (e) => str(d(e).title) ?? '',
    // The list endpoint names it `event.type`, the event endpoint `type`.
    type: (e) => str(d(e).type) ?? str(d(e)['event.type']),
    ...dataFields({
      projectID: str,
      message: str,
      dateCreated: date,
      platform: str,
      culprit: str,
      location: str,
      tags,
      user: eventUser,
      metadata: json
    }),
    raw: (e) => e.data,
    // Fields only a full event has: a list item fetches its full event once, whichever it needs.
    ...lazyEventFields({
      entries: normalizeEntries,
      contexts: normalizeContexts,
      trace: traceContext,
      sdk: json,
      release: json,
      occurrence: json,
      dateReceived: date
    }, { trace: 'contexts' }),
    traceDetails: eventTraceDetails
  },
  EventEntry: {
    // normalizeEntries tags every entry with its type name.
    resolveType: (entry) => entry.__typename as NonNullable<typeof entry.__typename>
  }
} satisfies Resolvers
