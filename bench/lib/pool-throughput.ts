/**
 * The crypto pool's 1 MiB AES-256-IGE throughput with 1..N threads (2 jobs per thread in flight), against inline IGE
 * on the caller's thread and mtcute 0.30.3's IGE (its NodeCryptoProvider, on the caller's thread: it has no pool).
 * Shared by `bench:pool` and `bench:actors`; every output is checked byte for byte against inline IGE first.
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector
 */
import { availableParallelism } from 'node:os'
import { NodeCryptoProvider } from '@mtcute/node/utils.js'
import { createNodeCryptoProvider } from '../../src/protocol/crypto/node-provider.js'
import { randomBytes, seededRandom } from '../../src/protocol/random.js'
import { CryptoPool } from '../../src/workers/crypto-pool.js'
import { emit, fig, interleaved, progress } from './timing.js'

const MIB = 1024 * 1024

/** How long and how wide {@link poolThroughput} runs. */
export interface PoolThroughputOptions {
  /** Interleaved rounds per thread count (the median counts). */
  readonly rounds: number
  /** 1 MiB jobs per round for the pool and inline (mtcute, slower, gets a quarter). */
  readonly jobsPerRun: number
  /** Largest thread count (default: the core count, at least 2). */
  readonly maxThreads?: number
  /** Prefix of each case name (default "ige encrypt 1MiB pool throughput"). */
  readonly label?: string
}

function same(label: string, a: Uint8Array, b: Uint8Array): void {
  if (!Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))) throw new Error(`${label}: outputs differ`)
}

/** Times the pool with 1..maxThreads threads and prints one JSON line per thread count (MB/s, ratios > 1: pool faster). */
export async function poolThroughput(o: PoolThroughputOptions): Promise<void> {
  const cores = availableParallelism()
  const inline = createNodeCryptoProvider()
  const mtcute = new NodeCryptoProvider()
  await mtcute.initialize()
  const rnd = seededRandom(0x1e3)
  const key = randomBytes(rnd, 32)
  const iv = randomBytes(rnd, 32)
  const data = randomBytes(rnd, MIB)
  const mtcuteIge = (): Uint8Array => mtcute.createAesIge(key, iv).encrypt(data)
  const want = inline.igeEncrypt(data, key, iv)
  same('1MiB throughput (mtcute)', want, mtcuteIge())
  const label = o.label ?? 'ige encrypt 1MiB pool throughput'
  const maxThreads = o.maxThreads ?? Math.max(2, cores)
  for (let threads = 1; threads <= maxThreads; threads++) {
    const pool = new CryptoPool({ inline, threads, threshold: 0 })
    try {
      progress(`1MiB throughput: warming ${threads} thread(s)`)
      // A pool thread loads its module on first use: start every thread before timing.
      await Promise.all(Array.from({ length: threads * 3 }, () => pool.igeEncrypt(data.subarray(0, 64 * 1024), key, iv)))
      same('1MiB throughput (pool)', want, await pool.igeEncrypt(data, key, iv))
      const inFlight = 2 * threads
      const t = await interleaved(
        [
          {
            name: 'pool',
            run: async (n) => {
              let next = 0
              const lane = async (): Promise<void> => {
                while (next < n) {
                  next++
                  await pool.igeEncrypt(data, key, iv)
                }
              }
              await Promise.all(Array.from({ length: inFlight }, lane))
            },
          },
          { name: 'inline', run: (n) => void Array.from({ length: n }, () => inline.igeEncrypt(data, key, iv)) },
          { name: 'mtcute', run: (n) => void Array.from({ length: n }, mtcuteIge) },
        ],
        o.rounds,
        (n) => (n === 'mtcute' ? Math.max(1, o.jobsPerRun >> 2) : o.jobsPerRun),
      )
      const mbps = (us: number | undefined): number => MIB / (us ?? Number.NaN)
      emit({
        case: `${label} ${threads} thread${threads === 1 ? '' : 's'}`,
        mtactor_mbps: fig(mbps(t.pool)),
        inline_mbps: fig(mbps(t.inline)),
        mtcute_mbps: fig(mbps(t.mtcute)),
        ratio_vs_inline: fig(mbps(t.pool) / mbps(t.inline)),
        ratio_vs_mtcute: fig(mbps(t.pool) / mbps(t.mtcute)),
        threads,
        cores,
        in_flight: inFlight,
        provider: inline.name,
      })
    } finally {
      await pool.close()
    }
  }
}
