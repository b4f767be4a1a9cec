/**
 * `npm run bench:pool`: the crypto pool against inline AES-256-IGE, to choose the session path's pool threshold
 * (DEFAULT_POOL_THRESHOLD), and the pool's 1 MiB IGE throughput with 1..N threads; mtcute 0.30.3's IGE (its
 * NodeCryptoProvider, WASM, on the caller's thread: it has no pool) is timed in the same run.
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector
 *
 * Per size (16 KiB .. 1 MiB) and direction: `inline_us` is our synchronous IGE; `mtactor_pool_us` the wall time of
 * one pool job awaited alone (copy in, thread hop, IGE, transfer back); `mtactor_pool_caller_us` how long the
 * caller's thread is busy per pool job (its own CPU time, from /proc/thread-self/schedstat on Linux, so other
 * tenants of the machine do not inflate it; event-loop utilization elsewhere; `caller_clock` says which), i.e. what
 * the pool leaves of the inline cost on the DC actor's thread; `sha256_us` the msg_key hash over the same bytes,
 * which stays inline; `inline_portable_us` the inline IGE without the AES-NI addon. `ratio_vs_inline` > 1 means the pool's wall time beats inline. Throughput lines keep 2 jobs
 * per thread in flight. The "session message" lines time a whole ~1 MiB MTProto message through the session's
 * cipher: synchronous, with only its AES-IGE on the pool, or as a whole message (msg_key's SHA-256 and the key
 * derivation on the pool too; the header checks and the constant-time msg_key compare stay on the caller).
 * The machine's core count is printed on every line. `--smoke` runs tiny iteration counts.
 */
import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import { NodeCryptoProvider } from '@mtcute/node/utils.js'
import { MessageCipher } from '../src/protocol/crypto/message.js'
import { createNodeCryptoProvider } from '../src/protocol/crypto/node-provider.js'
import { DeferringCipher, IncomingFrames, OutgoingFrames } from '../src/protocol/mtp/async-cipher.js'
import { type RandomSource, randomBytes, seededRandom } from '../src/protocol/random.js'
import { CryptoPool } from '../src/workers/crypto-pool.js'
import { callerBusyUs, threadCpuNs } from './lib/thread-cpu.js'
import { poolThroughput } from './lib/pool-throughput.js'
import { emit, fig, interleaved, median, progress } from './lib/timing.js'

const smoke = process.argv.includes('--smoke')
const ROUNDS = smoke ? 7 : 15
const cores = availableParallelism()
/** How caller busy time is measured (see bench/lib/thread-cpu.ts). */
const CALLER_CLOCK = threadCpuNs() !== undefined ? 'thread-cpu' : 'event-loop'
const KIB = 1024
const MIB = 1024 * KIB

const inline = createNodeCryptoProvider()
/** The no-addon path (WASM kernels): where the AES-NI addon is missing, inline IGE costs more and the pool pays sooner. */
const portable = createNodeCryptoProvider({ ige: 'portable' })
const mtcute = new NodeCryptoProvider()
await mtcute.initialize()
const rnd = seededRandom(0x9001)
const key = randomBytes(rnd, 32)
const iv = randomBytes(rnd, 32)

function same(label: string, a: Uint8Array, b: Uint8Array): void {
  if (!Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))) {
    throw new Error(`${label}: outputs differ`)
  }
}

/** Starts every thread of `pool` (a pool thread loads its module on first use) so no timing includes that. */
async function warm(pool: CryptoPool): Promise<void> {
  const d = new Uint8Array(64 * KIB)
  await Promise.all(Array.from({ length: pool.threads * 3 }, () => pool.igeEncrypt(d, key, iv)))
}

const mtcuteIge = (decrypt: boolean, data: Uint8Array): Uint8Array =>
  decrypt ? mtcute.createAesIge(key, iv).decrypt(data) : mtcute.createAesIge(key, iv).encrypt(data)

