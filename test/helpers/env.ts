import { randomBytes } from 'node:crypto'
import { join } from 'node:path'

export const TEST_CLIENT_ID = 'test-client'
export const TEST_CLIENT_SECRET = 'test-client-secret-0123456789abcdef'

export function testEnv (dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: join(dir, 'gateway.db'),
    SESSION_SECRET: 'test-session-secret-0123456789-abcdefghijklmnop',
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SENTRY_CLIENT_ID: TEST_CLIENT_ID,
    SENTRY_CLIENT_SECRET: TEST_CLIENT_SECRET,
    LOG_LEVEL: 'silent',
    ...extra
  }
}
