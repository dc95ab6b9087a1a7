import t from 'tap'
import { escapeHtml, html, SafeHtml } from '../../src/pages/html.js'

t.test('html escapes every interpolated value', async t => {
  t.equal(escapeHtml('<a href="x" onclick=\'y\'>&`</a>'), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;')
  const inner = html`<b>${'<i>'}</b>`
  t.equal(html`<p>${inner}${['<', html`<br>`]}${null}${undefined}${false}${0}${true}</p>`.value, '<p><b>&lt;i&gt;</b>&lt;<br>0true</p>')
  t.equal(String(new SafeHtml('<x>')), '<x>')
})
