import * as crypto from 'node:crypto'
import { createHash, randomBytes } from 'node:crypto'

/** 64 hex characters, the shape of Sentry's OAuth access/refresh tokens and grant codes (docs/sentry.md §2). */
export function randomToken (): string {
  return randomBytes(32).toString('hex')
}

/** A 32-hex id derived from a string: deterministic event ids, key ids and error ids for the seed. */
export function hexId (...parts: Array<string | number>): string {
  return md5Hex(parts.join(':'))
}

/**
 * MD5 as hex. `crypto.hash` (Node ≥ 20.12, https://nodejs.org/api/crypto.html#cryptohashalgorithm-data-outputencoding)
 * hashes in one call, about 2–3 times faster than a Hash object for short inputs; same digest.
 */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash
const md5Hex: (data: string) => string = oneShot !== undefined
  ? (data) => oneShot('md5', data, 'hex')
  : (data) => createHash('md5').update(data).digest('hex')

/** Small, fast, seedable PRNG (mulberry32) so the seed data is identical on every start. */
export function seededRandom (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export type DatePrecision = 0 | 3 | 6

/**
 * ISO-8601 UTC with a `Z` and 0, 3 or 6 fractional digits. Sentry mixes all three
 * (`…55Z`, `…55.101Z`, `…56.428721Z`, docs/sentry.md §6), so the seed does too.
 * `micros` supplies digits 4–6 (0–999) for 6-digit precision.
 */
export function isoDate (ms: number, precision: DatePrecision = 3, micros = 0): string {
  const iso = new Date(ms).toISOString() // always …ss.mmmZ
  if (precision === 0) return iso.slice(0, 19) + 'Z'
  if (precision === 3) return iso
  return iso.slice(0, 23) + String(Math.trunc(micros) % 1000).padStart(3, '0') + 'Z'
}

/** `expires_at` of the token endpoint: microseconds and a Z, e.g. 2024-11-27T23:20:21.054320Z (docs/sentry.md §2). */
export function isoMicros (ms: number): string {
  return isoDate(ms, 6, 0)
}

export function escapeHtml (value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

export function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function clone<T> (value: T): T {
  return structuredClone(value)
}
