/**
 * Runs the loopback cluster in a process of its own (the real CLI, `src/testing/cli.ts`, compiled or under tsx: see
 * compiled.ts),
 * so a bench's clients and the server do not share an event loop. Parses the banner the CLI prints (DC table, public
 * key) and stops the process with SIGTERM. Extra node flags (e.g. `--cpu-prof`) come from the
 * `MTACTOR_BENCH_CLUSTER_NODE_ARGS` environment variable (space-separated).
 * Spec: https://core.telegram.org/mtproto (what the cluster serves).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { childEntry } from './compiled.js'

/** A cluster running in a child process. */
export interface ClusterProcess {
  readonly dcs: ReadonlyArray<{ id: number; host: string; port: number }>
  readonly publicKeyPem: string
  stop(): Promise<void>
}

const root = join(import.meta.dirname, '..', '..')

/** Starts `mtactor-cluster --dcs N` and waits for its `ready` line. */
export function startClusterProcess(dcs = 1): Promise<ClusterProcess> {
  const nodeArgs = (process.env.MTACTOR_BENCH_CLUSTER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')
  const e = childEntry(join(root, 'src', 'testing', 'cli.ts'))
  const child: ChildProcess = spawn(process.execPath, [...e.loader, ...nodeArgs, e.script, '--dcs', String(dcs)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error('cluster process did not become ready in 30 s'))
    }, 30_000)
    child.once('exit', (code) => reject(new Error(`cluster process exited early (${code})`)))
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString()
      if (!out.includes('\nready\n')) return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      const table = [...out.matchAll(/^dc (\d+) \[?([^\]\s]+?)\]?:(\d+)$/gm)].map((m) => ({
        id: Number(m[1]),
        host: m[2] ?? '127.0.0.1',
        port: Number(m[3]),
      }))
      const pem = /-----BEGIN [^-]+-----[\s\S]+?-----END [^-]+-----/.exec(out)?.[0] ?? ''
      resolve({
        dcs: table,
        publicKeyPem: pem,
        stop: () =>
          new Promise<void>((res) => {
            child.once('exit', () => res())
            child.kill('SIGTERM')
          }),
      })
    })
  })
}