// ---- per-size: pool vs inline (threshold 0: every job goes to a thread) ----
{
  const pool = new CryptoPool({ inline, threads: Math.min(2, cores), threshold: 0 })
  progress(`pool vs inline: warming ${pool.threads} threads`)
  await warm(pool)
  const SIZES: Array<[string, number]> = [
    ['16KiB', 16 * KIB],
    ['64KiB', 64 * KIB],
    ['128KiB', 128 * KIB],
    ['256KiB', 256 * KIB],
    ['1MiB', MIB],
  ]
  for (const decrypt of [false, true]) {
    for (const [name, size] of SIZES) {
      const op = decrypt ? 'decrypt' : 'encrypt'
      const label = `ige ${op} ${name} pool vs inline`
      const data = randomBytes(rnd, size)
      const out = new Uint8Array(size)
      const ours = (): Uint8Array => (decrypt ? inline.igeDecrypt(data, key, iv, out) : inline.igeEncrypt(data, key, iv, out))
      const viaPool = (): Promise<Uint8Array> => (decrypt ? pool.igeDecrypt(data, key, iv) : pool.igeEncrypt(data, key, iv))
      const want = ours().slice()
      same(label, want, await viaPool())
      same(label, want, mtcuteIge(decrypt, data))
      same(label, want, decrypt ? portable.igeDecrypt(data, key, iv) : portable.igeEncrypt(data, key, iv))
      progress(`${label}: timing`)
      const budgetUs = smoke ? 2_000 : 40_000
      // Calibrate the iteration counts on one inline call (the pool adds a hop of roughly 100 us).
      const c0 = performance.now()
      ours()
      const inlineUs = Math.max(1, (performance.now() - c0) * 1000)
      const iters = (n: string): number => Math.max(1, Math.round(budgetUs / (n === 'pool' ? inlineUs + 80 : n === 'mtcute' || n === 'portable' ? inlineUs * 4 : inlineUs)))
      const callerSamples: number[] = []
      const t = await interleaved(
        [
          { name: 'inline', run: (n) => void Array.from({ length: n }, ours) },
          {
            name: 'pool',
            run: async (n) => {
              const us = await callerBusyUs(async () => {
                for (let i = 0; i < n; i++) await viaPool()
              })
              callerSamples.push(us / n)
            },
          },
          { name: 'mtcute', run: (n) => void Array.from({ length: n }, () => mtcuteIge(decrypt, data)) },
          { name: 'sha256', run: (n) => void Array.from({ length: n }, () => inline.sha256(data)) },
          {
            name: 'portable',
            run: (n) => void Array.from({ length: n }, () => (decrypt ? portable.igeDecrypt(data, key, iv, out) : portable.igeEncrypt(data, key, iv, out))),
          },
        ],
        ROUNDS,
        iters,
      )
      const poolUs = t.pool ?? Number.NaN
      const inUs = t.inline ?? Number.NaN
      const mtUs = t.mtcute ?? Number.NaN
      emit({
        case: label,
        mtactor_pool_us: fig(poolUs),
        mtactor_pool_caller_us: fig(median(callerSamples)),
        inline_us: fig(inUs),
        mtcute_us: fig(mtUs),
        sha256_us: fig(t.sha256 ?? Number.NaN),
        inline_portable_us: fig(t.portable ?? Number.NaN),
        ratio_vs_inline: fig(inUs / poolUs),
        ratio_vs_mtcute: fig(mtUs / poolUs),
        caller_freed_ratio: fig(inUs / median(callerSamples)),
        threads: pool.threads,
        cores,
        provider: inline.name,
        caller_clock: CALLER_CLOCK,
      })
    }
  }
  await pool.close()
}

// ---- the session path: a whole ~1 MiB MTProto message, synchronous cipher vs the pooled steps ----
// 'ige': only the AES-IGE moves (msg_key's SHA-256 stays on the caller); 'whole': msg_key, key derivation and AES-IGE
// move (what a Connection with a CryptoPool or RemotePoolProvider does).
{
  const authKey = randomBytes(rnd, 256)
  const pool = new CryptoPool({ inline, threads: Math.min(2, cores), threshold: 0 })
  await warm(pool)
  const sync = new MessageCipher(inline, authKey)
  const body = randomBytes(rnd, MIB - 4096)
  const msg = { salt: 1n, sessionId: 2n, msgId: 0x6000000000000004n, seqNo: 1, body }
  const fixedPad = (): RandomSource => seededRandom(7)
  const server = new MessageCipher(inline, authKey)
  const frame = server.encrypt({ ...msg, msgId: 0x6000000000000001n }, { sender: 'server', random: fixedPad() }).slice()
  const readOpts = { sender: 'server' as const, sessionId: 2n }
  same('session decrypt', body, sync.decrypt(frame, readOpts).body)
  const ref = sync.encrypt(msg, { sender: 'client', random: fixedPad() }).slice()
  for (const mode of ['ige', 'whole'] as const) {
    const deferring = new DeferringCipher(inline, authKey, 0, { wholeMessage: mode === 'whole' })
    let written: ((p: Uint8Array) => void) | undefined
    const out = new OutgoingFrames(deferring, pool, (ps) => {
      for (const p of ps) written?.(p)
    })
    const pooledEncrypt = (): Promise<Uint8Array> =>
      new Promise((resolve) => {
        written = resolve
        out.push([deferring.encrypt(msg, { sender: 'client', random: fixedPad() })])
      })
    let delivered: (() => void) | undefined
    const inc = new IncomingFrames(deferring, pool, (ps) => {
      for (const p of ps) deferring.decrypt(p, readOpts)
      delivered?.()
    })
    const pooledDecrypt = (): Promise<void> =>
      new Promise<void>((resolve) => {
        delivered = resolve
        inc.push([frame])
      })
    // Byte-exact first: the pooled frame equals the synchronous one, and the pooled read yields the body.
    same(`session encrypt (${mode})`, ref, await pooledEncrypt())
    {
      let got: Uint8Array | undefined
      const check = new IncomingFrames(deferring, pool, (ps) => {
        got = ps[0] === undefined ? undefined : deferring.decrypt(ps[0], readOpts).body
      })
      check.push([frame])
      while (got === undefined) await new Promise((r) => setImmediate(r))
      same(`session decrypt (${mode})`, body, got)
    }
    for (const [op, pooled, syncRun] of [
      ['encrypt', pooledEncrypt, () => void sync.encrypt(msg, { sender: 'client', random: fixedPad() })],
      ['decrypt', pooledDecrypt, () => void sync.decrypt(frame, readOpts)],
    ] as const) {
      progress(`session message ${op} (${mode}): timing`)
      const busy: number[] = []
      const t = await interleaved(
        [
          {
            name: 'pooled',
            run: async (n) => {
              const us = await callerBusyUs(async () => {
                for (let i = 0; i < n; i++) await pooled()
              })
              busy.push(us / n)
            },
          },
          { name: 'sync', run: (n) => void Array.from({ length: n }, syncRun) },
        ],
        ROUNDS,
        () => (smoke ? 2 : 24),
      )
      emit({
        case: `session message ${op} 1MiB pooled ${mode === 'whole' ? 'whole message' : 'AES-IGE only'} vs synchronous`,
        mtactor_pool_us: fig(t.pooled ?? Number.NaN),
        mtactor_pool_caller_us: fig(median(busy)),
        sync_us: fig(t.sync ?? Number.NaN),
        ratio_vs_sync: fig((t.sync ?? Number.NaN) / (t.pooled ?? Number.NaN)),
        caller_freed_ratio: fig((t.sync ?? Number.NaN) / median(busy)),
        cores,
        provider: inline.name,
        caller_clock: CALLER_CLOCK,
      })
    }
  }
  await pool.close()
}

