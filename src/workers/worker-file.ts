/**
 * Where a worker's entry module is, and how to start it: the compiled `.js` beside this file when the package is
 * built, or the `.ts` source run through tsx's loader in development and tests (so workers really run in worker
 * threads under test, with the same code).
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** A worker entry point and the extra node flags it needs. */
export interface WorkerFile {
  readonly filename: string
  readonly execArgv: string[]
}

/** Resolves `name` (without extension) relative to this directory. */
export function workerFile(name: string): WorkerFile {
  const js = fileURLToPath(new URL(`./${name}.js`, import.meta.url))
  if (existsSync(js)) return { filename: js, execArgv: [] }
  const ts = fileURLToPath(new URL(`./${name}.ts`, import.meta.url))
  return { filename: ts, execArgv: ['--import', 'tsx'] }
}

/** What to pass to `new Worker(script, { eval })`. */
export interface WorkerEntry {
  readonly script: string
  readonly eval: boolean
}

/**
 * How to start worker `name` with `new Worker`: the compiled `.js` directly; for the `.ts` source, a small eval'd
 * bootstrap that registers tsx's ESM loader inside the new thread and then imports the entry module (Node 20 does not
 * apply an inherited `--import tsx` to a worker's own entry module, only to modules imported later).
 */
export function workerEntry(name: string): WorkerEntry {
  const js = fileURLToPath(new URL(`./${name}.js`, import.meta.url))
  if (existsSync(js)) return { script: js, eval: false }
  const ts = new URL(`./${name}.ts`, import.meta.url).href
  const code = `import(${JSON.stringify(tsxEsmApiUrl())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(ts)}) })`
  return { script: code, eval: true }
}

/** File URL of tsx's ESM register API (development only: the package's `exports["./esm/api"].import`). */
export function tsxEsmApiUrl(): string {
  const require = createRequire(import.meta.url)
  const pkgPath = require.resolve('tsx/package.json')
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports?: Record<string, { import?: { default?: string } | string }> }
  const entry = pkg.exports?.['./esm/api']?.import
  const rel = typeof entry === 'string' ? entry : (entry?.default ?? './dist/esm/api/index.mjs')
  return pathToFileURL(join(dirname(pkgPath), rel)).href
}
