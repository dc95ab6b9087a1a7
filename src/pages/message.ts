import { html, jsonAttribute } from './html.js'
import { layout } from './layout.js'

export type PopupMessage =
  | { type: 'sentry-connected', connectionId: string, organizations: string[] }
  | { type: 'sentry-connect-failed', error: string, message: string }

export interface MessagePageOptions {
  title: string
  /** Plain sentences; escaped. */
  paragraphs: string[]
  kind: 'error' | 'ok'
  /** Where "Continue" leads (a validated same-origin path). */
  continueTo: string
  continueLabel?: string
  /** Popup mode: the message for window.opener and the one origin it may be delivered to. */
  popup?: { message: PopupMessage, targetOrigin: string }
}

/** A page that tells the user, in words, how the connect flow ended. */
export function renderMessage (options: MessagePageOptions): string {
  const body = html`<h1>${options.title}</h1>
<div class="notice ${options.kind}" role="${options.kind === 'error' ? 'alert' : 'status'}">
${options.paragraphs.map(p => html`<p>${p}</p>`)}
</div>
<p class="actions"><a class="button" href="${options.continueTo}">${options.continueLabel ?? 'Back to your connections'}</a></p>
${options.popup === undefined
    ? ''
    : html`<div id="popup-result" data-message="${jsonAttribute(options.popup.message)}" data-target-origin="${options.popup.targetOrigin}"></div>
<p class="muted">This window closes by itself once the page that opened it has the result.</p>`}`
  return layout({
    title: options.title,
    body,
    scripts: options.popup === undefined ? [] : ['/assets/popup-result.js']
  })
}
