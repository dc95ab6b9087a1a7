/**
 * A same-origin path to return to, or null. The decision is made on the raw input, and the raw
 * input is what is returned (never a dot-segment-normalised form of it; only spaces and non-ASCII
 * characters are percent-encoded):
 * - it must start with exactly one "/" (not "//" or "/\\", which browsers read as another host);
 * - it may contain no backslash, no control character, and no dot-segment ("." or "..", also
 *   percent-encoded as %2e), because URL normalisation removes dot-segments: `/..//evil.com`
 *   normalises to `//evil.com`, a protocol-relative URL to another host (RFC 3986 §5.2.4);
 * - resolved against our origin (WHATWG URL), it must stay on that origin and its path must not
 *   start with "//" either; the connect and OAuth endpoints themselves are refused (loops).
 */
export function safeReturnTo (raw: unknown, publicOrigin: string): string | null {
  if (raw === undefined) return '/'
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return null
  if (!raw.startsWith('/') || raw.startsWith('//')) return null
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\\\u0000-\u001f\u007f]/.test(raw)) return null
  const path = raw.split(/[?#]/, 1)[0] as string
  if (path.split('/').some((segment) => /^(\.|%2e){1,2}$/i.test(segment))) return null
  // Spaces and non-ASCII characters are percent-encoded (a Location header carries ASCII only);
  // this changes no "/", "." or "%", so the path's segments stay as decided above.
  let value: string
  let url: URL
  try {
    value = raw.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c))
    url = new URL(value, publicOrigin)
  } catch {
    return null // a lone surrogate cannot be encoded
  }
  if (url.origin !== publicOrigin || url.pathname.startsWith('//')) return null
  if (url.pathname.startsWith('/connect/') || url.pathname.startsWith('/oauth/')) return null
  return value
}
