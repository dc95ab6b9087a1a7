import { html, type SafeHtml } from './html.js'

export interface LayoutOptions {
  title: string
  body: SafeHtml
  /** Served scripts (same origin, allowed by the CSP's script-src 'self'); no inline script anywhere. */
  scripts?: string[]
}

/** The page shell shared by every server-rendered page. */
export function layout (options: LayoutOptions): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${options.title} · Sentry GraphQL gateway</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<header class="top"><a href="/" class="brand">Sentry GraphQL gateway</a><nav><a href="/">Connections</a> <a href="/graphiql">GraphiQL</a> <a href="/setup/sentry">Setup</a></nav></header>
<main>
${options.body}
</main>
${(options.scripts ?? []).map(src => html`<script src="${src}" defer></script>`)}
</body>
</html>
`.value
}
