/**
 * A minimal Chrome DevTools Protocol client for a child started with `--inspect=127.0.0.1:0`:
 * the long run forces a full GC before each memory reading, so that the readings compare live
 * memory rather than wherever V8's heap happened to be in its collection cycle.
 */
import { WebSocket } from 'undici'

export interface MemoryReading {
  heapUsed: number
  heapTotal: number
  external: number
  rss: number
}

async function session<T> (wsUrl: string, use: (send: (method: string, params?: Record<string, unknown>) => Promise<any>) => Promise<T>): Promise<T> {
  const ws = new WebSocket(wsUrl)
  const pending = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
  let nextId = 1
  ws.addEventListener('message', (event) => {
    const msg = JSON.parse(String(event.data)) as { id?: number, result?: unknown, error?: { message: string } }
    const p = msg.id === undefined ? undefined : pending.get(msg.id)
    if (p === undefined) return
    pending.delete(msg.id as number)
    if (msg.error !== undefined) p.reject(new Error(msg.error.message))
    else p.resolve(msg.result)
  })
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true })
    ws.addEventListener('error', () => reject(new Error(`cannot connect to the inspector at ${wsUrl}`)), { once: true })
  })
  const send = async (method: string, params: Record<string, unknown> = {}): Promise<any> => await new Promise((resolve, reject) => {
    const id = nextId++
    pending.set(id, { resolve, reject })
    ws.send(JSON.stringify({ id, method, params }))
    setTimeout(() => {
      if (pending.delete(id)) reject(new Error(`inspector ${method}: no answer within 30 s`))
    }, 30_000).unref()
  })
  try {
    return await use(send)
  } finally {
    ws.close()
  }
}

/** Two full collections, then `process.memoryUsage()` inside the child. */
export async function memoryAfterGc (wsUrl: string): Promise<MemoryReading> {
  return await session(wsUrl, async (send) => {
    await send('HeapProfiler.collectGarbage')
    await send('HeapProfiler.collectGarbage')
    await new Promise(resolve => setTimeout(resolve, 300))
    const res = await send('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })
    return JSON.parse(String(res.result.value)) as MemoryReading
  })
}
