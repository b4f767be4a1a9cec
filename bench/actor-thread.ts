/**
 * `npm run bench:actor-thread`: the cost of the worker actor's thread hop and of an idle actor.
 * - ping-pong: one echo at a time through the data plane (main batcher -> worker -> worker batcher -> main), vs the
 *   same echo as a comlink call (the per-call RPC style the data plane avoids);
 * - pipelined: 1,000 echoes in flight, cost per message (batched per event-loop turn) vs 1,000 comlink calls;
 * - pipelined RPC: help.getNearestDc, many in flight, through the worker actor vs the same Connection driven on the
 *   calling thread (cluster in its own process);
 * - the worker's V8 limits (ActorConfig.workerLimits): the same pipelined RPC through actors whose young generation
 *   is capped at 1, 2 and 4 MiB vs one on Node's defaults, interleaved, and idle RSS of such actors;
 * - idle RSS: N connected DC actors (after gc, in a fresh child process per figure) vs N bare worker threads and N
 *   workers that load the full API codec (what an actor would cost if it loaded it).
 *
 * Spec: https://core.telegram.org/mtproto (each DC connection is an actor; this measures the actor runtime itself).
 * Prints JSON lines only; `--smoke` runs tiny counts.
 */
import { spawnSync } from 'node:child_process'
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'
import { wrap } from 'comlink'
import type { WorkerLimits } from '../src/actors/actor-types.js'
import { DEFAULT_WORKER_LIMITS, WorkerActor } from '../src/actors/worker-actor.js'
import { Connection } from '../src/actors/connection.js'
import { withInitConnection } from '../src/client/init-connection.js'
import { createNodeCryptoProvider } from '../src/protocol/crypto/node-provider.js'
import { rsaPublicKeyFromPem } from '../src/protocol/crypto/rsa.js'
import { type Api, readResult, serializeObject } from '../src/tl/index.js'
import { tsxEsmApiUrl } from '../src/workers/worker-file.js'
import { startClusterProcess } from './lib/cluster-process.js'
import { SMOKE, note } from './lib/measure.js'
import { median } from './lib/timing.js'

const MIB = 1024 * 1024
/** Compiled (node on built JS, as a user runs the package) or sources through tsx (development). */
const JS_MODE = import.meta.url.endsWith('.js')
const noop = { onUpdate: () => undefined, onEvent: () => undefined }

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc
  if (g !== undefined) {
    g()
    g()
  }
}

/** An eval'd worker that imports `modules` (tsx registered first for .ts) and stays alive until its port closes. */
function moduleWorker(modules: readonly string[], expose: string): { worker: Worker; port: MessagePort; ready: Promise<void> } {
  const ch = new MessageChannel()
  const imports = modules.map((m) => `await import(${JSON.stringify(m)});`).join(' ')
  const code = `
    const { workerData } = require('node:worker_threads');
    (async () => {
      ${JS_MODE ? '' : `const tsx = await import(${JSON.stringify(tsxEsmApiUrl())}); tsx.register();`}
      ${imports}
      ${expose}
      workerData.port.postMessage('ready');
    })();`
  const worker = new Worker(code, { eval: true, workerData: { port: ch.port2 }, transferList: [ch.port2] })
  const ready = new Promise<void>((resolve, reject) => {
    ch.port1.once('message', () => resolve())
    worker.once('error', reject)
  })
  return { worker, port: ch.port1, ready }
}

const srcUrl = (p: string): string => new URL(`../src/${p}.${JS_MODE ? 'js' : 'ts'}`, import.meta.url).href

/** Young-generation caps (MiB) weighed against Node's defaults; the chosen default is DEFAULT_WORKER_LIMITS. */
const YOUNG_CAPS = [1, 2, 4]
const limitsOf = (youngMb: number | undefined): WorkerLimits => (youngMb === undefined ? {} : { maxYoungGenerationSizeMb: youngMb })

