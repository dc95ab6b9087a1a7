/**
 * A browser-like HTTP client for the connect flow: real sockets (undici), redirects followed
 * by hand, and a cookie jar kept by hand with the browser rules that matter here (host-only
 * cookies shared across ports, Path matching, Max-Age/Expires deletion, Secure only over https).
 */
import { request } from 'undici'

export interface Cookie {
  name: string
  value: string
  hostname: string
  path: string
  expires: number | null
  secure: boolean
  httpOnly: boolean
  sameSite: string | null
  /** The Set-Cookie line as received, for attribute assertions. */
  raw: string
}

export interface Response {
  url: string
  status: number
  headers: Record<string, string | string[] | undefined>
  location: string | null
  body: string
  setCookies: string[]
}

export interface FetchOptions {
  method?: string
  form?: Record<string, string>
  headers?: Record<string, string>
}

function defaultPath (pathname: string): string {
  const i = pathname.lastIndexOf('/')
  return i <= 0 ? '/' : pathname.slice(0, i)
}

function pathMatches (requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true
  if (!requestPath.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'
}

export function parseSetCookie (line: string, url: URL): Cookie {
  const [pair = '', ...attrs] = line.split(';')
  const eq = pair.indexOf('=')
  const cookie: Cookie = {
    name: pair.slice(0, eq).trim(),
    value: pair.slice(eq + 1).trim(),
    hostname: url.hostname,
    path: defaultPath(url.pathname),
    expires: null,
    secure: false,
    httpOnly: false,
    sameSite: null,
    raw: line
  }
  for (const attr of attrs) {
    const [k = '', ...rest] = attr.split('=')
    const key = k.trim().toLowerCase()
    const v = rest.join('=').trim()
    if (key === 'path' && v.startsWith('/')) cookie.path = v
    else if (key === 'max-age') cookie.expires = Date.now() + Number(v) * 1000
    else if (key === 'expires' && cookie.expires === null) cookie.expires = Date.parse(v)
    else if (key === 'secure') cookie.secure = true
    else if (key === 'httponly') cookie.httpOnly = true
    else if (key === 'samesite') cookie.sameSite = v
  }
  return cookie
}

export class BrowserLike {
  readonly cookies: Cookie[] = []
  /** Every response seen, in order (redirect hops included). */
  readonly history: Response[] = []

  private store (cookie: Cookie): void {
    const i = this.cookies.findIndex(c => c.name === cookie.name && c.hostname === cookie.hostname && c.path === cookie.path)
    if (i !== -1) this.cookies.splice(i, 1)
    if (cookie.expires !== null && cookie.expires <= Date.now()) return
    this.cookies.push(cookie)
  }

  cookieHeader (url: URL): string {
    const now = Date.now()
    return this.cookies
      .filter(c => c.hostname === url.hostname && pathMatches(url.pathname, c.path) && (!c.secure || url.protocol === 'https:') && (c.expires === null || c.expires > now))
      .sort((a, b) => b.path.length - a.path.length)
      .map(c => `${c.name}=${c.value}`).join('; ')
  }

  cookie (name: string): Cookie | undefined {
    return this.cookies.find(c => c.name === name)
  }

  async fetch (target: string, options: FetchOptions = {}): Promise<Response> {
    const url = new URL(target)
    const headers: Record<string, string> = { 'user-agent': 'connect-flow-test', ...options.headers }
    const cookie = this.cookieHeader(url)
    if (cookie !== '') headers.cookie = cookie
    let body: string | undefined
    if (options.form !== undefined) {
      body = new URLSearchParams(options.form).toString()
      headers['content-type'] = 'application/x-www-form-urlencoded'
    }
    const res = await request(url, { method: (options.method ?? (body === undefined ? 'GET' : 'POST')) as 'GET', headers, body })
    const text = await res.body.text()
    const raw = res.headers['set-cookie']
    const setCookies = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]
    for (const line of setCookies) this.store(parseSetCookie(line, url))
    const location = typeof res.headers.location === 'string' ? new URL(res.headers.location, url).href : null
    const response: Response = { url: url.href, status: res.statusCode, headers: res.headers, location, body: text, setCookies }
    this.history.push(response)
    return response
  }

  /** Fetches and follows redirects (GET after 302/303, like a browser), returning the last answer. */
  async navigate (target: string, options: FetchOptions = {}, maxHops = 10): Promise<Response> {
    let res = await this.fetch(target, options)
    for (let hop = 0; hop < maxHops && res.status >= 300 && res.status < 400 && res.location !== null; hop++) {
      res = await this.fetch(res.location)
    }
    return res
  }
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'", '&#96;': '`' }
export const decodeEntities = (s: string): string => s.replace(/&(?:amp|lt|gt|quot|#39|#x27|#96);/g, m => ENTITIES[m] as string)

export interface ParsedForm {
  action: string
  fields: Record<string, string>
}

/** The first POST form of a page: its action (absolute) and its hidden inputs and selects (first option). */
export function parseForm (page: Response, actionIncludes = ''): ParsedForm {
  const forms = [...page.body.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/gi)].map(m => m[0])
  const form = forms.find(f => /method="post"/i.test(f) && f.includes(actionIncludes))
  if (form === undefined) throw new Error(`no POST form on ${page.url}`)
  const action = decodeEntities(/action="([^"]*)"/i.exec(form)?.[1] ?? '')
  const fields: Record<string, string> = {}
  for (const m of form.matchAll(/<input\b[^>]*>/gi)) {
    const name = /name="([^"]*)"/i.exec(m[0])?.[1]
    const value = /value="([^"]*)"/i.exec(m[0])?.[1] ?? ''
    if (name !== undefined && /type="hidden"/i.test(m[0])) fields[decodeEntities(name)] = decodeEntities(value)
  }
  for (const m of form.matchAll(/<select\b[^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/select>/gi)) {
    const first = /<option\b[^>]*value="([^"]*)"/i.exec(m[2] ?? '')?.[1]
    if (first !== undefined) fields[decodeEntities(m[1] as string)] = decodeEntities(first)
  }
  return { action: new URL(action, page.url).href, fields }
}
