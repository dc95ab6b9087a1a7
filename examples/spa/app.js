// The example app: plain browser JavaScript, no build step. See README.md "Try JWT identity locally".
(function () {
  'use strict'
  const $ = function (id) { return document.getElementById(id) }

  // Convenience for the walkthrough and the browser test: #gateway=…&token=… prefills the form.
  const hash = new URLSearchParams(window.location.hash.slice(1))
  if (hash.get('gateway')) $('gateway').value = hash.get('gateway')
  if (hash.get('token')) $('token').value = hash.get('token')

  function gateway () { return $('gateway').value.replace(/\/+$/, '') }
  function token () { return $('token').value.trim() }
  function status (text, isError) {
    $('status').textContent = text
    $('status').className = isError ? 'error' : ''
  }

  // The gateway's popup posts exactly one message to this origin, then closes.
  window.addEventListener('message', function (event) {
    if (event.origin !== new URL(gateway()).origin) return
    const msg = event.data || {}
    if (msg.type === 'sentry-connected') {
      status('Connected to Sentry: ' + (msg.organizations || []).join(', '))
    } else if (msg.type === 'sentry-connect-failed') {
      status('Connection failed: ' + msg.message, true)
    }
  })

  $('connect').addEventListener('click', function () {
    // Open the popup during the click (popup blockers), then point it at the one-time link.
    const popup = window.open('about:blank', 'sentry-connect', 'popup,width=640,height=760')
    status('Asking the gateway for a connect link…')
    fetch(gateway() + '/connect/sessions', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + token(), 'content-type': 'application/json' },
      body: JSON.stringify({ origin: window.location.origin })
    }).then(function (res) {
      return res.json().then(function (body) {
        if (res.status !== 201) throw new Error(body.message || ('HTTP ' + res.status))
        return body
      })
    }).then(function (body) {
      status('Waiting for Sentry… (the link is valid until ' + new Date(body.expiresAt).toLocaleTimeString() + ')')
      if (popup) popup.location.href = body.url
      else window.location.href = body.url
    }).catch(function (err) {
      if (popup) popup.close()
      status('Could not start: ' + err.message, true)
    })
  })

  $('query').addEventListener('click', function () {
    status('Querying…')
    fetch(gateway() + '/graphql', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + token(), 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { id connections { id status } } organizations { slug name } }' })
    }).then(function (res) { return res.json() }).then(function (body) {
      $('raw').hidden = false
      $('raw').textContent = JSON.stringify(body, null, 2)
      const list = $('organizations')
      list.textContent = ''
      if (body.errors && body.errors.length) {
        const e = body.errors[0]
        status((e.extensions && e.extensions.code) + ': ' + e.message + (e.extensions && e.extensions.reason ? ' (' + e.extensions.reason + ')' : ''), true)
        return
      }
      body.data.organizations.forEach(function (o) {
        const li = document.createElement('li')
        li.textContent = o.name + ' (' + o.slug + ')'
        list.appendChild(li)
      })
      status(body.data.organizations.length + ' organization(s) through ' + body.data.viewer.connections.length + ' connection(s).')
    }).catch(function (err) { status('Query failed: ' + err.message, true) })
  })
})()
