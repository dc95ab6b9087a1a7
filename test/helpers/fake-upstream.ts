/** Fakes for one layer of the Sentry pipeline (src/sentry/pipeline.ts) at a time: a request, an answer, and a scripted `next`. */
import { Deadline } from '../../src/sentry/deadline.js'
import type { Send, UpstreamRequest, UpstreamResponse } from '../../src/sentry/pipeline.js'

export const SENTRY = 'https://sentry.example'
export const request = (over: Partial<UpstreamRequest> = {}): UpstreamRequest => ({
  method: 'GET',
  template: '/api/0/organizations/{organization_id_or_slug}/teams/',
  pathAndQuery: '/api/0/organizations/acme/teams/',
  baseUrl: SENTRY,
  headers: {},
  deadline: Deadline.after(5000),
  ...over
})
export const answer = (status: number, headers: Record<string, string> = {}, text = '[]'): UpstreamResponse => ({ status, headers, text })

/** A fake `next` that answers from a script and records what it was sent. */
export function script (...steps: Array<UpstreamResponse | Error>): Send & { seen: UpstreamRequest[] } {
  const seen: UpstreamRequest[] = []
  const send = async (req: UpstreamRequest): Promise<UpstreamResponse> => {
    seen.push(req)
    const step = steps.shift()
    if (step === undefined) throw new Error('unexpected call')
    if (step instanceof Error) throw step
    return step
  }
  return Object.assign(send, { seen })
}
