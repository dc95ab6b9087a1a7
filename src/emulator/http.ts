/** Small HTTP helpers shared by the OAuth, API and control routes. */
import type { FastifyInstance } from 'fastify'

export function queryOf (url: string): URLSearchParams {
  const i = url.indexOf('?')
  return new URLSearchParams(i === -1 ? '' : url.slice(i + 1))
}

export function pathOf (url: string): string {
  const i = url.indexOf('?')
  return i === -1 ? url : url.slice(0, i)
}

/**
 * Django's `request.POST`: only application/x-www-form-urlencoded bodies are parsed (the last value
 * of a repeated key wins); any other body, JSON included, reads as no fields at all (docs/sentry.md §2).
 */
export function formBodyOnly (app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_req, _body, done) => { done(null, {}) })
}

/** An API error answered with Sentry's body for it. */
export class ApiError extends Error {
  constructor (readonly statusCode: number, readonly body: unknown, readonly headers: Record<string, string> = {}) {
    super(typeof body === 'object' && body !== null && 'detail' in body ? String((body as { detail: unknown }).detail) : `HTTP ${statusCode}`)
  }
}

const WWW_AUTHENTICATE = { 'WWW-Authenticate': 'xBasic realm="api"' }

/** DRF 401 with `QuietBasicAuthentication.authenticate_header` (docs/sentry.md §4). */
export function unauthorized (detail: string): ApiError {
  return new ApiError(401, { detail }, WWW_AUTHENTICATE)
}

export function forbidden (): ApiError {
  return new ApiError(403, { detail: 'You do not have permission to perform this action.' })
}

export function notFound (): ApiError {
  return new ApiError(404, { detail: 'The requested resource does not exist' })
}

export function badRequest (body: unknown): ApiError {
  return new ApiError(400, typeof body === 'string' ? { detail: body } : body)
}
