import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createObfuscatedClient, IntermediateCodec } from '../../src/protocol/transport/index.js'
import { type Cluster, startCluster, TRANSPORT_CODE } from '../../src/testing/index.js'
import { initWrap } from './helpers/mini-client.js'
import { crypto, newKey, openClient } from './helpers/setup.js'
import { seededRandom } from '../../src/protocol/random.js'

let cluster: Cluster
beforeAll(async () => {
  cluster = await startCluster({
    dcs: 2,
    limits: { maxConnections: 6, maxFrameSize: 64 * 1024, handshakeTimeoutMs: 600, frameTimeoutMs: 400 },
  })
})
afterAll(async () => {
  await cluster.close()
})

/** Opens a raw socket, writes `bytes`, and collects what comes back until the server closes it. */
function raw(bytes: Uint8Array, port = cluster.dc(1).port, ms = 3000): Promise<{ data: Uint8Array; closedMs: number }> {
  return new Promise((resolve, reject) => {
    const start = Date.now()
    const chunks: Buffer[] = []
    const s: Socket = connect({ host: '127.0.0.1', port }, () => s.write(bytes))
    const t = setTimeout(() => {
      s.destroy()
      reject(new Error('the server kept the connection open'))
    }, ms)
    s.on('data', (d: Buffer) => chunks.push(d))
    s.on('error', () => undefined)
    s.on('close', () => {
      clearTimeout(t)
      resolve({ data: new Uint8Array(Buffer.concat(chunks)), closedMs: Date.now() - start })
    })
  })
}

/** The transport error codes in an intermediate-framed reply. */
function codes(data: Uint8Array): number[] {
  const out: number[] = []
  for (const ev of new IntermediateCodec().push(data)) if (ev.type === 'error') out.push(ev.error.code ?? 0)
  return out
}

describe('hostile input', () => {
  it('closes on garbage that matches no transport', async () => {
    const r = await raw(new Uint8Array(64).fill(0x17))
    expect(r.closedMs).toBeLessThan(2000)
  })

  it('answers an oversized length prefix with -429 and closes', async () => {
    const b = new Uint8Array(8)
    new DataView(b.buffer).setUint32(0, 0xeeeeeeee, true)
    new DataView(b.buffer).setUint32(4, 16 * 1024 * 1024, true)
    expect(codes((await raw(b)).data)).toEqual([TRANSPORT_CODE.flood])
  })

  it('answers an unknown auth_key_id with -404 and closes', async () => {
    const frame = new Uint8Array(24 + 48)
    seededRandom(1)(frame)
    expect(codes((await raw(new IntermediateCodec().encode(frame))).data)).toEqual([TRANSPORT_CODE.notFound])
  })

  it('answers a forged msg_key with -404; the key and other connections keep working', async () => {
    const key = newKey()
    cluster.importAuthKey(1, key, 42n)
    const good = await openClient(cluster, { key })
    try {
      const first = good.send(initWrap({ _: 'help.getNearestDc' }))
      await good.waitResult(first)
      const bad = await openClient(cluster, { key })
      const forged = bad.cipher.encrypt(
        { salt: 42n, sessionId: 5n, msgId: bad.msgIds.next(Date.now()), seqNo: 1, body: new Uint8Array(8) },
        { sender: 'client', random: seededRandom(3) },
      )
      forged[10] = (forged[10] ?? 0) ^ 1
      bad.sendRaw(forged)
      await bad.waitClosed()
      expect(bad.transportErrors).toEqual([TRANSPORT_CODE.notFound])
      const second = good.send({ _: 'help.getNearestDc' })
      await good.waitResult(second)
    } finally {
      good.close()
    }
  })

  it('closes a connection that never authenticates (handshake deadline) and a slowloris frame', async () => {
    const idle = await raw(Uint8Array.of(0xee, 0xee, 0xee, 0xee))
    expect(idle.closedMs).toBeGreaterThanOrEqual(300)
    const c = await openClient(cluster)
    try {
      const id = c.send(initWrap({ _: 'help.getNearestDc' }))
      await c.waitResult(id)
      const partial = new Uint8Array(8)
      new DataView(partial.buffer).setUint32(0, 100, true)
      c.writeBytes(partial)
      await c.waitClosed(3000)
    } finally {
      c.close()
    }
  })

  it('refuses an MTProxy connection to an unknown DC with -444', async () => {
    const secret = cluster.proxySecrets.parsed.find((s) => s.mode === 'padded')
    const codec = createObfuscatedClient({ crypto, random: seededRandom(9), transport: 'intermediate', dcId: 42, ...(secret ? { secret: secret.key } : {}) })
    const first = codec.encode(new Uint8Array(24))
    const r = await raw(first)
    const events = codec.push(r.data)
    expect(events.map((e) => (e.type === 'error' ? e.error.code : e.type))).toEqual([TRANSPORT_CODE.badDc])
  })

  it('caps connections per DC with -429 and keeps serving the ones it accepted', async () => {
    const port = cluster.dc(2).port
    const held: Socket[] = []
    const c = await openClient(cluster, { dcId: 2 })
    try {
      for (let i = 0; i < 8; i++) {
        held.push(await new Promise<Socket>((res) => {
          const s = connect({ host: '127.0.0.1', port }, () => res(s))
          s.on('error', () => undefined)
        }))
      }
      const r = await raw(Uint8Array.of(0xee, 0xee, 0xee, 0xee, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), port)
      expect(codes(r.data)).toEqual([TRANSPORT_CODE.flood])
      const id = c.send(initWrap({ _: 'help.getNearestDc' }))
      await c.waitResult(id)
    } finally {
      for (const s of held) s.destroy()
      c.close()
    }
  })
})
