/** The emulator's HTML pages: consent, OAuth error, authorized applications. */
import { SCOPE_DESCRIPTIONS } from './scopes.js'
import { escapeHtml as e } from './util.js'

const STYLE = `body{font-family:system-ui,sans-serif;background:#f5f3f7;color:#2b2233;margin:0}
main{max-width:32rem;margin:4rem auto;background:#fff;border-radius:8px;padding:2rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem}ul{padding-left:1.2rem}li{margin:.3rem 0}code{font-size:.85em;color:#6c5fc7}
.actions{display:flex;gap:.75rem;margin-top:1.5rem}button{padding:.6rem 1.2rem;border-radius:4px;border:1px solid #c6becf;background:#fff;cursor:pointer}
button[value=approve]{background:#6c5fc7;color:#fff;border-color:#6c5fc7}.who{color:#80708f;font-size:.9rem}
.banner{background:#fff4d6;border:1px solid #f1c40f;padding:.4rem .8rem;border-radius:4px;font-size:.8rem;margin-bottom:1rem}`

function layout (title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(title)} | Sentry (emulator)</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body><main><div class="banner">Local Sentry emulator (test double). Not sentry.io.</div>${body}</main></body></html>`
}

export interface ConsentPage {
  appName: string
  scopes: string[]
  user: { name: string, email: string }
  /** When the app is org-level: the orgs to pick from (select name=selected_organization_id). */
  orgs?: Array<{ id: string, name: string, slug: string }>
  /** Opaque signed transaction carrying the request's parameters. */
  tx: string
}

export function consentPage (p: ConsentPage): string {
  const scopes = p.scopes.length === 0
    ? '<li>No extra permissions (identity only)</li>'
    : p.scopes.map((s) => `<li><code>${e(s)}</code>: ${e(SCOPE_DESCRIPTIONS[s] ?? s)}</li>`).join('')
  const picker = p.orgs === undefined
    ? ''
    : `<p><label for="org">Organization</label><br><select id="org" name="selected_organization_id">${
        p.orgs.map((o) => `<option value="${e(o.id)}">${e(o.name)} (${e(o.slug)})</option>`).join('')
      }</select></p>`
  return layout('Authorize application', `<h1>Authorize <strong>${e(p.appName)}</strong>?</h1>
<p class="who">Signed in as ${e(p.user.name)} (${e(p.user.email)})</p>
<p>${e(p.appName)} is requesting access to your Sentry account:</p><ul>${scopes}</ul>
<form method="post" action="/oauth/authorize/">
<input type="hidden" name="tx" value="${e(p.tx)}">${picker}
<div class="actions"><button type="submit" name="op" value="approve">Approve</button>
<button type="submit" name="op" value="deny">Deny</button></div></form>`)
}

/** `sentry/oauth-error.html`, served with HTTP 400 (docs/sentry.md §1). */
export function oauthErrorPage (param: string): string {
  return layout('Authorization error', `<h1>Authorization error</h1><p>Missing or invalid <em>${e(param)}</em> parameter.</p>`)
}

export function authorizedAppsPage (apps: Array<{ clientId: string, name: string, scopes: string[] }>): string {
  const rows = apps.length === 0
    ? '<p>You have not approved any applications.</p>'
    : `<ul>${apps.map((a) => `<li><strong>${e(a.name)}</strong> <code>${e(a.scopes.join(' '))}</code>
<form method="post" action="/oauth/authorized-applications/revoke" style="display:inline">
<input type="hidden" name="client_id" value="${e(a.clientId)}"><button type="submit" name="op" value="revoke">Revoke</button></form></li>`).join('')}</ul>`
  return layout('Authorized applications', `<h1>Authorized applications</h1>${rows}`)
}
