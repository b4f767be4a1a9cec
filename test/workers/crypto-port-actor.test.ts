/**
 * The pool behind the worker actor (issue 5's "Pool in workers"): the coordinator owns one CryptoPool and hands each
 * worker actor a port (ActorConfig.cryptoPort from createPoolPort); the DC worker's Connection then has the AES-IGE of
 * a 512 KiB upload.saveBigFilePart request and of a 1 MiB upload.getFile answer done on the pool's threads, over real
 * sockets against the loopback cluster, byte-exact, while the small calls around them stay in the worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNodeCryptoProvider } from '../../src/protocol/crypto/node-provider.js'
import { randomBytes, seededRandom } from '../../src/protocol/random.js'
import { type Cluster, startCluster, TEST_FILES } from '../../src/testing/index.js'
import type { Api } from '../../src/tl/index.js'
import { CryptoPool } from '../../src/workers/crypto-pool.js'
import { createPoolPort } from '../../src/workers/crypto-port-server.js'
import { call, getUser, initNearest, spawn, testConfig } from '../actors/actor-helpers.js'

const MIB = 1024 * 1024
let cluster: Cluster
const pool = new CryptoPool({ inline: createNodeCryptoProvider(), threads: 2 })
const FILE = TEST_FILES.find((f) => f.size > 3 * MIB)

beforeAll(async () => {
  cluster = await startCluster({ dcs: 2, loginRequired: false })
})
afterAll(async () => {
  await cluster?.close()
  await pool.close()
})

describe('worker actor with the coordinator crypto pool', { timeout: 30_000 }, () => {
  it('pools the large request and answer of a DC worker, byte-exact, and nothing small', async () => {
    if (FILE === undefined) throw new Error('no test file over 3 MiB')
    const dcId = FILE.homeDc
    const { port, server } = createPoolPort(pool)
    // No resend inside the test: a resent 512 KiB request is encrypted again (on the pool), which the counts below
    // would see; on a loaded machine the default test resend (300 ms) fired before the answer came.
    const s = await spawn(testConfig(cluster, dcId, { handshake: true, cryptoPort: port, session: { resendAfterMs: 20_000 } }))
    try {
      await call(s.actor, 1, initNearest())
      const before = pool.stats.pooled
      const messagesBefore = pool.stats.messages
      const part = randomBytes(seededRandom(12), 512 * 1024)
      const [users, saved, file] = await Promise.all([
        call(s.actor, 2, getUser(8n)),
        call(s.actor, 3, { _: 'upload.saveBigFilePart', fileId: 99n, filePart: 0, fileTotalParts: 1, bytes: part }),
        call(s.actor, 4, { _: 'upload.getFile', location: FILE.location, offset: 0n, limit: MIB }),
      ])
      expect(users.map((u) => u.id)).toEqual([8n])
      expect(saved).toBe(true)
      const stored = cluster.dc(dcId).uploads.assembled(99n)
      expect(stored !== undefined && Buffer.from(stored).equals(Buffer.from(part))).toBe(true)
      expect(Buffer.from((file as Api.upload.file).bytes).equals(Buffer.from(FILE.bytes(0, MIB)))).toBe(true)
      // The request's encryption and the answer's decryption crossed to the pool; the small ones did not.
      expect(pool.stats.pooled - before).toBe(2)
      expect(pool.stats.messages - messagesBefore).toBe(2)
      expect(server.served).toBe(2)
    } finally {
      await s.actor.close()
      server.close()
    }
  })
})
