/**
 * The crypto pool on the session path, over real sockets against the loopback cluster's own file methods: requests
 * of 512 KiB (upload.saveBigFilePart) and answers of 1 MiB (upload.getFile on the 3 MiB test file) have their AES-IGE done on the pool's threads,
 * small calls in between do not touch the pool, every byte comes back exact, the server sees the requests in msg_id
 * order (a small frame after a big one waited for it), and answers reach the callers in the order the DC sent them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Connection } from '../../src/actors/connection.js'
import { withInitConnection } from '../../src/client/init-connection.js'
import { createNodeCryptoProvider } from '../../src/protocol/crypto/node-provider.js'
import { randomBytes, seededRandom } from '../../src/protocol/random.js'
import { type Cluster, startCluster, TEST_FILES } from '../../src/testing/index.js'
import type { Api } from '../../src/tl/index.js'
import { CryptoPool } from '../../src/workers/crypto-pool.js'

const KIB = 1024
const MIB = 1024 * KIB
/** Telegram's part size limit for upload.saveBigFilePart (the cluster enforces it). */
const PART = 512 * KIB

let cluster: Cluster
// Default thresholds on both sides (the measured ones: 128 KiB with the AES-NI addon, 16 KiB without).
const pool = new CryptoPool({ inline: createNodeCryptoProvider(), threads: 2 })
/** The cluster's test file over 3 MiB lives on DC 2. */
const BIG_FILE = TEST_FILES.find((f) => f.size > 3 * MIB)

beforeAll(async () => {
  cluster = await startCluster({ dcs: 2, loginRequired: false })
})
afterAll(async () => {
  await cluster?.close()
  await pool.close()
})

const save = (fileId: bigint, filePart: number, bytes: Uint8Array): Api.upload.saveBigFilePart => ({
  _: 'upload.saveBigFilePart',
  fileId,
  filePart,
  fileTotalParts: 2,
  bytes,
})
const getFile = (location: Api.InputFileLocation, offset: number, limit: number): Api.upload.getFile => ({
  _: 'upload.getFile',
  location,
  offset: BigInt(offset),
  limit,
})
/** users.getUsers answers as their ids, anything else as itself. */
const idsOrValue = (v: unknown): unknown => (Array.isArray(v) ? v.map((u: { id: bigint }) => u.id) : v)
const getUser = (id: bigint): Api.users.getUsers => ({ _: 'users.getUsers', id: [{ _: 'inputUser', userId: id, accessHash: 0n }] })

