import type { LoggerOptions } from 'pino'

/**
 * Paths pino censors. Tokens, codes, secrets and cookies must never reach a log line
 * (issue 2 §7). Wildcards cover one level of nesting, which is where Fastify's request
 * serializer and our own log objects put them.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  '*.authorization',
  '*.cookie',
  '*["set-cookie"]',
  'access_token', '*.access_token', 'refresh_token', '*.refresh_token',
  'accessToken', '*.accessToken', 'refreshToken', '*.refreshToken',
  'token', '*.token', '*.code_verifier', 'code_verifier',
  'client_secret', '*.client_secret', 'clientSecret', '*.clientSecret',
  'secret', '*.secret', 'sessionSecret', '*.sessionSecret', 'password', '*.password'
]

export interface LoggerExtras {
  /** Human-readable lines through pino-pretty (development, when stdout is a terminal). */
  pretty?: boolean
}

export function loggerOptions (level: string, extras: LoggerExtras = {}): LoggerOptions {
  return {
    level,
    ...(extras.pretty === true
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // The request URL may carry ?code=…&state=… on the OAuth callback: log the path only.
    serializers: {
      req (req: { method: string, url: string, id?: string }) {
        return { method: req.method, url: stripQuery(req.url), id: req.id }
      }
    }
  }
}

export function stripQuery (url: string): string {
  const i = url.indexOf('?')
  return i === -1 ? url : url.slice(0, i)
}
