/**
 * Bounded label values. Prometheus keeps one series per label combination, so a label fed from
 * request input (an operation name, a region host) must not grow without limit
 * (https://prometheus.io/docs/practices/naming/#labels). Each set keeps its preset values and at
 * most `max` more that match `pattern`; anything else is reported as OTHER.
 */
export const OTHER = '__other'

export class BoundedLabel {
  readonly #seen = new Set<string>()
  readonly #preset: ReadonlySet<string>
  readonly #max: number
  readonly #pattern: RegExp

  constructor (max: number, pattern: RegExp, preset: Iterable<string> = []) {
    this.#max = max
    this.#pattern = pattern
    this.#preset = new Set(preset)
  }

  get (value: string): string {
    if (this.#preset.has(value) || this.#seen.has(value)) return value
    if (this.#seen.size >= this.#max || !this.#pattern.test(value)) return OTHER
    this.#seen.add(value)
    return value
  }
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

export function methodLabel (method: string): string {
  return METHODS.has(method) ? method : OTHER
}

/** GraphQL names (https://spec.graphql.org/October2021/#Name), at most 64 characters. */
export const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/
/** errors.ts codes and GraphQL-over-HTTP codes: upper snake case. */
export const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/
/** Sentry API path templates as in openapi.json: literal segments and {placeholders}. */
export const PATH_TEMPLATE = /^\/[A-Za-z0-9_{}./-]{0,200}$/
/** Host names (region hosts such as us.sentry.io), with an optional port. */
export const HOST = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/
