/**
 * Static assets of the server-rendered pages, served from /assets/ by routes/pages.ts. Scripts
 * are files rather than inline <script> so the CSP can keep script-src 'self' without nonces.
 */

export const APP_CSS = `
:root { color-scheme: light dark; --accent: #6c5fc7; --muted: #6b6b7b; --danger: #c23b3b; --ok: #2b8a3e; --border: #d9d6e3; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header.top { display: flex; justify-content: space-between; align-items: center; padding: .75rem 1.5rem; border-bottom: 1px solid var(--border); }
header.top a { text-decoration: none; margin-left: 1rem; }
header.top .brand { font-weight: 600; margin-left: 0; }
main { max-width: 52rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin-top: 0; }
h2 { font-size: 1.2rem; margin-top: 2rem; }
.button, button { display: inline-block; font: inherit; padding: .5rem 1rem; border-radius: .4rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; text-decoration: none; cursor: pointer; }
.button.secondary, button.secondary { background: transparent; color: var(--accent); }
button.danger { background: transparent; border-color: var(--danger); color: var(--danger); }
.muted { color: var(--muted); font-size: .9rem; }
.notice { padding: .75rem 1rem; border-radius: .4rem; border: 1px solid var(--border); margin: 1rem 0; }
.notice.error { border-color: var(--danger); }
.notice.ok { border-color: var(--ok); }
.connection { border: 1px solid var(--border); border-radius: .5rem; padding: 1rem; margin: 1rem 0; }
.connection dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: .5rem 0 1rem; }
.connection dt { color: var(--muted); }
.connection dd { margin: 0; }
.status-ACTIVE { color: var(--ok); font-weight: 600; }
.status-REVOKED { color: var(--danger); font-weight: 600; }
.actions { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
.actions form { margin: 0; }
table.values { border-collapse: collapse; width: 100%; }
table.values th, table.values td { text-align: left; vertical-align: top; padding: .4rem .6rem; border-bottom: 1px solid var(--border); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; word-break: break-all; }
ul.scopes li { margin: .2rem 0; }
`

/**
 * The landing page's Connect button: opens the flow in a popup and waits for the popup's
 * postMessage; when the browser blocks the popup, it follows the link in this window instead.
 */
export const CONNECT_JS = `'use strict';
(function () {
  var status = document.getElementById('connect-status');
  function say (text, kind) {
    if (!status) return;
    status.textContent = text;
    status.className = 'notice ' + (kind || '');
    status.hidden = false;
  }
  var links = document.querySelectorAll('a[data-popup-href]');
  Array.prototype.forEach.call(links, function (link) {
    link.addEventListener('click', function (event) {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      var popup = null;
      try {
        popup = window.open(link.getAttribute('data-popup-href'), 'sentry-connect', 'popup,width=600,height=760');
      } catch (err) {
        popup = null;
      }
      if (!popup) return; // Popup blocked: let the link navigate this window (full redirect).
      event.preventDefault();
      say('Waiting for Sentry in the popup window…');
      var done = false;
      function onMessage (msg) {
        if (msg.origin !== window.location.origin || msg.source !== popup) return;
        var data = msg.data;
        if (!data || (data.type !== 'sentry-connected' && data.type !== 'sentry-connect-failed')) return;
        done = true;
        window.removeEventListener('message', onMessage);
        if (data.type === 'sentry-connected') {
          say('Connected to Sentry. Loading your connections…', 'ok');
          window.location.assign('/?connected=1');
        } else {
          say(String(data.message || 'Connecting to Sentry failed.'), 'error');
        }
      }
      window.addEventListener('message', onMessage);
      var timer = window.setInterval(function () {
        if (done) { window.clearInterval(timer); return; }
        if (popup.closed) {
          window.clearInterval(timer);
          window.removeEventListener('message', onMessage);
          // Closed without a message (the user closed it, or the browser cut the opener link):
          // reload to show whatever the flow stored.
          window.location.reload();
        }
      }, 500);
    });
  });
})();
`

/**
 * The callback page in popup mode: tells the opener how the flow ended, addressed to one exact
 * origin (never '*'), then closes. Without an opener the page stays, with its own Continue link.
 */
export const POPUP_RESULT_JS = `'use strict';
(function () {
  var el = document.getElementById('popup-result');
  if (!el) return;
  var message = JSON.parse(el.getAttribute('data-message'));
  var targetOrigin = el.getAttribute('data-target-origin');
  var opener = window.opener;
  if (opener && !opener.closed && targetOrigin) {
    opener.postMessage(message, targetOrigin);
    window.setTimeout(function () { window.close(); }, 50);
  }
})();
`
