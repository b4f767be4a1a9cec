/**
 * Timing helpers shared by benches: interleaved rounds (every implementation runs once per round, in turn, so
 * drift and thermal effects hit all alike), medians, and the JSON-line printer (stdout is JSON lines only).
 */

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}

/** One contestant: a name and a function that performs `iterations` operations (may be async). */
export interface Contestant {
  readonly name: string
  readonly run: (iterations: number) => void | Promise<void>
}

/**
 * Runs `rounds` interleaved rounds of every contestant and returns each one's median time per operation in
 * microseconds, keyed by name.
 */
export async function interleaved(
  contestants: readonly Contestant[],
  rounds: number,
  iterations: (name: string) => number,
): Promise<Record<string, number>> {
  const samples = new Map<string, number[]>(contestants.map((c) => [c.name, []]))
  for (let r = 0; r < rounds; r++) {
    for (const c of contestants) {
      const n = iterations(c.name)
      const t0 = performance.now()
      await c.run(n)
      const us = ((performance.now() - t0) * 1000) / n
      samples.get(c.name)?.push(us)
    }
  }
  const out: Record<string, number> = {}
  for (const [name, xs] of samples) out[name] = median(xs)
  return out
}

/** Rounds a figure for printing (3 significant digits, at most 4 decimals). */
export function fig(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x
  const digits = Math.max(0, Math.min(4, 2 - Math.floor(Math.log10(Math.abs(x)))))
  return Number(x.toFixed(digits))
}

/** Prints one JSON line to stdout. */
export function emit(line: Record<string, string | number>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`)
}

/** Progress to stderr. */
export function progress(msg: string): void {
  process.stderr.write(`${msg}\n`)
}
