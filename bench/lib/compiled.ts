/**
 * Where bench child processes (clients, the cluster) get their code: by default the project compiled to plain JS in
 * `.bench-build/` (src, generated and bench, no source maps) and run by `node` alone, as an installed package runs,
 * so neither tsx's loader nor its source-map cache lands in a CPU or RSS figure; `MTACTOR_BENCH_SOURCES=1` runs the
 * TypeScript sources through tsx instead (development: no build step).
 *
 * The build runs once per bench process (`tsc -p tsconfig.bench.json`, a few seconds with the native compiler).
 * Spec: none (bench plumbing).
 */
import { spawnSync } from 'node:child_process'
import { join, relative } from 'node:path'

const root = join(import.meta.dirname, '..', '..')
const OUT = join(root, '.bench-build')

/** Whether children run the TypeScript sources through tsx (MTACTOR_BENCH_SOURCES=1) instead of compiled JS. */
export const FROM_SOURCES = process.env.MTACTOR_BENCH_SOURCES === '1'

/** What the children's RSS and CPU figures ran: printed beside them. */
export const MODULES = FROM_SOURCES ? 'sources via tsx' : 'compiled JS'

let built = false

/** Compiles the project into `.bench-build/` (once per process); throws with the compiler's output on failure. */
function build(): void {
  if (built) return
  const tsc = join(root, 'node_modules', '.bin', 'tsc')
  process.stderr.write('bench: compiling to .bench-build/ (tsconfig.bench.json)\n')
  const r = spawnSync(tsc, ['-p', join(root, 'tsconfig.bench.json')], { cwd: root, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`tsc -p tsconfig.bench.json failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`)
  built = true
}

/** How a child runs one project file: node flags for the loader (none when compiled) and the script to start. */
export interface ChildEntry {
  readonly loader: readonly string[]
  readonly script: string
}

/**
 * How to run the project file `tsPath` (a .ts file under the project root): its compiled twin under
 * `.bench-build/` with no loader, or the source under tsx.
 */
export function childEntry(tsPath: string): ChildEntry {
  if (FROM_SOURCES) return { loader: ['--import', 'tsx'], script: tsPath }
  build()
  return { loader: [], script: join(OUT, relative(root, tsPath)).replace(/\.ts$/, '.js') }
}
