/**
 * A tiny HTML builder for server-rendered pages: every interpolated value is escaped unless it
 * is already `SafeHtml` (the output of another `html` template). Nothing reaches a page
 * unescaped by accident.
 */

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;'
}

export function escapeHtml (value: string): string {
  return value.replace(/[&<>"'`]/g, c => ESCAPES[c] as string)
}

export class SafeHtml {
  readonly value: string
  constructor (value: string) {
    this.value = value
  }

  toString (): string {
    return this.value
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[]

function render (value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof SafeHtml) return value.value
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

/** Tagged template: `html\`<p>${name}</p>\`` escapes `name`; nested `html` results pass through. */
export function html (strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] as string
  for (let i = 0; i < values.length; i++) {
    out += render(values[i] as HtmlValue) + (strings[i + 1] as string)
  }
  return new SafeHtml(out)
}

/**
 * JSON for a `data-*` attribute: escaped like any attribute value, read back in the browser with
 * JSON.parse(element.dataset.x). Never placed inside a <script> element, so no script injection.
 */
export function jsonAttribute (value: unknown): string {
  return JSON.stringify(value)
}
