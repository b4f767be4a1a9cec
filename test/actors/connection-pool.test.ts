/**
 * The crypto pool on the session path, over real sockets against the loopback cluster: requests of 512 KiB
 * (upload.saveBigFilePart) and answers of 1 MiB (upload.getFile) have their AES-IGE done on the pool's threads,
 * small calls in between do not touch the pool, every byte comes back exact, the server sees the requests in msg_id
 * order (a small frame after a big one waited for it), and answers reach the callers in the order the DC sent them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Connection } from '../../src/actors/connection.js'
import { createNodeCryptoProvider } from '../../src/protocol/crypto/node-provider.js'
import { RpcFailure } from '../../src/protocol/mtp/server-errors.js'
import { randomBytes, seededRandom } from '../../src/protocol/random.js'
import { type Cluster, startCluster } from '../../src/testing/index.js'
import type { Api } from '../../src/tl/index.js'
import { CryptoPool } from '../../src/workers/crypto-pool.js'

const KIB = 1024
const MIB = 1024 * KIB
/** Telegram's part size limit for upload.saveBigFilePart. */
const PART = 512 * KIB

let cluster: Cluster
// Default thresholds on both sides (the measured ones: 256 KiB with the AES-NI addon, 64 KiB without).
const pool = new CryptoPool({ inline: createNodeCryptoProvider(), threads: 2 })
/** The test's file store on DC 1: file id -> parts. */
const files = new Map<bigint, Uint8Array[]>()

beforeAll(async () => {
  // Built as a variable: options the cluster branch adds (e.g. `loginRequired`) then pass through untyped.
  const opts = { dcs: 1, loginRequired: false, limits: { maxFrameSize: 4 * MIB } }
  cluster = await startCluster(opts)
  const rpc = cluster.dc(1).rpc
  rpc.register(
    'upload.saveBigFilePart',
    (req, ctx) => {
      const r = req as Api.upload.saveBigFilePart
      if (r.bytes.length > PART) throw new RpcFailure(400, 'FILE_PART_TOO_BIG')
      const parts = files.get(r.fileId) ?? []
      parts[r.filePart] = r.bytes
      files.set(r.fileId, parts)
      ctx.count(`save:${r.fileId}:${r.filePart}`)
      return { _: 'boolTrue' } satisfies Api.Bool
    },
    { needsInit: false },
  )
  rpc.register(
    'upload.getFile',
    (req) => {
      const r = req as Api.upload.getFile
      if (r.location._ !== 'inputDocumentFileLocation') throw new RpcFailure(400, 'LOCATION_INVALID')
      const whole = Buffer.concat(files.get(r.location.id) ?? [])
      const bytes = new Uint8Array(whole.subarray(Number(r.offset), Number(r.offset) + r.limit))
      return { _: 'upload.file', type: { _: 'storage.fileUnknown' }, mtime: 0, bytes } satisfies Api.upload.file
    },
    { needsInit: false },
  )
  rpc.register('users.getUsers', (req) => (req as Api.users.getUsers).id.map((u) => ({ _: 'userEmpty', id: u._ === 'inputUser' ? u.userId : 0n })), {
    needsInit: false,
  })
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
const getFile = (id: bigint, offset: number, limit: number): Api.upload.getFile => ({
  _: 'upload.getFile',
  location: { _: 'inputDocumentFileLocation', id, accessHash: 0n, fileReference: new Uint8Array(0), thumbSize: '' },
  offset: BigInt(offset),
  limit,
})
const getUser = (id: bigint): Api.users.getUsers => ({ _: 'users.getUsers', id: [{ _: 'inputUser', userId: id, accessHash: 0n }] })

describe('large payloads through the crypto pool over real sockets', { timeout: 30_000 }, () => {
  it.each([
    ['intermediate', false],
    ['abridged', true],
  ] as const)('pools every large request and answer and nothing else (%s, obfuscated: %s)', async (transport, obfuscated) => {
    const dc = cluster.dcs[0]
    if (dc === undefined) throw new Error('no DC')
    const authKey = randomBytes(seededRandom(transport.length), 256)
    cluster.importAuthKey(1, authKey)
    const conn = await Connection.connect({
      host: dc.host,
      port: dc.port,
      dcId: 1,
      transport,
      obfuscated,
      authKey,
      cryptoPool: pool,
      connectTimeoutMs: 5000,
      session: { futureSalts: false, pingIntervalMs: 0, resendAfterMs: 0 },
    })
    try {
      // Warm-up small call (the first one also learns the salt through bad_server_salt).
      expect(await conn.call(getUser(1n))).toEqual([{ _: 'userEmpty', id: 1n }])
      const before = { pooled: pool.stats.pooled, inline: pool.stats.inline }
      const execsBefore = cluster.dc(1).executions.byMsgId.size
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
      expect(uploads).toEqual([true, [{ _: 'userEmpty', id: 2n }], true, [{ _: 'userEmpty', id: 3n }]])
      const downloads = await Promise.all([
        track('user4', conn.call(getUser(4n))),
        track('file', conn.call(getFile(fileId, 0, MIB))),
        track('user5', conn.call(getUser(5n))),
      ])
      const file = downloads[1] as Api.upload.file
      expect(file.bytes.length).toBe(MIB)
      expect(Buffer.from(file.bytes).equals(Buffer.concat(parts))).toBe(true)
      expect(downloads[0]).toEqual([{ _: 'userEmpty', id: 4n }])
      expect(downloads[2]).toEqual([{ _: 'userEmpty', id: 5n }])

      // Exactly the two 512 KiB requests and the 1 MiB answer went to the pool; no small payload reached it.
      expect(pool.stats.pooled - before.pooled).toBe(3)
      expect(pool.stats.inline - before.inline).toBe(0)
      expect(pool.stats.threads.size).toBeGreaterThan(0)
      // The server executed the seven requests in msg_id order: the small ones after a big one waited for it.
      const ids = [...cluster.dc(1).executions.byMsgId.keys()].slice(execsBefore)
      expect(ids).toHaveLength(7)
      expect([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ids)
      // Answers were delivered in the order the DC sent them (it answers in execution order).
      expect(order).toEqual(['save0', 'user2', 'save1', 'user3', 'user4', 'file', 'user5'])
    } finally {
      await conn.close()
    }
  })
})
