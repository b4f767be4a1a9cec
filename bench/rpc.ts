/**
 * `npm run bench:rpc`: the engine over real loopback sockets against the cluster running in its own process, each
 * client in a child process of its own (bench/lib/client-process.ts), so no client runs with the other's JIT state or
 * garbage and the bench parent stays idle while one measures.
 *
 * Cases (client processes alternate, mtactor then mtcute, same cluster, same request stream):
 * - "auth key + first RPC": a fresh connection creates an auth key and completes its first call
 *   (invokeWithLayer(initConnection(help.getNearestDc)) for us; mtcute sends the same wrapper itself). Median ms.
 * - "pipelined help.getNearestDc": N calls, at most W in flight, over one connection, after an untimed warm-up run:
 *   RPC/s and p50/p99 latency per call, medians over every timed run. Every answer is checked in the child before
 *   its figures count. (users.getUsers, the cluster's exactly-once probe, cannot be used here: the cluster answers in
 *   Layer 228, whose `user` constructor id mtcute's Layer 227 cannot read.)
 * - "client CPU per pipelined call": the client process's CPU time per call during the pipelined runs.
 * - "client RSS after gc": the client process's RSS after forced GCs, its pipelined connection still open.
 * Ratios > 1 mean mtactor is better (their time, latency or memory divided by ours; our throughput divided by theirs).
 */
import type { BenchTarget, ClientKind } from './lib/bench-clients.js'
import { type ChildReport, runAlternating } from './lib/client-runner.js'
import { startClusterProcess } from './lib/cluster-process.js'
import { median } from './lib/timing.js'

const smoke = process.argv.includes('--smoke')
/** Client processes per kind; figures are medians over all of them. */
const PROCESS_ROUNDS = smoke ? 1 : 4
const AUTH_ROUNDS = smoke ? 1 : 3
const CALLS = smoke ? 300 : 50_000
const WINDOW = smoke ? 64 : 512
const RUNS = smoke ? 1 : 3
const WARMUP_CALLS = smoke ? 0 : CALLS

const round = (x: number, digits = 3): number => Number(x.toPrecision(digits))
const KINDS: readonly ClientKind[] = ['mtactor', 'mtcute']

const cluster = await startClusterProcess(1)
try {
  const dc = cluster.dcs[0]
  if (dc === undefined) throw new Error('the cluster printed no DC')
  const target: BenchTarget = { dc, publicKeyPem: cluster.publicKeyPem }
  const reports = await runAlternating(KINDS, PROCESS_ROUNDS, target, { authRounds: AUTH_ROUNDS, rounds: RUNS, calls: CALLS, window: WINDOW, warmupCalls: WARMUP_CALLS })
  const all = (kind: ClientKind): ChildReport[] => reports.get(kind) ?? []
  const auth = (kind: ClientKind): number => median(all(kind).flatMap((x) => x.authMs))
  const run = (kind: ClientKind, k: 'rps' | 'p50' | 'p99' | 'cpuUs'): number => median(all(kind).flatMap((x) => x.runs.map((y) => y[k])))
  const rss = (kind: ClientKind): number => median(all(kind).map((x) => x.rssMiB))

  const [aa, ma] = [auth('mtactor'), auth('mtcute')]
  console.log(JSON.stringify({ case: 'auth key + first RPC', mtactor_ms: round(aa), mtcute_ms: round(ma), ratio_vs_mtcute: round(ma / aa) }))
  const [ar, mr] = [run('mtactor', 'rps'), run('mtcute', 'rps')]
  console.log(
    JSON.stringify({ case: `pipelined help.getNearestDc (${CALLS} calls, ${WINDOW} in flight)`, mtactor_rps: round(ar), mtcute_rps: round(mr), ratio_vs_mtcute: round(ar / mr) }),
  )
  const [ap, mp] = [run('mtactor', 'p50'), run('mtcute', 'p50')]
  console.log(JSON.stringify({ case: 'pipelined help.getNearestDc p50 latency', mtactor_ms: round(ap), mtcute_ms: round(mp), ratio_vs_mtcute: round(mp / ap) }))
  const [a9, m9] = [run('mtactor', 'p99'), run('mtcute', 'p99')]
  console.log(JSON.stringify({ case: 'pipelined help.getNearestDc p99 latency', mtactor_ms: round(a9), mtcute_ms: round(m9), ratio_vs_mtcute: round(m9 / a9) }))
  // With 2 cores the cluster process can cap both clients' RPC/s; the client's own CPU per call shows what each
  // library costs regardless of the server.
  const [ac, mc] = [run('mtactor', 'cpuUs'), run('mtcute', 'cpuUs')]
  console.log(JSON.stringify({ case: 'client CPU per pipelined call', mtactor_us: round(ac), mtcute_us: round(mc), ratio_vs_mtcute: round(mc / ac) }))
  const [am, mm] = [rss('mtactor'), rss('mtcute')]
  console.log(JSON.stringify({ case: 'client RSS after gc (1 connection)', mtactor_mib: round(am), mtcute_mib: round(mm), ratio_vs_mtcute: round(mm / am) }))
} finally {
  await cluster.stop()
}
