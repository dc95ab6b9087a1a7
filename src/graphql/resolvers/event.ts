import { date, json, requiredId, str } from '../coerce.js'
import { eventUser, normalizeContexts, normalizeEntries, tags, traceContext } from '../event-entries.js'
import type { Resolvers } from '../generated.js'
import { eventField, type LoaderFn } from '../loaders.js'
import type { EventModel } from '../models.js'

const d = (e: EventModel): Record<string, unknown> => e.data

export const eventResolvers: Resolvers = {
  Event: {
    id: (e) => requiredId('an event', d(e).id, d(e).eventID),
    eventID: (e) => str(d(e).eventID) ?? str(d(e).id) ?? '',
    groupID: (e) => str(d(e).groupID) ?? e.issueId,
    projectID: (e) => str(d(e).projectID),
    title: (e) => str(d(e).title) ?? '',
    message: (e) => str(d(e).message),
    dateCreated: (e) => date(d(e).dateCreated),
    platform: (e) => str(d(e).platform),
    // The list endpoint names it `event.type`, the event endpoint `type`.
    type: (e) => str(d(e).type) ?? str(d(e)['event.type']),
    culprit: (e) => str(d(e).culprit),
    location: (e) => str(d(e).location),
    tags: (e) => tags(d(e).tags),
    user: (e) => eventUser(d(e).user),
    metadata: (e) => json(d(e).metadata),
    raw: (e) => e.data
  },
  EventEntry: {
    // normalizeEntries tags every entry with its type name.
    resolveType: (entry) => entry.__typename as NonNullable<typeof entry.__typename>
  }
}

/** Fields only a full event has: a list item fetches its full event once, whichever it needs. */
export const eventLoaders: { Event: Record<string, LoaderFn<EventModel>> } = {
  Event: {
    entries: eventField('entries', (data) => normalizeEntries(data.entries)),
    contexts: eventField('contexts', (data) => normalizeContexts(data.contexts)),
    trace: eventField('contexts', (data) => traceContext(data.contexts)),
    sdk: eventField('sdk', (data) => json(data.sdk)),
    release: eventField('release', (data) => json(data.release)),
    occurrence: eventField('occurrence', (data) => json(data.occurrence)),
    dateReceived: eventField('dateReceived', (data) => date(data.dateReceived))
  }
}
