/**
 * Files on the loopback cluster over real sockets: upload.getFile (FILE_MIGRATE_X off the home DC, the offset/limit
 * rules with and without `precise`, the bytes of a 3 MiB+ file downloaded in 1 MiB parts, the tail and past the
 * end, location errors, 401 before login), upload.saveFilePart / upload.saveBigFilePart (stored and assembled, each
 * part rule), and stats.getBroadcastStats (STATS_MIGRATE_X, CHANNEL_INVALID, an answer on the stats DC).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Cluster, startCluster, TEST_BOTS, TEST_FILES, TEST_STATS_CHANNEL, type TestFile } from '../../src/testing/index.js'
import type { Api } from '../../src/tl/index.js'
import { connectDc, init, rpcError, type TestConn } from './helpers/conn.js'

const KIB = 1024
const MIB = 1024 * KIB

let cluster: Cluster
const conns = new Map<number, TestConn>()
beforeAll(async () => {
  cluster = await startCluster({ dcs: 5, mediaListeners: false })
  // A bot logged in on every DC (each on its own home DC).
  for (const b of TEST_BOTS) {
    const c = await connectDc(cluster, b.homeDc)
    await c.conn.call(init({ _: 'auth.importBotAuthorization', flags: 0, apiId: 1, apiHash: 'x', botAuthToken: b.token }))
    conns.set(b.homeDc, c)
  }
})
afterAll(async () => {
  await Promise.all([...conns.values()].map((c) => c.conn.close()))
  await cluster.close()
})

function on(dc: number): TestConn {
  const c = conns.get(dc)
  if (c === undefined) throw new Error(`no connection to DC ${dc}`)
  return c
}

function fileOn(dc: number): TestFile {
  const f = TEST_FILES.find((x) => x.homeDc === dc)
  if (f === undefined) throw new Error(`no file on DC ${dc}`)
  return f
}

const getFile = (location: Api.InputFileLocation, offset: number, limit: number, precise = false): Api.upload.getFile => ({
  _: 'upload.getFile',
  location,
  offset: BigInt(offset),
  limit,
  ...(precise ? { precise } : {}),
})

async function read(dc: number, f: TestFile, offset: number, limit: number, precise = false): Promise<Uint8Array> {
  const r = await on(dc).conn.call(getFile(f.location, offset, limit, precise))
  if (r._ !== 'upload.file') throw new Error(`unexpected ${r._}`)
  return r.bytes
}

describe('upload.getFile', { timeout: 20_000 }, () => {
  it('TEST_FILES: one per DC, one over 3 MiB', () => {
    expect(TEST_FILES.map((f) => f.homeDc).sort()).toEqual([1, 2, 3, 4, 5])
    expect(TEST_FILES.some((f) => f.size > 3 * MIB)).toBe(true)
    const f = fileOn(2)
    expect(f.bytes(0, 64)).toEqual(f.bytes(0, 64))
    expect(f.bytes(10, 6)).toEqual(f.bytes(0, 16).subarray(10))
    expect(f.bytes(f.size - 2, 100)).toHaveLength(2)
  })

  it('downloads the 3 MiB+ file in 1 MiB parts: every byte matches, the tail is short, past the end is empty', async () => {
    const f = fileOn(2)
    expect(f.size).toBeGreaterThan(3 * MIB)
    const parts: Uint8Array[] = []
    for (let off = 0; off < f.size; off += MIB) parts.push(await read(2, f, off, MIB))
    expect(parts.map((p) => p.length)).toEqual([MIB, MIB, MIB, f.size - 3 * MIB])
    expect(Buffer.concat(parts).equals(Buffer.from(f.bytes(0, f.size)))).toBe(true)
    expect(await read(2, f, 4 * MIB, 4 * KIB)).toHaveLength(0)
    expect(cluster.dc(2).executions.byArgument.get(`upload.getFile:${(f.location as Api.inputDocumentFileLocation).id}:${2 * MIB}`)).toBe(1)
  })

  it('reads every file on its home DC and answers 303 FILE_MIGRATE_X everywhere else', async () => {
    for (const f of TEST_FILES) {
      const got = await read(f.homeDc, f, 0, 64 * KIB)
      expect(Buffer.from(got).equals(Buffer.from(f.bytes(0, 64 * KIB)))).toBe(true)
      for (const dc of [1, 2, 3, 4, 5].filter((d) => d !== f.homeDc)) {
        const e = await rpcError(on(dc).conn.call(getFile(f.location, 0, 64 * KIB)))
        expect([e.code, e.text]).toEqual([303, `FILE_MIGRATE_${f.homeDc}`])
        expect(e.migrate).toEqual({ kind: 'FILE', dcId: f.homeDc })
      }
    }
  })

  it("enforces Telegram's offset/limit rules (4 KiB alignment, 1 MiB divisible by limit, no 1 MiB crossing)", async () => {
    const f = fileOn(2)
    const c = on(2).conn
    const err = async (offset: number, limit: number, precise = false): Promise<string> => (await rpcError(c.call(getFile(f.location, offset, limit, precise)))).text
    expect(await err(1000, 4 * KIB)).toBe('OFFSET_INVALID')
    expect(await err(-4 * KIB, 4 * KIB)).toBe('OFFSET_INVALID')
    expect(await err(1 * KIB, 4 * KIB)).toBe('OFFSET_INVALID')
    expect(await err(0, 1000)).toBe('LIMIT_INVALID')
    expect(await err(0, 0)).toBe('LIMIT_INVALID')
    expect(await err(0, 12 * KIB)).toBe('LIMIT_INVALID')
    expect(await err(0, 2 * MIB)).toBe('LIMIT_INVALID')
    expect(await err(MIB - 4 * KIB, 8 * KIB)).toBe('LIMIT_INVALID')
    // Allowed: any 4 KiB-aligned offset with a power-of-two limit inside one 1 MiB window.
    expect(await read(2, f, MIB - 4 * KIB, 4 * KIB)).toEqual(f.bytes(MIB - 4 * KIB, 4 * KIB))
    expect(await read(2, f, 512 * KIB, 512 * KIB)).toEqual(f.bytes(512 * KIB, 512 * KIB))
    expect(await read(2, f, 12 * KIB, 4 * KIB)).toEqual(f.bytes(12 * KIB, 4 * KIB))
  })

  it('with precise: 1 KiB alignment and any limit up to 1 MiB, still no 1 MiB crossing', async () => {
    const f = fileOn(2)
    const c = on(2).conn
    expect(await read(2, f, KIB, 3 * KIB, true)).toEqual(f.bytes(KIB, 3 * KIB))
    expect(await read(2, f, MIB + 5 * KIB, 7 * KIB, true)).toEqual(f.bytes(MIB + 5 * KIB, 7 * KIB))
    expect((await rpcError(c.call(getFile(f.location, 100, KIB, true)))).text).toBe('OFFSET_INVALID')
    expect((await rpcError(c.call(getFile(f.location, 0, 1000, true)))).text).toBe('LIMIT_INVALID')
    expect((await rpcError(c.call(getFile(f.location, MIB - KIB, 2 * KIB, true)))).text).toBe('LIMIT_INVALID')
  })

  it('rejects unknown files, wrong access hashes, stale file references and other location kinds', async () => {
    const f = fileOn(1)
    const loc = f.location as Api.inputDocumentFileLocation
    const c = on(1).conn
    const text = async (location: Api.InputFileLocation): Promise<string> => (await rpcError(c.call(getFile(location, 0, 4 * KIB)))).text
    expect(await text({ ...loc, id: 1n })).toBe('FILE_ID_INVALID')
    expect(await text({ ...loc, accessHash: loc.accessHash + 1n })).toBe('FILE_ID_INVALID')
    expect(await text({ ...loc, fileReference: Uint8Array.of(1) })).toBe('FILE_REFERENCE_EXPIRED')
    expect(await text({ _: 'inputPhotoFileLocation', id: loc.id, accessHash: loc.accessHash, fileReference: loc.fileReference, thumbSize: 'x' })).toBe('LOCATION_INVALID')
  })

  it('needs a logged-in key', async () => {
    const anon = await connectDc(cluster, 3)
    try {
      const e = await rpcError(anon.conn.call(init(getFile(fileOn(3).location, 0, 4 * KIB))))
      expect([e.code, e.text]).toEqual([401, 'AUTH_KEY_UNREGISTERED'])
    } finally {
      await anon.conn.close()
    }
  })
})

describe('upload.saveFilePart / upload.saveBigFilePart', { timeout: 20_000 }, () => {
  const part = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff)

  it('stores the parts of a small file per user and assembles them', async () => {
    const c = on(2).conn
    const parts = [part(128 * KIB, 1), part(128 * KIB, 2), part(1000, 3)]
    for (let i = parts.length - 1; i >= 0; i--) expect(await c.call({ _: 'upload.saveFilePart', fileId: 77n, filePart: i, bytes: parts[i] as Uint8Array })).toBe(true)
    const owner = `user:${TEST_BOTS[1]?.userId}`
    expect(cluster.dc(2).uploads.get(77n, owner)?.parts.size).toBe(3)
    expect(Buffer.from(cluster.dc(2).uploads.assembled(77n) ?? []).equals(Buffer.concat(parts))).toBe(true)
    expect(cluster.dc(2).uploads.assembled(77n, 'user:1')).toBeUndefined()
  })

  it('applies the part rules of small files', async () => {
    const c = on(2).conn
    const save = async (fileId: bigint, filePart: number, bytes: Uint8Array): Promise<string> =>
      (await rpcError(c.call({ _: 'upload.saveFilePart', fileId, filePart, bytes }))).text
    expect(await save(78n, 0, new Uint8Array(0))).toBe('FILE_PART_EMPTY')
    expect(await save(78n, 0, part(512 * KIB + KIB, 0))).toBe('FILE_PART_TOO_BIG')
    expect(await save(78n, -1, part(KIB, 0))).toBe('FILE_PART_INVALID')
    expect(await save(78n, 4000, part(KIB, 0))).toBe('FILE_PART_INVALID')
    expect(await c.call({ _: 'upload.saveFilePart', fileId: 78n, filePart: 0, bytes: part(128 * KIB, 0) })).toBe(true)
    expect(await save(78n, 1, part(64 * KIB, 0))).toBe('FILE_PART_SIZE_CHANGED')
    expect(await save(78n, 1, part(128 * KIB + 5, 0))).toBe('FILE_PART_SIZE_INVALID')
    // The largest part size is accepted.
    expect(await c.call({ _: 'upload.saveFilePart', fileId: 79n, filePart: 0, bytes: part(512 * KIB, 9) })).toBe(true)
  })

  it('stores and checks big-file parts (total parts fixed, regular sizes before the last)', async () => {
    const c = on(3).conn
    const big = (fileId: bigint, filePart: number, fileTotalParts: number, bytes: Uint8Array): Api.upload.saveBigFilePart => ({
      _: 'upload.saveBigFilePart',
      fileId,
      filePart,
      fileTotalParts,
      bytes,
    })
    const parts = [part(256 * KIB, 4), part(256 * KIB, 5), part(5, 6)]
    for (let i = 0; i < 3; i++) expect(await c.call(big(90n, i, 3, parts[i] as Uint8Array))).toBe(true)
    const stored = cluster.dc(3).uploads.get(90n)
    expect([stored?.big, stored?.totalParts]).toEqual([true, 3])
    expect(Buffer.from(cluster.dc(3).uploads.assembled(90n) ?? []).equals(Buffer.concat(parts))).toBe(true)
    const text = async (r: Api.upload.saveBigFilePart): Promise<string> => (await rpcError(c.call(r))).text
    expect(await text(big(91n, 0, 0, part(KIB, 0)))).toBe('FILE_PARTS_INVALID')
    expect(await text(big(91n, 0, 4001, part(KIB, 0)))).toBe('FILE_PARTS_INVALID')
    expect(await text(big(91n, 3, 3, part(KIB, 0)))).toBe('FILE_PART_INVALID')
    expect(await text(big(91n, 0, 3, part(KIB + 1, 0)))).toBe('FILE_PART_SIZE_INVALID')
    expect(await c.call(big(91n, 0, 3, part(4 * KIB, 0)))).toBe(true)
    expect(await text(big(91n, 1, 4, part(4 * KIB, 0)))).toBe('FILE_PARTS_INVALID')
    expect(await text(big(91n, 1, 3, part(8 * KIB, 0)))).toBe('FILE_PART_SIZE_CHANGED')
    expect(await text(big(91n, 2, 3, part(8 * KIB, 0)))).toBe('FILE_PART_SIZE_INVALID')
    expect(cluster.dc(3).uploads.assembled(91n)).toBeUndefined()
  })
})

describe('stats.getBroadcastStats', { timeout: 10_000 }, () => {
  it('answers on the stats DC, 303 STATS_MIGRATE_X elsewhere, CHANNEL_INVALID for other channels', async () => {
    const req: Api.stats.getBroadcastStats = { _: 'stats.getBroadcastStats', channel: TEST_STATS_CHANNEL.channel }
    const statsDc = TEST_STATS_CHANNEL.statsDc
    const stats = await on(statsDc).conn.call(req)
    expect(stats._).toBe('stats.broadcastStats')
    expect(stats.followers).toEqual({ _: 'statsAbsValueAndPrev', current: 1200, previous: 1100 })
    expect(stats.period.maxDate - stats.period.minDate).toBe(30 * 86400)
    expect(stats.growthGraph._).toBe('statsGraph')
    for (const dc of [1, 2, 3, 4, 5].filter((d) => d !== statsDc)) {
      const e = await rpcError(on(dc).conn.call(req))
      expect([e.code, e.text]).toEqual([303, `STATS_MIGRATE_${statsDc}`])
      expect(e.migrate).toEqual({ kind: 'STATS', dcId: statsDc })
    }
    const other = await rpcError(on(statsDc).conn.call({ _: 'stats.getBroadcastStats', channel: { _: 'inputChannel', channelId: 5n, accessHash: 1n } }))
    expect([other.code, other.text]).toEqual([400, 'CHANNEL_INVALID'])
  })
})
