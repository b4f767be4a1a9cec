import { Bytes } from '@fuman/io'
import { BaseMtProxyTransport } from '@mtcute/core'
import { NodeCryptoProvider } from '@mtcute/node/utils.js'
import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { createReplayCache } from '../../../src/protocol/transport/fake-tls-hello.js'
import { FakeTlsClient } from '../../../src/protocol/transport/fake-tls.js'
import { parseProxySecret } from '../../../src/protocol/transport/mtproxy.js'
import { type ServerEvent, ServerTransport } from '../../../src/protocol/transport/server-transport.js'
import { catchTransport, concat, hex, summarize, toHex } from './helpers.js'

const crypto = createNodeCryptoProvider()
const key = hex('0123456789abcdef0123456789abcdef')
const domain = 'static.example.net'
const eeSecret = parseProxySecret(`ee${toHex(key)}${Buffer.from(domain).toString('hex')}`)
const NOW = 1_750_000_000
const seq = (n: number, k = 1): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * k + 1) & 0xff)

function frames(events: ServerEvent[]): string[] {
  return summarize(events.filter((e) => e.type === 'frame' || e.type === 'error' || e.type === 'quick-ack') as never)
}

describe('FakeTLS client against our MTProxy server', () => {
  it('handshakes, carries frames both ways, and survives every split of the client stream', () => {
    const client = new FakeTlsClient({ crypto, random: seededRandom(1), secret: key, domain, now: NOW, dcId: -2 })
    const up = concat(client.hello, client.encode(seq(64)), client.encode(seq(0)), client.encode(seq(5000, 3)))
    const cache = createReplayCache()
    const run = (cut: number): { server: ServerTransport; events: ServerEvent[] } => {
      const server = new ServerTransport({ crypto, random: seededRandom(2), secrets: [parseProxySecret(toHex(key)), eeSecret], replayCache: createReplayCache() })
      const events = [...server.push(up.subarray(0, cut), NOW), ...server.push(up.subarray(cut), NOW)]
      return { server, events }
    }
    const { server, events } = run(up.length)
    const detected = events.find((e) => e.type === 'detected')
    expect(detected).toMatchObject({ transport: 'fake-tls', inner: 'padded', dcId: -2, secretIndex: 1 })
    const got = frames(events)
    expect(got.length).toBe(3)
    // Padded intermediate: payloads come back with their padding.
    expect(got[0]?.startsWith(`frame:${toHex(seq(64))}`)).toBe(true)
    expect(got[2]?.startsWith(`frame:${toHex(seq(5000, 3))}`)).toBe(true)
    for (let cut = 0; cut <= up.length; cut += 97) expect(frames(run(cut).events)).toEqual(got)
    for (const cut of [1, 5, client.hello.length - 1, client.hello.length, client.hello.length + 6, client.hello.length + 11]) {
      expect(frames(run(cut).events)).toEqual(got)
    }
    const hello = events.find((e) => e.type === 'send')
    if (hello?.type !== 'send') throw new Error('no server hello')
    expect(client.ready).toBe(false)
    const down = concat(hello.data, server.encode(seq(32)), server.encodeQuickAck(7), server.encodeErrorCode(-444))
    const back: string[] = []
    for (let i = 0; i < down.length; i += 333) back.push(...summarize(client.push(down.subarray(i, i + 333))))
    expect(client.ready).toBe(true)
    expect(back[0]?.startsWith(`frame:${toHex(seq(32))}`)).toBe(true)
    expect(back.slice(1)).toEqual(['ack:80000007', 'error:-444'])
    // The same hello again is a replay when the server shares its cache.
    const s1 = new ServerTransport({ crypto, random: seededRandom(3), secrets: [eeSecret], replayCache: cache })
    s1.push(client.hello, NOW)
    const s2 = new ServerTransport({ crypto, random: seededRandom(3), secrets: [eeSecret], replayCache: cache })
    expect(catchTransport(() => s2.push(client.hello, NOW)).reason).toBe('replayed')
    expect(() => new ServerTransport({ crypto, random: seededRandom(3), secrets: [eeSecret] })).toThrow(ArgumentError)
  })

  it('rejects a server hello signed with another secret and a hello outside the time window', () => {
    const client = new FakeTlsClient({ crypto, random: seededRandom(5), secret: key, domain, now: NOW, dcId: 2 })
    const wrong = parseProxySecret(`ee${'11'.repeat(16)}${Buffer.from(domain).toString('hex')}`)
    const server = new ServerTransport({ crypto, random: seededRandom(6), secrets: [eeSecret], replayCache: createReplayCache() })
    expect(catchTransport(() => new ServerTransport({ crypto, random: seededRandom(6), secrets: [wrong], replayCache: createReplayCache() }).push(client.hello, NOW)).reason).toBe('bad-tls')
    expect(catchTransport(() => new ServerTransport({ crypto, random: seededRandom(6), secrets: [eeSecret], replayCache: createReplayCache() }).push(client.hello, NOW + 500)).reason).toBe(
      'replayed',
    )
    const ev = server.push(client.hello, NOW)
    const reply = ev.find((e) => e.type === 'send')
    if (reply?.type !== 'send') throw new Error('no reply')
    const forged = reply.data.slice()
    forged[20] = (forged[20] ?? 0) ^ 0x40
    expect(catchTransport(() => client.push(forged)).reason).toBe('bad-tls')
  })
})

describe('FakeTLS interop with mtcute', () => {
  it("mtcute's MTProxy client completes the handshake with our server and frames flow both ways", async () => {
    const server = new ServerTransport({ crypto, random: seededRandom(9), secrets: [eeSecret], replayCache: createReplayCache() })
    const toClient: Uint8Array[] = []
    const events: ServerEvent[] = []
    const conn = {
      async write(b: Uint8Array): Promise<void> {
        for (const e of server.push(b.slice(), Math.floor(Date.now() / 1000))) {
          if (e.type === 'send') toClient.push(e.data)
          else events.push(e)
        }
      },
      async read(into: Uint8Array): Promise<number> {
        const head = toClient[0]
        if (head === undefined) return 0
        const n = Math.min(into.length, head.length)
        into.set(head.subarray(0, n))
        if (n === head.length) toClient.shift()
        else toClient[0] = head.subarray(n)
        return n
      },
    }
    class LoopbackMtProxy extends BaseMtProxyTransport {
      async _connectTcp(): Promise<never> {
        return conn as never
      }
    }
    const mtcuteCrypto = new NodeCryptoProvider()
    const transport = new LoopbackMtProxy({ host: 'proxy.test', port: 443, secret: `ee${toHex(key)}${Buffer.from(domain).toString('hex')}` })
    transport.setup(mtcuteCrypto as never, { create: () => ({ debug: () => {} }) } as never)
    await transport.connect()
    expect(toClient.length).toBe(0)
    const codec = transport.packetCodec({ id: 2, ipAddress: '', port: 0, mediaOnly: true } as never)
    codec.setup?.(mtcuteCrypto as never, undefined as never)
    await codec.tag()
    const wire = Bytes.alloc()
    await codec.encode(seq(80), wire)
    await conn.write(wire.result())
    expect(events.find((e) => e.type === 'detected')).toMatchObject({ transport: 'fake-tls', inner: 'padded', dcId: -2 })
    const got = frames(events)
    expect(got.length).toBe(1)
    expect(got[0]?.startsWith(`frame:${toHex(seq(80))}`)).toBe(true)
    const back = await codec.decode(Bytes.from(server.encode(seq(48, 7))), false)
    expect(back && toHex(back.subarray(0, 48))).toBe(toHex(seq(48, 7)))
  })
})
