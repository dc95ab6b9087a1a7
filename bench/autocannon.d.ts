// The part of autocannon's programmatic API the bench uses (the package ships no types).
declare module 'autocannon' {
  export interface Histogram {
    average: number
    mean: number
    stddev: number
    min: number
    max: number
    total: number
    p50: number
    p90: number
    p99: number
    p99_9?: number
    sent?: number
  }
  export interface Result {
    duration: number
    errors: number
    timeouts: number
    mismatches: number
    non2xx: number
    resets: number
    statusCodeStats: Record<string, { count: number }>
    latency: Histogram
    requests: Histogram & { sent: number }
    throughput: Histogram
  }
  export interface Options {
    url: string
    method?: string
    headers?: Record<string, string>
    body?: string
    connections?: number
    duration?: number
    amount?: number
    timeout?: number
    pipelining?: number
    verifyBody?: (body: string) => boolean
  }
  /** The run: a promise of its result, and an EventEmitter ('response' after each answer). */
  function autocannon (opts: Options): Promise<Result> & { stop?: () => void, on: (event: 'response', listener: (...args: unknown[]) => void) => void }
  export default autocannon
}
