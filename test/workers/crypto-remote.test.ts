/**
 * The pool reached from a real worker thread: the coordinator's end (servePoolPort on the main thread's CryptoPool)
 * and the actor's end (RemotePoolProvider in a worker_thread). Jobs above the threshold run on pool threads (neither
 * the main thread nor the worker), smaller ones on the worker itself, bytes match the inline provider, and the
 * worker's pending jobs fail with CancelledError when the coordinator closes the port.
 */
import { threadId, Worker } from 'node:worker_threads'
import { afterAll, describe, expect, it } from 'vitest'
import { createNodeCryptoProvider } from '../../src/protocol/crypto/node-provider.js'
import { randomBytes, seededRandom } from '../../src/protocol/random.js'
import { CryptoPool } from '../../src/workers/crypto-pool.js'
import { createPoolPort } from '../../src/workers/crypto-port-server.js'


/** Byte equality without vitest's element-by-element deep compare (seconds on 1 MiB arrays). */
function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))
}

const inline = createNodeCryptoProvider()
const pool = new CryptoPool({ inline, threads: 2, threshold: 64 * 1024 })
afterAll(() => pool.close())

interface Reply {
  ok: boolean
  out?: Uint8Array
  error?: string
  threadId: number
  inputLength?: number
  stats?: { pooled: number; inline: number; threads: number[] }
}

function startWorker(threshold: number) {
  const { port, server } = createPoolPort(pool)
  // An eval'd bootstrap registers tsx's loader in the new thread, then imports the .ts entry (a .ts main file or
  // `--import tsx` in execArgv is not enough for a plain Worker on Node 20).
  const entry = new URL('./remote-pool-worker.ts', import.meta.url).href
  const boot = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(entry)}) })`
  const worker = new Worker(boot, { eval: true, workerData: { port, threshold }, transferList: [port] })
  const replies: Reply[] = []
  const waiters: Array<(r: Reply) => void> = []
  worker.on('error', (e) => {
    for (const w of waiters.splice(0)) w({ ok: false, error: `worker error: ${e.message}`, threadId: -1 })
  })
  worker.on('message', (r: Reply) => {
    const w = waiters.shift()
    if (w !== undefined) w(r)
    else replies.push(r)
  })
  const next = (): Promise<Reply> => {
    const r = replies.shift()
    return r !== undefined ? Promise.resolve(r) : new Promise((resolve) => waiters.push(resolve))
  }
  const job = (op: 'encrypt' | 'decrypt', data: Uint8Array, key: Uint8Array, iv: Uint8Array): Promise<Reply> => {
    worker.postMessage({ op, data, key, iv })
    return next()
  }
  return { worker, server, job }
}

describe('RemotePoolProvider in a worker thread', { timeout: 30_000 }, () => {
  const rnd = seededRandom(77)
  const key = randomBytes(rnd, 32)
  const iv = randomBytes(rnd, 32)

  it('runs large jobs on the coordinator pool, small ones in the worker, byte-exact', async () => {
    const { worker, server, job } = startWorker(64 * 1024)
    try {
      const before = pool.stats.pooled
      const small = randomBytes(rnd, 4096)
      const r1 = await job('encrypt', small, key, iv)
      expect(r1.ok).toBe(true)
      expect(same(r1.out, inline.igeEncrypt(small, key, iv))).toBe(true)
      expect(r1.stats).toMatchObject({ pooled: 0, inline: 1 })
      expect(pool.stats.pooled).toBe(before)

      const big = randomBytes(rnd, 1024 * 1024)
      const r2 = await job('encrypt', big, key, iv)
      expect(same(r2.out, inline.igeEncrypt(big, key, iv))).toBe(true)
      expect(r2.inputLength).toBe(big.length)
      const r3 = await job('decrypt', r2.out as Uint8Array, key, iv)
      expect(same(r3.out, big)).toBe(true)
      expect(r3.stats?.pooled).toBe(2)
      expect(pool.stats.pooled).toBe(before + 2)
      expect(server.served).toBe(2)
      // The worker is a different thread from ours, and the jobs ran on pool threads, neither ours nor the worker's.
      expect(r3.threadId).not.toBe(threadId)
      expect(r3.stats?.threads.length).toBeGreaterThan(0)
      for (const t of r3.stats?.threads ?? []) expect([threadId, r3.threadId]).not.toContain(t)

      // Concurrent jobs come back matched to their requests.
      const jobs = Array.from({ length: 6 }, () => randomBytes(rnd, 128 * 1024))
      const outs = await Promise.all(jobs.map((d) => job('encrypt', d, key, iv)))
      // Replies arrive in completion order; every output must be the encryption of one distinct input.
      const want = new Set(jobs.map((d) => Buffer.from(inline.igeEncrypt(d, key, iv)).toString('hex')))
      for (const o of outs) expect(want.delete(Buffer.from(o.out as Uint8Array).toString('hex'))).toBe(true)
    } finally {
      server.close()
      await worker.terminate()
    }
  })

  it('rejects typed errors from the pool, and CancelledError once the coordinator closes the port', async () => {
    const { worker, server, job } = startWorker(0)
    try {
      const bad = await job('encrypt', new Uint8Array(40), key, iv)
      expect(bad).toMatchObject({ ok: false, error: 'ArgumentError' })
      server.close()
      const after = await job('encrypt', new Uint8Array(64), key, iv)
      expect(after).toMatchObject({ ok: false, error: 'CancelledError' })
    } finally {
      await worker.terminate()
    }
  })
})