// ---- piscina against a bare worker_thread: the per-job price of the pool library ----
{
  const data = randomBytes(rnd, MIB)
  const want = inline.igeEncrypt(data, key, iv)
  const pool = new CryptoPool({ inline, threads: 1, threshold: 0 })
  await warm(pool)
  const entry = new URL('./lib/raw-ige-worker.ts', import.meta.url).href
  // tsx's loader is registered inside the thread before the .ts entry is imported.
  const raw = new Worker(`import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(entry)}) })`, { eval: true })
  const waiting = new Map<number, (out: Uint8Array) => void>()
  raw.on('message', (m: { id: number; data: Uint8Array }) => {
    waiting.get(m.id)?.(m.data)
    waiting.delete(m.id)
  })
  let ids = 0
  const viaRaw = (): Promise<Uint8Array> => {
    const buf = new Uint8Array(new ArrayBuffer(data.length))
    buf.set(data)
    const id = ids++
    raw.postMessage({ id, data: buf, key, iv, decrypt: false }, [buf.buffer])
    return new Promise((resolve) => waiting.set(id, resolve))
  }
  for (let i = 0; i < 3; i++) same('raw worker', want, await viaRaw())
  same('pool', want, await pool.igeEncrypt(data, key, iv))
  progress('piscina vs bare worker: timing')
  const busy: Record<string, number[]> = { pool: [], raw: [] }
  const timed = (name: string, job: () => Promise<Uint8Array>) => ({
    name,
    run: async (n: number) => {
      const us = await callerBusyUs(async () => {
        for (let i = 0; i < n; i++) await job()
      })
      busy[name]?.push(us / n)
    },
  })
  const t = await interleaved(
    [timed('pool', () => pool.igeEncrypt(data, key, iv)), timed('raw', viaRaw), { name: 'mtcute', run: (n) => void Array.from({ length: n }, () => mtcuteIge(false, data)) }],
    ROUNDS,
    () => (smoke ? 2 : 24),
  )
  emit({
    case: 'ige encrypt 1MiB round trip piscina vs bare worker_thread',
    mtactor_pool_us: fig(t.pool ?? Number.NaN),
    mtactor_pool_caller_us: fig(median(busy.pool ?? [])),
    raw_worker_us: fig(t.raw ?? Number.NaN),
    raw_worker_caller_us: fig(median(busy.raw ?? [])),
    mtcute_us: fig(t.mtcute ?? Number.NaN),
    ratio_vs_raw_worker: fig((t.raw ?? Number.NaN) / (t.pool ?? Number.NaN)),
    ratio_vs_mtcute: fig((t.mtcute ?? Number.NaN) / (t.pool ?? Number.NaN)),
    cores,
  })
  await raw.terminate()
  await pool.close()
}

// ---- 1 MiB throughput with 1..N threads (shared with bench:actors) ----
await poolThroughput({ rounds: ROUNDS, jobsPerRun: smoke ? 4 : 64 })
