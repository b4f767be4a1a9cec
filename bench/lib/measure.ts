/**
 * Shared bench helpers: command-line mode, a best-of-rounds throughput timer, and stderr progress.
 * (The bench convention: stdout carries only JSON lines; see README "Benchmarks".)
 */

/** True when the bench runs with `--smoke` (tiny iteration counts, for `npm test`). */
export const SMOKE = process.argv.includes('--smoke')

/** Progress and notes go to stderr so stdout stays JSON-only. */
export function note(msg: string): void {
  process.stderr.write(`${msg}\n`)
}

/** Keeps results observable so the optimizer cannot drop the measured work. */
export let sink = 0

/**
 * Times each case for `rounds` rounds of about `roundMs` milliseconds, interleaved (a, b, c, a, b, c, ...) so
 * machine noise hits all alike; returns ops/s of the best round per case. Time-based rounds keep slow peers from
 * dominating the run time.
 */
export function bestOpsPerSecond(
  cases: Record<string, (i: number) => unknown>,
  roundMs: number,
  rounds: number,
): Record<string, number> {
  const best: Record<string, number> = {}
  const names = Object.keys(cases)
  for (const name of names) {
    const fn = cases[name] as (i: number) => unknown
    const until = performance.now() + roundMs / 2
    for (let i = 0; performance.now() < until; i++) fn(i) // warm up
  }
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const fn = cases[name] as (i: number) => unknown
      let done = 0
      let batch = 1
      const t0 = performance.now()
      let elapsed = 0
      while (elapsed < roundMs) {
        for (let i = 0; i < batch; i++) {
          const v = fn(done + i)
          if (v === sink) sink++
        }
        done += batch
        if (batch < 1 << 16) batch *= 2
        elapsed = performance.now() - t0
      }
      const ops = (done * 1000) / elapsed
      if (!(best[name] !== undefined && best[name] >= ops)) best[name] = ops
    }
  }
  return best
}

/** Rounds to 3 significant digits for printing. */
export function sig(n: number): number {
  return Number(n.toPrecision(3))
}
