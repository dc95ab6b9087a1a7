/**
 * Preloaded into every process `npm run bench` starts (`--import ./bench/orphan-guard.mjs`, plain
 * JavaScript so that the built gateway runs without tsx):
 * if the bench dies without cleaning up (SIGKILL, crash), its children notice that they were
 * re-parented and exit, so no server is left listening. One unref'd timer per second.
 */
const parent = process.ppid
if (process.env.BENCH_CHILD === '1') {
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0)
  }, 1000).unref()
}
