/**
 * Checks the JSON lines a bench prints (the convention in README.md, "Benchmarks"):
 * one object per line with a `case` name, our figure under an `mtactor_*` key, each peer's figure under `<peer>_*`,
 * and `ratio_vs_<peer>` for every peer, all finite positive numbers. `npm test` runs this on each `--smoke` run.
 */

/** Returns a list of problems with a bench's stdout; empty means the output is valid. */
export function validateBenchLines(stdout: string): string[] {
  const problems: string[] = []
  const lines = stdout.split('\n').filter((l) => l.trim() !== '')
  if (lines.length === 0) return ['printed no JSON lines']
  for (const line of lines) {
    let obj: unknown
    try {
      obj = JSON.parse(line)
    } catch {
      problems.push(`not JSON: ${line.slice(0, 120)}`)
      continue
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      problems.push(`not an object: ${line.slice(0, 120)}`)
      continue
    }
    const rec = obj as Record<string, unknown>
    const name = rec.case
    if (typeof name !== 'string' || name === '') {
      problems.push(`missing "case": ${line.slice(0, 120)}`)
      continue
    }
    const numeric = Object.entries(rec).filter(([k]) => k !== 'case')
    const ours = numeric.filter(([k, v]) => k.startsWith('mtactor_') && typeof v === 'number')
    if (ours.length === 0) problems.push(`${name}: no mtactor_* figure`)
    const ratios = numeric.filter(([k]) => k.startsWith('ratio_vs_'))
    if (ratios.length === 0) problems.push(`${name}: no ratio_vs_* field`)
    for (const [k, v] of ratios) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) problems.push(`${name}: ${k} is not a positive number`)
      const peer = k.slice('ratio_vs_'.length)
      if (!numeric.some(([pk, pv]) => pk.startsWith(`${peer}_`) && typeof pv === 'number' && Number.isFinite(pv) && pv > 0)) {
        problems.push(`${name}: ratio_vs_${peer} without a positive ${peer}_* figure`)
      }
    }
    for (const [k, v] of numeric) {
      if (typeof v === 'number' && !Number.isFinite(v)) problems.push(`${name}: ${k} is not finite`)
      if ((k.startsWith('mtactor_') || k.startsWith('ratio_vs_')) && typeof v === 'number' && v <= 0) {
        problems.push(`${name}: ${k} is not positive`)
      }
    }
  }
  return problems
}