async function rssChild(kind: string, n: number, youngMb?: number): Promise<void> {
  const { startCluster } = await import('../src/testing/index.js')
  const { Connection } = await import('../src/actors/connection.js')
  const cluster = await startCluster({ dcs: 1 })
  const dc = cluster.dc(1)
  const c = await Connection.connect({ host: dc.host, port: dc.port, dcId: 1, rsaKeys: [cluster.publicKey] })
  const authKey = c.authKey
  await c.close()
  await new Promise((r) => setTimeout(r, 200))
  gc()
  const rss0 = process.memoryUsage().rss
  const stop: Array<() => Promise<unknown>> = []
  let codecLoaded = false
  if (kind === 'actor') {
    for (let i = 0; i < n; i++) {
      let connected: () => void = () => undefined
      const up = new Promise<void>((resolve) => {
        connected = resolve
      })
      const a = await WorkerActor.create(
        { endpoint: { dcId: 1, host: dc.host, port: dc.port }, ...(authKey !== undefined ? { authKey } : {}), workerLimits: limitsOf(youngMb) },
        { onUpdate: () => undefined, onEvent: (e) => e.type === 'connected' && connected() },
      )
      await up
      codecLoaded ||= (await a.workerStatus()).apiCodecLoaded
      stop.push(() => a.close())
    }
  } else {
    const modules = kind === 'full-codec' ? [srcUrl('tl/index')] : []
    for (let i = 0; i < n; i++) {
      const w = moduleWorker(modules, `workerData.port.on('message', () => undefined);`)
      await w.ready
      stop.push(async () => {
        w.port.close()
        await w.worker.terminate()
      })
    }
  }
  await new Promise((r) => setTimeout(r, 300))
  gc()
  const rss1 = process.memoryUsage().rss
  process.stdout.write(`${JSON.stringify({ perWorkerMib: (rss1 - rss0) / MIB / n, codecLoaded })}\n`)
  for (const s of stop) await s()
  await cluster.close()
}

function measureRss(kind: string, n: number, youngMb?: number): { perWorkerMib: number; codecLoaded: boolean } {
  const self = fileURLToPath(import.meta.url)
  const args = [...process.execArgv, '--expose-gc', self, '--rss-child', kind, String(n), ...(youngMb !== undefined ? [String(youngMb)] : [])]
  const res = spawnSync(process.execPath, args, { encoding: 'utf8' })
  if (res.status !== 0) throw new Error(`rss child ${kind} x${n} failed: ${res.stderr}`)
  const line = res.stdout.trim().split('\n').at(-1) ?? ''
  return JSON.parse(line) as { perWorkerMib: number; codecLoaded: boolean }
}

async function echoBench(): Promise<void> {
  const actor = await WorkerActor.create({ endpoint: { dcId: 1, host: '127.0.0.1', port: 9 } }, noop)
  const peer = moduleWorker(
    ['comlink'],
    `const { expose, transfer } = await import('comlink');
     expose({ echo: (b) => transfer(b, [b.buffer]) }, workerData.port);`,
  )
  await peer.ready
  const remote = wrap<{ echo(b: Uint8Array): Uint8Array }>(peer.port as unknown as Parameters<typeof wrap>[0])
  const payload = (i: number): Uint8Array => new Uint8Array([i & 255, (i >> 8) & 255, 7, 9])
  // Same output from both before timing.
  const a = await actor.echo(payload(258))
  const b = await remote.echo(payload(258))
  if (a.join() !== b.join() || a.join() !== payload(258).join()) throw new Error('echo outputs differ')

  const pingN = SMOKE ? 50 : 3000
  const pipeN = 1000
  const pipeRounds = SMOKE ? 2 : 30
  const time = async (fn: () => Promise<void>): Promise<number> => {
    const t0 = performance.now()
    await fn()
    return performance.now() - t0
  }
  const ping = async (f: (b: Uint8Array) => Promise<Uint8Array>): Promise<number> =>
    time(async () => {
      for (let i = 0; i < pingN; i++) await f(payload(i))
    })
  const pipe = async (f: (b: Uint8Array) => Promise<Uint8Array>): Promise<number> =>
    time(async () => {
      for (let r = 0; r < pipeRounds; r++) await Promise.all(Array.from({ length: pipeN }, (_, i) => f(payload(i))))
    })
  const ours = (b: Uint8Array): Promise<Uint8Array> => actor.echo(b)
  const theirs = (b: Uint8Array): Promise<Uint8Array> => remote.echo(b)
  // Warm up, then best of 3 interleaved.
  await ping(ours)
  await ping(theirs)
  let pingOurs = Number.POSITIVE_INFINITY
  let pingTheirs = Number.POSITIVE_INFINITY
  let pipeOurs = Number.POSITIVE_INFINITY
  let pipeTheirs = Number.POSITIVE_INFINITY
  for (let r = 0; r < 3; r++) {
    pingOurs = Math.min(pingOurs, await ping(ours))
    pingTheirs = Math.min(pingTheirs, await ping(theirs))
    pipeOurs = Math.min(pipeOurs, await pipe(ours))
    pipeTheirs = Math.min(pipeTheirs, await pipe(theirs))
  }
  const pingUs = (pingOurs * 1000) / pingN
  const pingPeerUs = (pingTheirs * 1000) / pingN
  const pipeUs = (pipeOurs * 1000) / (pipeN * pipeRounds)
  const pipePeerUs = (pipeTheirs * 1000) / (pipeN * pipeRounds)
  const r2 = (x: number): number => Math.round(x * 100) / 100
  console.log(JSON.stringify({ case: 'actor thread hop: ping-pong, 1 in flight', mtactor_us: r2(pingUs), comlink_us: r2(pingPeerUs), ratio_vs_comlink: r2(pingPeerUs / pingUs) }))
  console.log(JSON.stringify({ case: 'actor thread hop: pipelined, 1000 in flight', mtactor_us_per_msg: r2(pipeUs), comlink_us_per_msg: r2(pipePeerUs), ratio_vs_comlink: r2(pipePeerUs / pipeUs) }))
  const st = actor.stats
  note(`data plane: ${st.recordsOut} records, ${st.doorbellsOut} doorbells`)
  peer.port.close()
  await peer.worker.terminate()
  await actor.close()
}