describe('large payloads through the crypto pool over real sockets', { timeout: 30_000 }, () => {
  it.each([
    ['intermediate', false],
    ['abridged', true],
  ] as const)('pools every large request and answer and nothing else (%s, obfuscated: %s)', async (transport, obfuscated) => {
    const file = BIG_FILE
    if (file === undefined) throw new Error('no test file over 3 MiB')
    const dcId = file.homeDc
    const dc = cluster.dc(dcId)
    const authKey = randomBytes(seededRandom(transport.length), 256)
    cluster.importAuthKey(dcId, authKey)
    const conn = await Connection.connect({
      host: dc.host,
      port: dc.port,
      dcId,
      transport,
      obfuscated,
      authKey,
      cryptoPool: pool,
      connectTimeoutMs: 5000,
      session: { futureSalts: false, pingIntervalMs: 0, resendAfterMs: 0 },
    })
    try {
      // Warm-up: initConnection (the first call also learns the salt through bad_server_salt).
      expect((await conn.call(withInitConnection({ _: 'help.getNearestDc' }, { apiId: 1, deviceModel: 'test' }))).thisDc).toBe(dcId)
      const before = { pooled: pool.stats.pooled, inline: pool.stats.inline, messages: pool.stats.messages }
      const execsBefore = dc.executions.byMsgId.size
      const rnd = seededRandom(obfuscated ? 2 : 1)
      const fileId = obfuscated ? 22n : 11n
      const parts = [randomBytes(rnd, PART), randomBytes(rnd, PART)]

      // Pipelined: big, small, big, small (requests), then a 1 MiB download between small calls.
      const order: string[] = []
      const track = async <T>(name: string, p: Promise<T>): Promise<T> => {
        const v = await p
        order.push(name)
        return v
      }
      const uploads = await Promise.all([
        track('save0', conn.call(save(fileId, 0, parts[0] as Uint8Array))),
        track('user2', conn.call(getUser(2n))),
        track('save1', conn.call(save(fileId, 1, parts[1] as Uint8Array))),
        track('user3', conn.call(getUser(3n))),
      ])
      expect(uploads.map(idsOrValue)).toEqual([true, [2n], true, [3n]])
      const downloads = await Promise.all([
        track('user4', conn.call(getUser(4n))),
        track('file', conn.call(getFile(file.location, MIB, MIB))),
        track('user5', conn.call(getUser(5n))),
      ])
      const got = downloads[1] as Api.upload.file
      expect(got.bytes.length).toBe(MIB)
      expect(Buffer.from(got.bytes).equals(Buffer.from(file.bytes(MIB, MIB)))).toBe(true)
      const stored = dc.uploads.assembled(fileId)
      expect(stored !== undefined && Buffer.from(stored).equals(Buffer.concat(parts))).toBe(true)
      expect([downloads[0], downloads[2]].map(idsOrValue)).toEqual([[4n], [5n]])

      // Exactly the two 512 KiB requests and the 1 MiB answer went to the pool; no small payload reached it.
      expect(pool.stats.pooled - before.pooled).toBe(3)
      // As whole messages: msg_key's SHA-256 ran on the pool too, not only the AES-IGE.
      expect(pool.stats.messages - before.messages).toBe(3)
      expect(pool.stats.inline - before.inline).toBe(0)
      expect(pool.stats.threads.size).toBeGreaterThan(0)
      // The server executed the seven requests in msg_id order: the small ones after a big one waited for it.
      const ids = [...dc.executions.byMsgId.keys()].slice(execsBefore)
      expect(ids).toHaveLength(7)
      expect([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ids)
      // Answers were delivered in the order the DC sent them (it answers in execution order).
      expect(order).toEqual(['save0', 'user2', 'save1', 'user3', 'user4', 'file', 'user5'])
    } finally {
      await conn.close()
    }
  })
  it('survives a connection dropped in the middle of a pooled 1 MiB answer: resent, answered once, byte-exact', async () => {
    const file = BIG_FILE
    if (file === undefined) throw new Error('no test file over 3 MiB')
    const dcId = file.homeDc
    const dc = cluster.dc(dcId)
    const authKey = randomBytes(seededRandom(99), 256)
    cluster.importAuthKey(dcId, authKey)
    let drops = 0
    const conn = await Connection.connect({
      host: dc.host,
      port: dc.port,
      dcId,
      authKey,
      cryptoPool: pool,
      onEvent: (e) => {
        if (e.type === 'disconnected') drops++
      },
      connectTimeoutMs: 5000,
      reconnect: { minDelayMs: 5, maxDelayMs: 50, maxAttempts: 20 },
      session: { futureSalts: false, pingIntervalMs: 0, resendAfterMs: 0 },
    })
    try {
      await conn.call(withInitConnection({ _: 'help.getNearestDc' }, { apiId: 1, deviceModel: 'test' }))
      const before = pool.stats.messages
      // The DC drops the connection after 300 KB of the answer to the next request.
      dc.faults.add({ fault: { kind: 'drop-after-bytes', bytes: 300_000 }, schedule: { at: dc.faults.requests + 1 }, times: 1 })
      const got = (await conn.call(getFile(file.location, 0, MIB), { timeoutMs: 10_000 })) as Api.upload.file
      expect(Buffer.from(got.bytes).equals(Buffer.from(file.bytes(0, MIB)))).toBe(true)
      expect(drops).toBeGreaterThanOrEqual(1)
      // At least the answer that arrived whole went through the pool.
      expect(pool.stats.messages - before).toBeGreaterThanOrEqual(1)
    } finally {
      await conn.close()
    }
  })
})
