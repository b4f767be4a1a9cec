/**
 * Where a worker's entry module is, and how to start it: the compiled `.js` beside this file when the package is
 * built, or the `.ts` source run through tsx's loader in development and tests (so workers really run in worker
 * threads under test, with the same code).
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

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
