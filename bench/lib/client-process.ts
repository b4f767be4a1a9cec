/**
 * A bench client in a process of its own: `node --import tsx --expose-gc bench/lib/client-process.ts '<task JSON>'`.
 * It connects one client of the given kind (bench-clients.ts) to the cluster process, runs the cases the task asks
 * for, and prints ONE JSON line ({@link ChildReport}) on stdout. Progress and errors go to stderr; any wrong answer
 * or failure exits non-zero, so a figure never comes from a run whose answers were not all checked.
 *
 * Cases: "auth key + first RPC" (a fresh client per round: key exchange plus the first call, wall ms, after one
 * untimed round), and the
 * pipelined case (N calls of help.getNearestDc with at most W in flight over one connection: RPC/s, p50/p99 latency
 * per call, this process's CPU time per call), after an untimed warm-up run. RSS is read after two forced GCs with
 * the pipelined client still connected. The idle case ("idleConnections": N) connects a client holding N
 * connections (each connected and each having answered a call, counted by the factory) and reads RSS after gc.
 *
 * Each client gets its own process so neither runs with the other's JIT state or garbage, as issue 5 asks.
 * Spec: https://core.telegram.org/mtproto (the protocol both clients speak to the cluster).
 */
import { type BenchTarget, CLIENT_KINDS, type ClientKind, isClientKind } from './bench-clients.js'

/** What the parent asks a child to do (the one command-line argument, as JSON). */
export interface ChildTask {
  readonly kind: ClientKind
  readonly target: BenchTarget
  /** Fresh clients to time for "auth key + first RPC" (0: skip). */
  readonly authRounds: number
  /** Timed pipelined runs on one connection (0: skip). */
  readonly rounds: number
  readonly calls: number
  readonly window: number
  /** Calls of the untimed warm-up run before the timed ones. */
  readonly warmupCalls: number
  /** Connections of the idle RSS case's client (0 or absent: skip); runs before anything else. */
  readonly idleConnections?: number
}

/** One timed pipelined run. */
export interface PipelineRun {
  readonly rps: number
  /** Latency per call, ms. */
  readonly p50: number
  readonly p99: number
  /** This process's CPU time (user + system) per call, microseconds. */
  readonly cpuUs: number
}

/** What a child prints. */
export interface ChildReport {
  readonly kind: ClientKind
  readonly authMs: number[]
  readonly runs: PipelineRun[]
  /** RSS after gc() before any client was created, MiB. */
  readonly rssBaseMiB: number
  /** RSS after gc() with the pipelined client connected (equals the base when no pipelined run was asked), MiB. */
  readonly rssMiB: number
  /** RSS after gc() with the idle case's client holding its connections (the base when no idle case ran), MiB. */
  readonly rssIdleMiB: number
}

const log = (s: string): void => void process.stderr.write(`${s}\n`)
const gc = (globalThis as { gc?: () => void }).gc

function rssAfterGc(): number {
  gc?.()
  gc?.()
  return process.memoryUsage().rss / (1024 * 1024)
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0
}

function parseTask(arg: string | undefined): ChildTask {
  if (arg === undefined) throw new Error('usage: client-process.ts <task JSON>')
  const t = JSON.parse(arg) as ChildTask
  if (!isClientKind(t.kind)) throw new Error(`unknown client kind ${String(t.kind)}`)
  return t
}

async function pipeline(nearestDc: () => Promise<number>, dcId: number, calls: number, window: number): Promise<PipelineRun> {
  const lat = new Array<number>(calls)
  let next = 0
  let done = 0
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const lane = async (): Promise<void> => {
    while (next < calls) {
      next++
      const s = performance.now()
      const got = await nearestDc()
      lat[done++] = performance.now() - s
      if (got !== dcId) throw new Error(`help.getNearestDc answered ${got}, expected ${dcId}`)
    }
  }
  await Promise.all(Array.from({ length: Math.min(window, calls) }, lane))
  const total = performance.now() - t0
  const cpu = process.cpuUsage(c0)
  if (done !== calls) throw new Error(`${done} of ${calls} calls answered`)
  lat.sort((x, y) => x - y)
  return { rps: (calls / total) * 1000, p50: percentile(lat, 50), p99: percentile(lat, 99), cpuUs: (cpu.user + cpu.system) / calls }
}

async function main(): Promise<void> {
  const task = parseTask(process.argv[2])
  const connect = CLIENT_KINDS[task.kind]
  const dcId = task.target.dc.id
  const rssBaseMiB = rssAfterGc()
  let rssIdleMiB = rssBaseMiB
  const idle = task.idleConnections ?? 0
  if (idle > 0) {
    const { client, nearest, connections } = await connect(task.target, idle)
    if (nearest !== dcId) throw new Error(`first help.getNearestDc answered ${nearest}, expected ${dcId}`)
    if (connections !== idle) throw new Error(`${task.kind}: ${connections} of ${idle} connections up`)
    // Let handshake and first-call garbage settle before reading.
    await new Promise((r) => setTimeout(r, 200))
    rssIdleMiB = rssAfterGc()
    log(`${task.kind}: ${idle} connection(s), RSS ${rssIdleMiB.toFixed(1)} MiB (base ${rssBaseMiB.toFixed(1)})`)
    await client.close()
  }
  const authMs: number[] = []
  // One untimed connection first, so lazily loaded modules (our TL codec) and cold JIT do not land in a sample.
  for (let r = task.authRounds > 0 ? -1 : 0; r < task.authRounds; r++) {
    const t0 = performance.now()
    const { client, nearest } = await connect(task.target)
    if (r >= 0) authMs.push(performance.now() - t0)
    await client.close()
    if (nearest !== dcId) throw new Error(`first help.getNearestDc answered ${nearest}, expected ${dcId}`)
  }
  const runs: PipelineRun[] = []
  let rssMiB = rssBaseMiB
  if (task.rounds > 0) {
    const { client, nearest } = await connect(task.target)
    if (nearest !== dcId) throw new Error(`first help.getNearestDc answered ${nearest}, expected ${dcId}`)
    const call = (): Promise<number> => client.nearestDc()
    if (task.warmupCalls > 0) await pipeline(call, dcId, task.warmupCalls, task.window)
    for (let r = 0; r < task.rounds; r++) {
      const run = await pipeline(call, dcId, task.calls, task.window)
      log(`${task.kind}: ${Math.round(run.rps)} RPC/s, p99 ${run.p99.toFixed(2)} ms, ${run.cpuUs.toFixed(2)} us CPU/call`)
      runs.push(run)
    }
    rssMiB = rssAfterGc()
    await client.close()
  }
  const report: ChildReport = { kind: task.kind, authMs, runs, rssBaseMiB, rssMiB, rssIdleMiB }
  process.stdout.write(`${JSON.stringify(report)}\n`)
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    log(`client-process: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
    process.exit(1)
  },
)
