import type { SentryCaller } from './caller.js'
import { normalizeEventId } from './issues.js'
import type { SentryEvent } from './types.js'

/**
 * One event of a project.
 * @see getProjectEvent (GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/events/{event_id}/)
 */
export async function getProjectEvent (call: SentryCaller, org: string, project: string, eventId: string): Promise<SentryEvent> {
  return await call.json<SentryEvent>({
    method: 'GET',
    path: '/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/events/{event_id}/',
    params: { organization_id_or_slug: org, project_id_or_slug: project, event_id: normalizeEventId(eventId) },
    what: 'The event'
  })
}

export function eventsApi (call: SentryCaller) {
  return {
    get: async (org: string, project: string, eventId: string) => await getProjectEvent(call, org, project, eventId)
  }
}
