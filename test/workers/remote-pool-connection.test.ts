/**
 * The session path in a worker thread, over a real socket against the loopback cluster: a Connection running in a
 * worker_thread gets a 1 MiB upload.getFile answer whose AES-IGE is done on the main thread's CryptoPool (reached
 * through createPoolPort / RemotePoolProvider), byte-exact, while its small call does not touch the pool.
 */
import { threadId, Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNodeCryptoProvider } from '../../src/protocol/crypto/node-provider.js'
import { randomBytes, seededRandom } from '../../src/protocol/random.js'
import { type Cluster, startCluster } from '../../src/testing/index.js'
import type { Api } from '../../src/tl/index.js'
import { CryptoPool } from '../../src/workers/crypto-pool.js'
import { createPoolPort } from '../../src/workers/crypto-port-server.js'

const MIB = 1024 * 1024
const FILE = randomBytes(seededRandom(31), MIB)
let cluster: Cluster
const pool = new CryptoPool({ inline: createNodeCryptoProvider(), threads: 2 })

beforeAll(async () => {
  cluster = await startCluster({ dcs: 1, loginRequired: false })
  // Own handlers (no initConnection needed): the file is generated here so the test knows every byte.
  const rpc = cluster.dc(1).rpc
  rpc.register(
    'upload.getFile',
    (req) => {
      const r = req as Api.upload.getFile
      const bytes = FILE.slice(Number(r.offset), Number(r.offset) + r.limit)
      return { _: 'upload.file', type: { _: 'storage.fileUnknown' }, mtime: 0, bytes } satisfies Api.upload.file
    },
    { needsInit: false },
  )
  rpc.register('users.getUsers', () => [{ _: 'userEmpty', id: 9n }], { needsInit: false })
})
afterAll(async () => {
  await cluster?.close()
  await pool.close()
})

describe('a Connection in a worker thread with the pool behind a MessagePort', { timeout: 30_000 }, () => {
  it('pools the 1 MiB answer on the main thread pool and keeps the small one in the worker', async () => {
    const dc = cluster.dcs[0]
    if (dc === undefined) throw new Error('no DC')
    const authKey = randomBytes(seededRandom(5), 256)
    cluster.importAuthKey(1, authKey)
    const { port, server } = createPoolPort(pool)
    const before = pool.stats.pooled
    const entry = new URL('./remote-connection-worker.ts', import.meta.url).href
    const boot = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(entry)}) })`
    const worker = new Worker(boot, { eval: true, workerData: { pool: port, host: dc.host, dcPort: dc.port, authKey, size: MIB }, transferList: [port] })
    try {
      const reply = await new Promise<{ threadId: number; small: unknown; bytes: Uint8Array; stats: { pooled: number; inline: number; threads: number[] } }>(
        (resolve, reject) => {
          worker.once('message', resolve)
          worker.once('error', reject)
        },
      )
      expect(reply.threadId).not.toBe(threadId)
      expect(reply.small).toEqual([{ _: 'userEmpty', id: 9n }])
      expect(Buffer.from(reply.bytes).equals(Buffer.from(FILE))).toBe(true)
      // Exactly one job (the answer's decryption) crossed to the pool; nothing small did.
      expect(reply.stats).toMatchObject({ pooled: 1, inline: 0 })
      expect(pool.stats.pooled - before).toBe(1)
      expect(server.served).toBe(1)
      for (const t of reply.stats.threads) expect([threadId, reply.threadId]).not.toContain(t)
    } finally {
      server.close()
      await worker.terminate()
    }
  })
})