function rssBench(): void {
  const counts = SMOKE ? [1] : [1, 8]
  for (const n of counts) {
    note(`rss: ${n} worker(s) of each kind`)
    const ours = measureRss('actor', n)
    const bare = measureRss('bare', n)
    const full = measureRss('full-codec', n)
    if (ours.codecLoaded) throw new Error('an idle DC actor loaded the full API codec')
    const r2 = (x: number): number => Math.round(x * 100) / 100
    // Figures are positive by construction only on a quiet machine: clamp at a tenth of a MiB so a ratio stays defined.
    const pos = (x: number): number => Math.max(0.1, x)
    console.log(
      JSON.stringify({
        case: `idle DC actor RSS, ${n} connected actor(s), per actor${JS_MODE ? '' : ' (sources via tsx)'}`,
        mtactor_mib: r2(pos(ours.perWorkerMib)),
        bare_worker_mib: r2(pos(bare.perWorkerMib)),
        full_codec_worker_mib: r2(pos(full.perWorkerMib)),
        ratio_vs_bare_worker: r2(pos(bare.perWorkerMib) / pos(ours.perWorkerMib)),
        ratio_vs_full_codec_worker: r2(pos(full.perWorkerMib) / pos(ours.perWorkerMib)),
      }),
    )
  }
  // The young-generation caps at 4 actors (one figure per cap, each in a fresh child), against Node's defaults.
  const n = 4
  const node = median([0, 1, 2].map(() => measureRss('actor', n, undefined).perWorkerMib))
  for (const cap of YOUNG_CAPS) {
    const capped = median([0, 1, 2].map(() => measureRss('actor', n, cap).perWorkerMib))
    const r2 = (x: number): number => Math.round(x * 100) / 100
    console.log(
      JSON.stringify({
        case: `idle DC actor RSS, ${n} connected actors, per actor, young generation capped at ${cap} MiB vs Node's defaults${JS_MODE ? '' : ' (sources via tsx)'}`,
        mtactor_mib: r2(Math.max(0.1, capped)),
        node_defaults_mib: r2(Math.max(0.1, node)),
        ratio_vs_node_defaults: r2(Math.max(0.1, node) / Math.max(0.1, capped)),
      }),
    )
  }
}

