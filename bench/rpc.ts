/**
 * `npm run bench:rpc`: the engine over real loopback sockets against the cluster running in its own process.
 *
 * Cases (each client alternates with the other, same cluster, same request stream):
 * - "auth key + first RPC": a fresh connection creates an auth key and completes its first call
 *   (invokeWithLayer(initConnection(help.getNearestDc)) for us; mtcute sends the same wrapper itself). Median ms.
 * - "pipelined help.getNearestDc": N calls, at most W in flight, over one connection: RPC/s and p50/p99 latency per
 *   call. Every answer is checked before figures are kept. (users.getUsers, the cluster's exactly-once probe, cannot
 *   be used here: the cluster answers in Layer 228, whose `user` constructor id mtcute's Layer 227 cannot read.)
 * - "client CPU per pipelined call": this process's CPU time per call during the pipelined case.
 * Ratios > 1 mean mtactor is better (their time or latency divided by ours; our throughput divided by theirs).
 */
import { Connection } from '../src/actors/connection.js'
import { withInitConnection } from '../src/client/init-connection.js'
import { createNodeCryptoProvider } from '../src/protocol/crypto/node-provider.js'
import { rsaPublicKeyFromPem } from '../src/protocol/crypto/rsa.js'
import type { Api } from '../src/tl/index.js'
import { startClusterProcess } from './lib/cluster-process.js'
import { createMtcuteClient } from './lib/mtcute-client.js'
import { median } from './lib/timing.js'

const smoke = process.argv.includes('--smoke')
const AUTH_ROUNDS = smoke ? 1 : 9
const CALLS = smoke ? 300 : 20_000
const WINDOW = smoke ? 64 : 512
const THROUGHPUT_ROUNDS = smoke ? 1 : 3

const log = (s: string): void => void process.stderr.write(`${s}\n`)
const round = (x: number, digits = 3): number => Number(x.toPrecision(digits))

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0
}

const initWrap = <X extends Api.help.getNearestDc>(query: X) => withInitConnection(query, { apiId: 1, deviceModel: 'bench' })

/** A client as the bench drives it. */
interface BenchClient {
  nearestDc(): Promise<number>
  close(): Promise<void>
}

const crypto = createNodeCryptoProvider()
const cluster = await startClusterProcess(1)
const firstDc = cluster.dcs[0]
if (firstDc === undefined) throw new Error('the cluster printed no DC')
const dc = firstDc
const rsaKey = rsaPublicKeyFromPem(crypto, cluster.publicKeyPem)

async function ours(): Promise<{ client: BenchClient; nearest: number }> {
  const conn = await Connection.connect({ host: dc.host, port: dc.port, dcId: dc.id, rsaKeys: [rsaKey], crypto })
  const nearest = await conn.call(initWrap({ _: 'help.getNearestDc' }))
  return {
    nearest: nearest.thisDc,
    client: {
      nearestDc: async () => (await conn.call({ _: 'help.getNearestDc' })).thisDc,
      close: () => conn.close(),
    },
  }
}

async function mtcute(): Promise<{ client: BenchClient; nearest: number }> {
  const c = await createMtcuteClient(dc, cluster.publicKeyPem)
  const nearest = await c.call({ _: 'help.getNearestDc' })
  return {
    nearest: nearest.thisDc,
    client: {
      nearestDc: async () => (await c.call({ _: 'help.getNearestDc' })).thisDc,
      close: () => c.destroy(),
    },
  }
}

const contestants = { mtactor: ours, mtcute } as const
type Name = keyof typeof contestants

async function authCase(): Promise<void> {
  const ms: Record<Name, number[]> = { mtactor: [], mtcute: [] }
  for (let r = 0; r < AUTH_ROUNDS; r++) {
    for (const name of Object.keys(contestants) as Name[]) {
      const t0 = performance.now()
      const { client, nearest } = await contestants[name]()
      ms[name].push(performance.now() - t0)
      if (nearest !== dc.id) throw new Error(`${name}: help.getNearestDc answered ${nearest}, expected ${dc.id}`)
      await client.close()
    }
  }
  const a = median(ms.mtactor)
  const b = median(ms.mtcute)
  console.log(JSON.stringify({ case: 'auth key + first RPC', mtactor_ms: round(a), mtcute_ms: round(b), ratio_vs_mtcute: round(b / a) }))
}

interface PipelineRun {
  rps: number
  p50: number
  p99: number
  /** This process's CPU time per call (user + system), in microseconds. */
  cpu: number
}

async function pipeline(client: BenchClient): Promise<PipelineRun> {
  const lat: number[] = []
  let next = 0
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const worker = async (): Promise<void> => {
    while (next < CALLS) {
      next++
      const s = performance.now()
      const got = await client.nearestDc()
      lat.push(performance.now() - s)
      if (got !== dc.id) throw new Error(`help.getNearestDc answered ${got}, expected ${dc.id}`)
    }
  }
  await Promise.all(Array.from({ length: WINDOW }, worker))
  const total = performance.now() - t0
  const cpu = process.cpuUsage(c0)
  lat.sort((x, y) => x - y)
  return { rps: (CALLS / total) * 1000, p50: percentile(lat, 50), p99: percentile(lat, 99), cpu: (cpu.user + cpu.system) / CALLS }
}

async function throughputCase(): Promise<void> {
  const clients = { mtactor: (await ours()).client, mtcute: (await mtcute()).client }
  const runs: Record<Name, PipelineRun[]> = { mtactor: [], mtcute: [] }
  for (let r = 0; r < THROUGHPUT_ROUNDS; r++) {
    for (const name of Object.keys(clients) as Name[]) {
      log(`pipelined help.getNearestDc: ${name} round ${r + 1}`)
      runs[name].push(await pipeline(clients[name]))
    }
  }
  for (const c of Object.values(clients)) await c.close()
  const pick = (name: Name, k: keyof PipelineRun): number => median(runs[name].map((x) => x[k]))
  const [ar, mr] = [pick('mtactor', 'rps'), pick('mtcute', 'rps')]
  console.log(
    JSON.stringify({
      case: `pipelined help.getNearestDc (${CALLS} calls, ${WINDOW} in flight)`,
      mtactor_rps: round(ar),
      mtcute_rps: round(mr),
      ratio_vs_mtcute: round(ar / mr),
    }),
  )
  const [ap, mp] = [pick('mtactor', 'p50'), pick('mtcute', 'p50')]
  console.log(JSON.stringify({ case: 'pipelined help.getNearestDc p50 latency', mtactor_ms: round(ap), mtcute_ms: round(mp), ratio_vs_mtcute: round(mp / ap) }))
  const [a9, m9] = [pick('mtactor', 'p99'), pick('mtcute', 'p99')]
  console.log(JSON.stringify({ case: 'pipelined help.getNearestDc p99 latency', mtactor_ms: round(a9), mtcute_ms: round(m9), ratio_vs_mtcute: round(m9 / a9) }))
  // With 2 cores the cluster process can be the bottleneck for both clients, capping the RPC/s ratio; the client's
  // own CPU per call shows what each library costs regardless of the server.
  const [ac, mc] = [pick('mtactor', 'cpu'), pick('mtcute', 'cpu')]
  console.log(JSON.stringify({ case: 'client CPU per pipelined call', mtactor_us: round(ac), mtcute_us: round(mc), ratio_vs_mtcute: round(mc / ac) }))
}

try {
  await authCase()
  await throughputCase()
} finally {
  await cluster.stop()
}
