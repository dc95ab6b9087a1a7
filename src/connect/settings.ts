import type { Config } from '../config.js'

/** What the connect handlers need to know about this gateway, computed once when the routes are registered. */
export interface ConnectSettings {
  config: Config
  now: () => number
  /** PUBLIC_URL's origin: where pages return to, and the default origin a popup posts its result to. */
  publicOrigin: string
}

export function connectSettings (config: Config, now: () => number = Date.now): ConnectSettings {
  return { config, now, publicOrigin: new URL(config.publicUrl).origin }
}

/** A popup may post its result to our own origin or one of ALLOWED_ORIGINS, no other. */
export function allowedMessageOrigin (settings: ConnectSettings, origin: unknown): origin is string {
  return typeof origin === 'string' && (origin === settings.publicOrigin || settings.config.allowedOrigins.includes(origin))
}
