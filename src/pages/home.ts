import type { ConnectionRecord } from '../db/store.js'
import { html, type SafeHtml } from './html.js'
import { layout } from './layout.js'
import { describeScope } from './scopes.js'

export interface HomePageData {
  scopes: string[]
  connections: ConnectionRecord[]
  csrfToken: string
  /** Sentry's "Authorized Applications" page, where the user revokes the gateway. */
  authorizedApplicationsUrl: string
  /** False when no OAuth client is configured: the Connect button is replaced by setup advice. */
  oauthConfigured: boolean
  notice: 'connected' | 'disconnected' | null
  now: Date
}

export function formatDate (date: Date): SafeHtml {
  const iso = date.toISOString()
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`
}

function expiry (connection: ConnectionRecord, now: Date): SafeHtml {
  if (connection.expiresAt === null) return html`never`
  const ms = connection.expiresAt.getTime() - now.getTime()
  if (ms <= 0) return html`${formatDate(connection.expiresAt)} <span class="muted">(expired; the gateway refreshes it on the next request)</span>`
  const days = Math.floor(ms / 86_400_000)
  const hours = Math.floor(ms / 3_600_000)
  const left = days >= 1 ? `in ${days} day${days === 1 ? '' : 's'}` : `in ${Math.max(hours, 0)} h`
  return html`${formatDate(connection.expiresAt)} <span class="muted">(${left}; refreshed automatically)</span>`
}

/** A link (not a form: see security.ts on form-action) that connect.js opens as a popup. */
function connectButton (label: string): SafeHtml {
  return html`<a class="button" href="/connect/sentry" data-popup-href="/connect/sentry?mode=popup" data-connect>${label}</a>`
}

function connectionCard (c: ConnectionRecord, data: HomePageData): SafeHtml {
  const who = [c.sentryUser.name, c.sentryUser.email === null ? null : `<${c.sentryUser.email}>`].filter(v => v !== null).join(' ')
  return html`<section class="connection" data-connection-id="${c.id}">
<h3>${c.organizations.length === 0 ? 'No organization' : c.organizations.map(o => o.name).join(', ')}</h3>
<dl>
<dt>Organizations</dt><dd>${c.organizations.length === 0
    ? html`<span class="muted">none visible to this token</span>`
    : c.organizations.map((o, i) => html`${i > 0 ? ', ' : ''}${o.name} <code>${o.slug}</code>`)}${c.scopingOrgId !== null ? html` <span class="muted">(token limited to this organization)</span>` : ''}</dd>
<dt>Sentry user</dt><dd>${who === '' ? `#${c.sentryUser.id}` : who} <span class="muted">(id ${c.sentryUser.id})</span></dd>
<dt>Scopes</dt><dd>${c.scopes.map((s, i) => html`${i > 0 ? ' ' : ''}<code>${s}</code>`)}</dd>
<dt>Status</dt><dd><span class="status-${c.status}">${c.status === 'ACTIVE' ? 'Active' : 'Revoked'}</span>${c.status === 'REVOKED' && c.statusReason !== null ? html` <span class="muted">(${c.statusReason})</span>` : ''}${c.status === 'REVOKED' ? html` <span class="muted">since ${formatDate(c.statusChangedAt)}</span>` : ''}</dd>
<dt>Access token expires</dt><dd>${c.status === 'REVOKED' ? html`<span class="muted">no token stored</span>` : expiry(c, data.now)}</dd>
<dt>Connected</dt><dd>${formatDate(c.createdAt)}${c.updatedAt.getTime() !== c.createdAt.getTime() ? html` <span class="muted">(last updated ${formatDate(c.updatedAt)})</span>` : ''}</dd>
</dl>
<div class="actions">
${c.status === 'REVOKED' && data.oauthConfigured ? connectButton('Reconnect') : ''}
<form method="post" action="/connections/${encodeURIComponent(c.id)}/disconnect">
<input type="hidden" name="csrf" value="${data.csrfToken}">
<button type="submit" class="danger">Disconnect</button>
</form>
</div>
</section>`
}

export function renderHome (data: HomePageData): string {
  const body = html`<h1>Connect your Sentry account</h1>
${data.notice === 'connected' ? html`<p class="notice ok" role="status">Connected to Sentry.</p>` : ''}
${data.notice === 'disconnected'
    ? html`<p class="notice ok" role="status">Disconnected: the gateway deleted its tokens for that connection. Sentry still lists the gateway as an authorized application until you revoke it under <a href="${data.authorizedApplicationsUrl}" rel="noopener">Sentry → Authorized Applications</a>.</p>`
    : ''}
<p id="connect-status" class="notice" role="status" hidden></p>
<p>Connecting lets this gateway answer GraphQL queries about your Sentry data, acting as you. It asks Sentry for these permissions, and through them the gateway can:</p>
<ul class="scopes">
${data.scopes.map(s => html`<li><code>${s}</code>: ${describeScope(s)}</li>`)}
</ul>
<p class="muted">You approve this on Sentry's own page. The gateway stores the tokens encrypted, never shows them, and you can disconnect at any time.</p>
${data.oauthConfigured
    ? html`<p class="actions">${connectButton('Connect to Sentry')}</p>`
    : html`<p class="notice error">No Sentry OAuth application is configured yet. See <a href="/setup/sentry">Setup</a>.</p>`}
<h2>Your connections</h2>
${data.connections.length === 0
    ? html`<p class="muted" id="no-connections">No connections yet.</p>`
    : data.connections.map(c => connectionCard(c, data))}
<h2>Disconnecting</h2>
<p>Disconnect deletes the tokens this gateway holds. Sentry offers no endpoint for an application to revoke its own authorization, so to remove the gateway from your Sentry account as well, revoke it under <a href="${data.authorizedApplicationsUrl}" rel="noopener">Sentry → Authorized Applications</a>.</p>
<h2>Query</h2>
<p>Open <a href="/graphiql">GraphiQL</a> to explore the GraphQL API with your connections, or send queries to <code>/graphql</code>.</p>`
  return layout({ title: 'Connections', body, scripts: ['/assets/connect.js'] })
}
