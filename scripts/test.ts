/**
 * `npm test`: every check CI makes, in order, with the time each phase took.
 *
 * Phases: generated/ freshness, typecheck, lint, vitest, and each bench once in `--smoke` mode (its JSON lines are
 * validated: our figure and every peer's figure are real numbers, and every ratio is present and finite).
 * The last line is `tests: N passed, N failed` so CI can read the count.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { validateBenchLines } from '../bench/lib/validate.js'

const root = join(import.meta.dirname, '..')
const bin = (name: string): string => join(root, 'node_modules', '.bin', name)
const timings: Array<[string, number]> = []
let failed = false

function phase(name: string, cmd: string, args: string[], opts: { capture?: boolean } = {}): string {
  const start = performance.now()
  process.stderr.write(`\n== ${name}: ${cmd} ${args.join(' ')}\n`)
  const res = spawnSync(cmd, args, {
    cwd: root,
    stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  const ms = performance.now() - start
  timings.push([name, ms])
  if (res.status !== 0) {
    failed = true
    process.stderr.write(`!! ${name} failed (exit ${res.status ?? res.signal})\n`)
  }
  return res.stdout ?? ''
}

phase('generated/ freshness', bin('tsx'), ['scripts/gen.ts', '--check'])
phase('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'])
phase('lint', bin('biome'), ['lint', '--error-on-warnings', '.'])

const resultsFile = join(root, '.vitest-results.json')
rmSync(resultsFile, { force: true })
phase('vitest', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`])
let passed = 0
let failedTests = 0
if (existsSync(resultsFile)) {
  const r = JSON.parse(readFileSync(resultsFile, 'utf8')) as { numPassedTests: number; numFailedTests: number }
  passed += r.numPassedTests
  failedTests += r.numFailedTests
} else {
  failed = true
}

const benchDir = join(root, 'bench')
const benches = readdirSync(benchDir).filter((f) => f.endsWith('.ts')).sort()
for (const file of benches) {
  const out = phase(`bench ${file} --smoke`, bin('tsx'), [join('bench', file), '--smoke'], { capture: true })
  process.stdout.write(out)
  const problems = validateBenchLines(out)
  if (problems.length > 0) {
    failed = true
    failedTests++
    for (const p of problems) process.stderr.write(`!! bench ${file}: ${p}\n`)
  } else {
    passed++
  }
}

process.stderr.write('\n== timings\n')
for (const [name, ms] of timings) process.stderr.write(`${(ms / 1000).toFixed(1).padStart(8)} s  ${name}\n`)
if (failed && failedTests === 0) failedTests = 1
console.log(`tests: ${passed} passed, ${failedTests} failed`)
process.exit(failed ? 1 : 0)
