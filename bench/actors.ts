/**
 * `npm run bench:actors`: the actor runtime (issue 5) against the in-process driver (issue 4) and mtcute, over real
 * loopback sockets. The cluster runs in its own process; each client runs in its own child process
 * (`bench/lib/client-process.ts`), RSS read after `gc()`.
 *
 * Cases: pipelined help.getNearestDc RPC/s, p50/p99 latency, client CPU per call (every thread of the client
 * process), and client RSS with one connection (medians over 5 processes per kind, 3 timed runs each), for `MtClient` with a worker-thread DC actor ("mtactor"), the
 * in-process `Connection` driver ("inprocess") and mtcute 0.30.3. Then idle client RSS with 1, 4 and 8 connections
 * to the DC (each connected and each having answered a call): `MtClient` with 1, 4, 8 worker-thread actors (main
 * plus pooled download ones), as many in-process `Connection` drivers, and mtcute's client with as many connections
 * (main plus its download pool). Then the crypto pool's 1 MiB IGE throughput with 1..N threads (shared with
 * `bench:pool`). Every answer is checked before a figure counts. Ratios > 1 mean the actor runtime is better.
 * The cluster and the children run the project compiled to plain JS (bench/lib/compiled.ts), so the workers run
 * built JS without tsx, as an installed package does; `MTACTOR_BENCH_SOURCES=1` runs the sources under tsx.
 *
 * Spec: https://core.telegram.org/mtproto/description (the session every client runs).
 */
import { availableParallelism } from 'node:os'
import type { BenchTarget, ClientKind } from './lib/bench-clients.js'
import { type ChildReport, runAlternating } from './lib/client-runner.js'
import { startClusterProcess } from './lib/cluster-process.js'
import { MODULES } from './lib/compiled.js'
import { poolThroughput } from './lib/pool-throughput.js'
import { median } from './lib/timing.js'

const smoke = process.argv.includes('--smoke')
/**
 * Client processes per kind for the pipelined case. A process keeps the speed it starts with (on 2 shared cores the
 * same client ran at ~110k or ~180k RPC/s from one process to the next, and the in-process driver likewise), so the
 * median over 3 processes was a coin flip between modes; 5 give a steadier figure.
 */
const PROCESS_ROUNDS = smoke ? 1 : 5
/** Client processes per kind for each idle RSS case (RSS hardly varies between processes). */
const IDLE_PROCESS_ROUNDS = smoke ? 1 : 3
const CALLS = smoke ? 300 : 30_000
const WINDOW = smoke ? 64 : 512
const RUNS = smoke ? 1 : 3
const WARMUP_CALLS = smoke ? 0 : CALLS
/** Connections of the idle RSS cases. */
const IDLE_COUNTS = smoke ? [4] : [1, 4, 8]

const round = (x: number, digits = 3): number => Number(x.toPrecision(digits))
const KINDS: readonly ClientKind[] = ['mtactor-actor', 'mtactor', 'mtcute']
const cores = availableParallelism()

const cluster = await startClusterProcess(1)
try {
  const dc = cluster.dcs[0]
  if (dc === undefined) throw new Error('the cluster printed no DC')
  const target: BenchTarget = { dc, publicKeyPem: cluster.publicKeyPem }
  const reports = await runAlternating(KINDS, PROCESS_ROUNDS, target, { authRounds: 0, rounds: RUNS, calls: CALLS, window: WINDOW, warmupCalls: WARMUP_CALLS })
  const all = (kind: ClientKind): ChildReport[] => reports.get(kind) ?? []
  const run = (kind: ClientKind, k: 'rps' | 'p50' | 'p99' | 'cpuUs'): number => median(all(kind).flatMap((x) => x.runs.map((y) => y[k])))
  const rss = (kind: ClientKind): number => median(all(kind).map((x) => x.rssMiB))
  /** Prints one case; `higherIsBetter` picks the ratio's direction. */
  const line = (name: string, unit: string, get: (k: ClientKind) => number, higherIsBetter: boolean, extra: Record<string, number | string> = {}): void => {
    const [a, i, m] = [get('mtactor-actor'), get('mtactor'), get('mtcute')]
    const ratio = (x: number): number => round(higherIsBetter ? a / x : x / a)
    console.log(
      JSON.stringify({
        case: name,
        [`mtactor_${unit}`]: round(a),
        [`inprocess_${unit}`]: round(i),
        [`mtcute_${unit}`]: round(m),
        ratio_vs_inprocess: ratio(i),
        ratio_vs_mtcute: ratio(m),
        cores,
        ...extra,
      }),
    )
  }
  const what = `pipelined help.getNearestDc (${CALLS} calls, ${WINDOW} in flight)`
  line(`${what}: actor runtime`, 'rps', (k) => run(k, 'rps'), true)
  line(`${what} p50 latency: actor runtime`, 'ms', (k) => run(k, 'p50'), false)
  line(`${what} p99 latency: actor runtime`, 'ms', (k) => run(k, 'p99'), false)
  line(`${what} client CPU per call (all threads): actor runtime`, 'us', (k) => run(k, 'cpuUs'), false)
  line('client RSS after gc (1 connection): actor runtime', 'mib', rss, false)
  for (const n of IDLE_COUNTS) {
    const idle = await runAlternating(KINDS, IDLE_PROCESS_ROUNDS, target, { authRounds: 0, rounds: 0, calls: 0, window: 1, warmupCalls: 0, idleConnections: n })
    const idleRss = (kind: ClientKind): number => median((idle.get(kind) ?? []).map((x) => x.rssIdleMiB))
    const what = `idle client RSS after gc, ${n} connection${n === 1 ? '' : 's'} (mtactor: ${n} DC actor${n === 1 ? '' : 's'})`
    line(`${what}: actor runtime`, 'mib', idleRss, false, { connections: n, mtactor_modules: MODULES })
  }
} finally {
  await cluster.stop()
}
await poolThroughput({ rounds: smoke ? 3 : 9, jobsPerRun: smoke ? 4 : 48, label: 'ige encrypt 1MiB throughput through the crypto pool' })
