/**
 * Parent side of bench/lib/client-process.ts: starts one bench client in a child process
 * (compiled JS under plain `node --expose-gc`, or the sources under tsx: compiled.ts), passes it a task, and returns its report. Extra node flags for the child (e.g.
 * `--cpu-prof`) come from the `MTACTOR_BENCH_CLIENT_NODE_ARGS` environment variable (space-separated), so a
 * profile of either client is one environment variable away.
 * Spec: https://core.telegram.org/mtproto (what the child's client speaks).
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import type { ChildReport, ChildTask } from './client-process.js'
import { childEntry } from './compiled.js'

export type { ChildReport, ChildTask, PipelineRun } from './client-process.js'

const root = join(import.meta.dirname, '..', '..')
const script = join(import.meta.dirname, 'client-process.ts')

/** Node flags from an environment variable (space-separated; empty or unset: none). */
export function nodeArgsFrom(name: string): string[] {
  return (process.env[name] ?? '').split(' ').filter((a) => a !== '')
}

/** Runs one client child to completion; rejects when it exits non-zero or prints no report. */
export function runClientProcess(task: ChildTask): Promise<ChildReport> {
  const e = childEntry(script)
  const args = [...e.loader, '--expose-gc', ...nodeArgsFrom('MTACTOR_BENCH_CLIENT_NODE_ARGS'), e.script, JSON.stringify(task)]
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (c: string) => {
    out += c
  })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      const line = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .at(-1)
      if (code !== 0 || line === undefined) {
        reject(new Error(`${task.kind} client process failed (exit ${code ?? signal})`))
        return
      }
      resolve(JSON.parse(line) as ChildReport)
    })
  })
}

/**
 * Runs `processRounds` child processes per kind, alternating kinds so machine load falls on all of them alike, each
 * with `task` against `target`; returns each kind's reports.
 */
export async function runAlternating(
  kinds: readonly ChildTask['kind'][],
  processRounds: number,
  target: ChildTask['target'],
  task: Omit<ChildTask, 'kind' | 'target'>,
): Promise<Map<ChildTask['kind'], ChildReport[]>> {
  const reports = new Map<ChildTask['kind'], ChildReport[]>(kinds.map((k) => [k, []]))
  for (let r = 0; r < processRounds; r++) {
    for (const kind of kinds) {
      process.stderr.write(`${kind}: client process ${r + 1}/${processRounds}\n`)
      reports.get(kind)?.push(await runClientProcess({ kind, target, ...task }))
    }
  }
  return reports
}
