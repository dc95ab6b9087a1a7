import { html } from './html.js'
import { layout } from './layout.js'
import type { RegistrationValues } from './registration.js'

/** GET /setup/sentry: the values to register this gateway as a Sentry OAuth application. */
export function renderSetup (values: RegistrationValues, oauthConfigured: boolean): string {
  const row = (label: string, value: string | string[] | null, hint = ''): ReturnType<typeof html> => html`<tr><th scope="row">${label}</th><td>${value === null
    ? html`<span class="muted">${hint}</span>`
    : (Array.isArray(value) ? value : [value]).map((v, i) => html`${i > 0 ? html`<br>` : ''}<code>${v}</code>`)}</td></tr>`
  const body = html`<h1>Register the gateway with Sentry</h1>
<p>${oauthConfigured
    ? 'An OAuth application is configured. These are the values it must be registered with in Sentry; check them if connecting fails with a redirect error.'
    : 'No OAuth application is configured yet (SENTRY_CLIENT_ID and SENTRY_CLIENT_SECRET are not set).'}</p>
<ol>
<li>Open <a href="${values.registerAt}" rel="noopener">${values.registerAt}</a> (Sentry → User settings → API → Applications) and choose <em>Create New Application</em>.</li>
<li>Fill in the fields with these values and save.</li>
<li>Copy the Client ID and Client Secret Sentry shows into the gateway's environment and restart it.</li>
</ol>
<table class="values">
${row('Name', values.name)}
${row('Homepage URL', values.homepageUrl)}
${row('Privacy Policy URL', values.privacyPolicyUrl, 'optional; set PRIVACY_POLICY_URL to fill it in')}
${row('Terms and Conditions URL', values.termsUrl, 'optional; set TERMS_URL to fill it in')}
${row('Authorized Redirect URIs', values.redirectUris)}
${row('Authorized JavaScript Origins', values.allowedOrigins)}
</table>
<h2>Scopes</h2>
<p>The gateway requests these scopes when a user connects (SENTRY_SCOPES):</p>
<ul class="scopes">${values.scopes.map(s => html`<li><code>${s.scope}</code>: ${s.words}</li>`)}</ul>
<h2>Notes</h2>
<ul>${values.notes.map(n => html`<li>${n}</li>`)}</ul>
<h2>Environment</h2>
<table class="values">${values.env.map(e => html`<tr><th scope="row"><code>${e.name}</code></th><td><code>${e.value}</code></td></tr>`)}</table>
<p class="muted">The same values are printed by <code>npm run registration</code>.</p>`
  return layout({ title: 'Setup', body })
}
