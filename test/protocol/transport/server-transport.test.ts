import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { AbridgedCodec } from '../../../src/protocol/transport/abridged.js'
import type { FramingCodec } from '../../../src/protocol/transport/codec.js'
import { FullCodec } from '../../../src/protocol/transport/full.js'
import { IntermediateCodec, PaddedIntermediateCodec } from '../../../src/protocol/transport/intermediate.js'
import { parseProxySecret } from '../../../src/protocol/transport/mtproxy.js'
import { createObfuscatedClient } from '../../../src/protocol/transport/obfuscated.js'
import { type ServerEvent, ServerTransport } from '../../../src/protocol/transport/server-transport.js'
import { ConnectionTCPMTProxyAbridged } from './peers.js'
import { catchTransport, concat, summarize, toHex } from './helpers.js'

const crypto = createNodeCryptoProvider()
const seq = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 5 + 2) & 0xff)
const only = (ev: ServerEvent[]) => summarize(ev.filter((e) => e.type === 'frame' || e.type === 'error' || e.type === 'quick-ack') as never)

describe('ServerTransport (DC mode)', () => {
  const clients: Array<[string, () => FramingCodec]> = [
    ['abridged', () => new AbridgedCodec()],
    ['intermediate', () => new IntermediateCodec()],
    ['padded', () => new PaddedIntermediateCodec({ random: seededRandom(4) })],
    ['full', () => new FullCodec()],
  ]
  for (const [name, make] of clients) {
    it(`detects ${name} and answers in kind, whatever the chunking`, () => {
      const client = make()
      const up = concat(client.encode(seq(16)), client.encode(seq(200)))
      for (const cut of [0, 1, 2, 3, 4, 5, 7, 8, 9, 30, up.length]) {
        const server = new ServerTransport({ crypto, random: seededRandom(1) })
        const ev = [...server.push(up.subarray(0, cut), 0), ...server.push(up.subarray(cut), 0)]
        expect(ev[0]).toEqual({ type: 'detected', transport: name })
        const frames = only(ev)
        expect(frames.length).toBe(2)
        expect(frames[1]?.startsWith(`frame:${toHex(seq(200))}`)).toBe(true)
        if (cut === up.length) {
          const back = summarize(client.push(concat(server.encode(seq(12)), server.encodeErrorCode(-404))))
          expect(back[0]?.startsWith(`frame:${toHex(seq(12))}`)).toBe(true)
          expect(back[1]).toBe('error:-404')
          if (name === 'full') expect(() => server.encodeQuickAck(1)).toThrow(ArgumentError)
          else expect(summarize(client.push(server.encodeQuickAck(5)))).toEqual(['ack:80000005'])
        }
      }
    })
  }

  it('detects obfuscated2 and refuses to send before detection', () => {
    const client = createObfuscatedClient({ crypto, random: seededRandom(8), transport: 'abridged', dcId: 3 })
    const server = new ServerTransport({ crypto, random: seededRandom(1) })
    expect(() => server.encode(seq(4))).toThrow(ArgumentError)
    const up = client.encode(seq(20))
    expect(server.push(up.subarray(0, 63), 0)).toEqual([])
    const ev = server.push(up.subarray(63), 0)
    expect(ev[0]).toEqual({ type: 'detected', transport: 'obfuscated', inner: 'abridged', dcId: 3 })
    expect(only(ev)).toEqual([`frame:${toHex(seq(20))}`])
    expect(summarize(client.push(server.encode(seq(8))))).toEqual([`frame:${toHex(seq(8))}`])
  })
})

describe('ServerTransport (MTProxy mode)', () => {
  const plain = parseProxySecret('00112233445566778899aabbccddeeff')
  const dd = parseProxySecret('dd0f0e0d0c0b0a09080706050403020100')

  it('accepts obfuscated2 keyed by a secret (any tag, as MTProxy does), refuses plain transports', () => {
    const secrets = [plain, dd]
    const ok = createObfuscatedClient({ crypto, random: seededRandom(1), transport: 'intermediate', dcId: 2, secret: plain.key })
    const s = new ServerTransport({ crypto, random: seededRandom(2), secrets })
    expect(s.push(ok.encode(seq(8)), 0)[0]).toEqual({ type: 'detected', transport: 'obfuscated', inner: 'intermediate', dcId: 2, secretIndex: 0 })
    const ddOk = createObfuscatedClient({ crypto, random: seededRandom(3), transport: 'padded', dcId: 2, secret: dd.key })
    expect(new ServerTransport({ crypto, random: seededRandom(2), secrets }).push(ddOk.encode(seq(8)), 0)[0]).toMatchObject({ secretIndex: 1 })
    const ddAbridged = createObfuscatedClient({ crypto, random: seededRandom(3), transport: 'abridged', dcId: 2, secret: dd.key })
    expect(new ServerTransport({ crypto, random: seededRandom(2), secrets }).push(ddAbridged.encode(seq(8)), 0)[0]).toMatchObject({
      inner: 'abridged',
      secretIndex: 1,
    })
    const noSecret = createObfuscatedClient({ crypto, random: seededRandom(3), transport: 'abridged', dcId: 2 })
    expect(catchTransport(() => new ServerTransport({ crypto, random: seededRandom(2), secrets }).push(noSecret.encode(seq(8)), 0)).reason).toBe('bad-init')
    expect(catchTransport(() => new ServerTransport({ crypto, random: seededRandom(2), secrets }).push(new AbridgedCodec().encode(seq(8)), 0)).reason).toBe(
      'unknown-transport',
    )
  })

  it("accepts GramJS's MTProxy (abridged) connection with plain and dd secrets", async () => {
    for (const [i, text] of ['00112233445566778899aabbccddeeff', 'dd0f0e0d0c0b0a09080706050403020100'].entries()) {
      const written: Buffer[] = []
      let incoming = Buffer.alloc(0)
      class FakeSocket {
        write(b: Buffer): void {
          written.push(b)
        }
        async readExactly(n: number): Promise<Buffer> {
          const out = incoming.subarray(0, n)
          incoming = incoming.subarray(n)
          return out
        }
      }
      const conn = new ConnectionTCPMTProxyAbridged({
        ip: '', port: 0, dcId: 4, loggers: undefined as never, testServers: false, socket: FakeSocket as never,
        proxy: { ip: '127.0.0.1', port: 443, MTProxy: true, secret: text } as never,
      })
      const c = conn as unknown as {
        ObfuscatedIO: new (c: unknown) => { initHeader(): Promise<void>; header: Buffer; write(b: Buffer): void; read(n: number): Promise<Buffer> }
        PacketCodecClass: new (c: unknown) => { encodePacket(b: Buffer): Buffer; readPacket(r: unknown): Promise<Buffer> }
      }
      const io = new c.ObfuscatedIO(conn)
      await io.initHeader()
      const codec = new c.PacketCodecClass(conn)
      io.write(codec.encodePacket(Buffer.from(seq(96))))
      const server = new ServerTransport({ crypto, random: seededRandom(2), secrets: [plain, dd] })
      const ev = server.push(new Uint8Array(Buffer.concat([io.header, ...written])), 0)
      expect(ev[0]).toEqual({ type: 'detected', transport: 'obfuscated', inner: 'abridged', dcId: 4, secretIndex: i })
      expect(only(ev)).toEqual([`frame:${toHex(seq(96))}`])
      incoming = Buffer.from(server.encode(seq(40)))
      expect(toHex(await codec.readPacket(io))).toBe(toHex(seq(40)))
    }
  })
})
