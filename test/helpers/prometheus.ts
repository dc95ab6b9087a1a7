/** One sample of Prometheus' text exposition format (https://prometheus.io/docs/instrumenting/exposition_formats/). */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** Parses the text format: comments skipped, label values unescaped. */
export function parseMetrics (text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m === null) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1] as string] = (l[2] as string).replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\')
    }
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) })
  }
  return samples
}

/** The sum of the samples named `name` whose labels include `where`. */
export function sum (samples: Sample[], name: string, where: Record<string, string> = {}): number {
  return samples.filter(s => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((acc, s) => acc + s.value, 0)
}

/** Sample values grouped by a key built from their labels. */
export function by (samples: Sample[], name: string, key: (labels: Record<string, string>) => string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const s of samples.filter(x => x.name === name)) out[key(s.labels)] = (out[key(s.labels)] ?? 0) + s.value
  return out
}