async function rpcBench(): Promise<void> {
  const calls = SMOKE ? 300 : 20_000
  const window = 500
  const rounds = SMOKE ? 1 : 3
  const cluster = await startClusterProcess(1)
  try {
    const dc = cluster.dcs[0]
    if (dc === undefined) throw new Error('the cluster printed no DC')
    const rsaKeys = [rsaPublicKeyFromPem(createNodeCryptoProvider(), cluster.publicKeyPem)]
    const init = withInitConnection({ _: 'help.getNearestDc' } as Api.help.getNearestDc, { apiId: 1, deviceModel: 'bench' })
    const req: Api.help.getNearestDc = { _: 'help.getNearestDc' }
    const conn = await Connection.connect({ host: dc.host, port: dc.port, dcId: dc.id, rsaKeys })
    await conn.call(init)
    const authKey = conn.authKey
    if (authKey === undefined) throw new Error('no auth key')
    let nextId = 1
    /** A connected worker actor with `limits`, past its first (initConnection-wrapped) call, as a call function. */
    const actorCall = async (limits: WorkerLimits): Promise<{ actor: WorkerActor; call: () => Promise<number> }> => {
      let up: () => void = () => undefined
      const connected = new Promise<void>((resolve) => {
        up = resolve
      })
      const a = await WorkerActor.create({ endpoint: { dcId: dc.id, host: dc.host, port: dc.port }, authKey, workerLimits: limits }, { onUpdate: () => undefined, onEvent: (e) => e.type === 'connected' && up() })
      await connected
      readResult(await a.invoke(nextId++, serializeObject(init, { ownBuffer: true }), init._), init)
      return { actor: a, call: async () => readResult(await a.invoke(nextId++, serializeObject(req, { ownBuffer: true }), req._), req).thisDc }
    }
    const { actor, call: viaActor } = await actorCall(DEFAULT_WORKER_LIMITS)
    const inProcess = async (): Promise<number> => (await conn.call(req)).thisDc
    if ((await viaActor()) !== dc.id || (await inProcess()) !== dc.id) throw new Error('help.getNearestDc answered another DC')
    const run = async (f: () => Promise<number>): Promise<{ rps: number; cpuUs: number }> => {
      let next = 0
      const c0 = process.cpuUsage()
      const t0 = performance.now()
      const lane = async (): Promise<void> => {
        while (next < calls) {
          next++
          if ((await f()) !== dc.id) throw new Error('wrong DC in an answer')
        }
      }
      await Promise.all(Array.from({ length: window }, lane))
      const ms = performance.now() - t0
      // CPU of the whole process: for the actor both threads (main and worker), for the driver the one thread.
      const cpu = process.cpuUsage(c0)
      return { rps: (calls / ms) * 1000, cpuUs: (cpu.user + cpu.system) / calls }
    }
    let ours = { rps: 0, cpuUs: Number.POSITIVE_INFINITY }
    let theirs = { rps: 0, cpuUs: Number.POSITIVE_INFINITY }
    for (let r = 0; r < rounds; r++) {
      const a = await run(viaActor)
      const b = await run(inProcess)
      ours = { rps: Math.max(ours.rps, a.rps), cpuUs: Math.min(ours.cpuUs, a.cpuUs) }
      theirs = { rps: Math.max(theirs.rps, b.rps), cpuUs: Math.min(theirs.cpuUs, b.cpuUs) }
    }
    const r2 = (x: number): number => Math.round(x * 100) / 100
    const label = `pipelined help.getNearestDc (${calls} calls, ${window} in flight): worker actor vs in-process driver`
    console.log(JSON.stringify({ case: label, mtactor_rps: Math.round(ours.rps), inprocess_rps: Math.round(theirs.rps), ratio_vs_inprocess: r2(ours.rps / theirs.rps) }))
    console.log(JSON.stringify({ case: `${label}, CPU per call (all threads)`, mtactor_us: r2(ours.cpuUs), inprocess_us: r2(theirs.cpuUs), ratio_vs_inprocess: r2(theirs.cpuUs / ours.cpuUs) }))
    await actor.close()
    // The young-generation caps against Node's defaults: one actor of each, runs interleaved, medians.
    for (const cap of SMOKE ? [2] : YOUNG_CAPS) {
      const capped = await actorCall(limitsOf(cap))
      const plain = await actorCall({})
      if ((await capped.call()) !== dc.id || (await plain.call()) !== dc.id) throw new Error('help.getNearestDc answered another DC')
      const a: Array<{ rps: number; cpuUs: number }> = []
      const b: Array<{ rps: number; cpuUs: number }> = []
      for (let r = 0; r < rounds + 2; r++) {
        a.push(await run(capped.call))
        b.push(await run(plain.call))
      }
      const med = (xs: typeof a, k: 'rps' | 'cpuUs'): number => median(xs.map((x) => x[k]))
      const what = `pipelined help.getNearestDc (${calls} calls, ${window} in flight): worker actor, young generation capped at ${cap} MiB vs Node's defaults`
      console.log(JSON.stringify({ case: what, mtactor_rps: Math.round(med(a, 'rps')), node_defaults_rps: Math.round(med(b, 'rps')), ratio_vs_node_defaults: r2(med(a, 'rps') / med(b, 'rps')) }))
      console.log(
        JSON.stringify({ case: `${what}, CPU per call (all threads)`, mtactor_us: r2(med(a, 'cpuUs')), node_defaults_us: r2(med(b, 'cpuUs')), ratio_vs_node_defaults: r2(med(b, 'cpuUs') / med(a, 'cpuUs')) }),
      )
      await capped.actor.close()
      await plain.actor.close()
    }
    await conn.close()
  } finally {
    await cluster.stop()
  }
}

const childAt = process.argv.indexOf('--rss-child')
if (childAt >= 0) {
  const young = process.argv[childAt + 3]
  await rssChild(process.argv[childAt + 1] ?? 'actor', Number(process.argv[childAt + 2] ?? 1), young !== undefined ? Number(young) : undefined)
} else {
  await echoBench()
  await rpcBench()
  // Each RSS figure takes a fresh child process (a cluster, a key exchange, N threads): too slow for --smoke.
  if (!SMOKE) rssBench()
}
