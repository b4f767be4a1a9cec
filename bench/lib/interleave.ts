/**
 * Interleaved timing for benches: every implementation runs once per round, alternating, for at least 7 rounds,
 * and each figure is the median over rounds, so drift (thermal, GC, other tenants of the VM) hits all of them alike.
 * Progress goes to stderr; the caller prints the JSON line.
 */

/** One contender: a name and a call that does one unit of work. */
export interface Contender {
  readonly name: string
  readonly run: () => void
}

/** Options: how many rounds, and how long one timed run of one contender should take. */
export interface InterleaveOptions {
  /** At least 7 (the bench convention). */
  readonly rounds: number
  /** Target wall time of one contender's run within a round, in milliseconds (calls are repeated to reach it). */
  readonly targetMs: number
  /**
   * Run a full GC before every timed run (needs --expose-gc). Use it for cases whose contenders allocate large
   * results; leave it off for small hot calls, because every forced full GC also ages compiled code and makes V8
   * re-tier small JS functions (measured: noble SHA-256 at 1 KiB fell from ~150 to ~8 MB/s with it on).
   */
  readonly gcBetweenRuns?: boolean
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}

/** `global.gc` when the process runs with --expose-gc (npm run bench:* passes it), else nothing. */
const collectGarbage = (globalThis as { gc?: () => void }).gc

/**
 * Returns the median seconds per call of each contender, keyed by name. With `gcBetweenRuns` and --expose-gc, a
 * full collection runs before every timed run (outside the timing), so one contender's garbage is not collected
 * on another's clock (peers that allocate a fresh 1 MiB result per call otherwise tax the allocation-free ones).
 */
export function interleave(contenders: readonly Contender[], opts: InterleaveOptions): Map<string, number> {
  const rounds = Math.max(7, opts.rounds)
  // Calibrate: one warm-up call each, then enough calls per run to fill targetMs (at least one).
  const iters = new Map<string, number>()
  for (const c of contenders) {
    c.run()
    const t0 = performance.now()
    c.run()
    const one = Math.max(performance.now() - t0, 1e-4)
    iters.set(c.name, Math.max(1, Math.ceil(opts.targetMs / one)))
  }
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]))
  for (let r = 0; r < rounds; r++) {
    for (const c of contenders) {
      const n = iters.get(c.name) ?? 1
      if (opts.gcBetweenRuns) collectGarbage?.()
      const t0 = performance.now()
      for (let i = 0; i < n; i++) c.run()
      samples.get(c.name)?.push((performance.now() - t0) / 1000 / n)
    }
  }
  return new Map([...samples].map(([name, s]) => [name, median(s)]))
}

/** Rounds a figure to 3 significant digits (bench JSON stays readable, ratios keep their precision). */
export function round3(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x))))
  return Number(x.toFixed(digits))
}
