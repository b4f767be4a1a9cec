import { Bytes } from '@fuman/io'
import { IntermediatePacketCodec, ObfuscatedPacketCodec, PaddedIntermediatePacketCodec } from '@mtcute/core'
import { NodeCryptoProvider } from '@mtcute/node/utils.js'
import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { AbridgedCodec } from '../../../src/protocol/transport/abridged.js'
import {
  buildObfuscatedInit,
  createObfuscatedClient,
  createObfuscatedInit,
  createObfuscatedServer,
  dcIdField,
  deriveObfuscatedKeys,
  isForbiddenInit,
  type ObfuscatedTransport,
  parseObfuscatedInit,
} from '../../../src/protocol/transport/obfuscated.js'
import { ConnectionTCPObfuscated } from './peers.js'
import { catchTransport, checkEverySplit, concat, hex, str, summarize, toHex, transportFixture } from './helpers.js'

const crypto = createNodeCryptoProvider()
const vectors = transportFixture.obfuscated2 ?? []
const seq = (n: number, k = 1): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * k + 3) & 0xff)

/** A fixed RandomSource returning `bytes` on the first call (then zeros). */
const once = (bytes: Uint8Array) => {
  let used = false
  return (out: Uint8Array): void => {
    out.set(used ? new Uint8Array(out.length) : bytes.subarray(0, out.length))
    used = true
  }
}

describe('obfuscated2 init and keys', () => {
  it('reproduces every published init payload (with and without MTProxy dc/secret)', () => {
    for (const v of vectors) {
      if (typeof v.expected_init_payload !== 'string' && typeof v.init_payload !== 'string') continue
      const secret = typeof v.mtproxy_secret === 'string' ? hex(v.mtproxy_secret) : undefined
      const { init } = buildObfuscatedInit(hex(str(v, 'random')), {
        crypto,
        transport: 'intermediate',
        ...(typeof v.dc_id_field === 'number' ? { dcId: v.dc_id_field } : {}),
        ...(secret ? { secret } : {}),
      })
      expect(toHex(init), String(v.id)).toBe(v.expected_init_payload ?? v.init_payload)
      const parsed = parseObfuscatedInit(init, { crypto, ...(secret ? { secrets: [secret] } : {}) })
      expect(parsed.transport).toBe('intermediate')
      if (typeof v.dc_id_field === 'number') expect(parsed.dcId).toBe(v.dc_id_field)
    }
  })

  it('derives the published keys, plain and with an MTProxy secret', () => {
    for (const v of vectors) {
      if (typeof v.encrypt_key !== 'string') continue
      const random = hex(str(v, 'random'))
      const keys = deriveObfuscatedKeys(random, crypto, typeof v.mtproxy_secret === 'string' ? hex(v.mtproxy_secret) : undefined)
      expect(toHex(keys.encryptKey), String(v.id)).toBe(v.encrypt_key)
      expect(toHex(keys.encryptIv)).toBe(v.encrypt_iv)
      expect(toHex(keys.decryptKey)).toBe(v.decrypt_key)
      expect(toHex(keys.decryptIv)).toBe(v.decrypt_iv)
    }
  })

  it('encrypts and decrypts the published session stream', () => {
    const v = vectors.find((x) => Array.isArray(x.client_sends))
    if (!v) throw new Error('missing session vector')
    const random = hex(str(v, 'random'))
    const codec = createObfuscatedClient({ crypto, random: once(random), transport: 'intermediate' })
    const sends = v.client_sends as Array<{ payload: string; on_wire: string }>
    sends.forEach((s, i) => {
      const out = codec.encode(hex(s.payload))
      expect(toHex(i === 0 ? out.subarray(64) : out)).toBe(s.on_wire)
      if (i === 0) expect(toHex(out.subarray(0, 64))).toBe(v.init_payload)
    })
    const recv = v.server_sends as Array<{ on_wire: string; decrypted: string }>
    for (const r of recv) expect(summarize(codec.push(hex(r.on_wire)))).toEqual(['error:-404'])
  })

  it('re-draws forbidden random bytes and rejects bad inputs with typed errors', () => {
    const forbidden = [hex('ef'.padEnd(128, '1')), hex(`48454144${'11'.repeat(60)}`), hex(`16030102${'11'.repeat(60)}`), hex(`11111111${'00'.repeat(4)}${'11'.repeat(56)}`)]
    for (const f of forbidden) expect(isForbiddenInit(f)).toBe(true)
    const ok = hex('22'.repeat(64))
    const calls = [...forbidden, ok]
    const { init } = createObfuscatedInit((out) => out.set(calls.shift() ?? ok), { crypto, transport: 'abridged' })
    expect(calls.length).toBe(0)
    expect(toHex(init.subarray(0, 56))).toBe('22'.repeat(56))
    expect(() => buildObfuscatedInit(forbidden[0] ?? ok, { crypto, transport: 'abridged' })).toThrow(ArgumentError)
    expect(catchTransport(() => parseObfuscatedInit(hex('22'.repeat(64)), { crypto })).reason).toBe('bad-init')
    expect(catchTransport(() => parseObfuscatedInit(hex('22'.repeat(63)), { crypto })).reason).toBe('bad-init')
    expect(catchTransport(() => buildObfuscatedInit(ok, { crypto, transport: 'padded', secret: new Uint8Array(15) })).reason).toBe('bad-secret')
    expect([dcIdField(2), dcIdField(2, { test: true }), dcIdField(4, { media: true }), dcIdField(1, { test: true, media: true })]).toEqual([
      2, 10002, -4, -10001,
    ])
    expect(() => dcIdField(0)).toThrow(ArgumentError)
    const withSecret = buildObfuscatedInit(ok, { crypto, transport: 'padded', secret: seq(16), dcId: 3 }).init
    expect(catchTransport(() => parseObfuscatedInit(withSecret, { crypto, secrets: [seq(16, 5)] })).reason).toBe('bad-init')
    expect(parseObfuscatedInit(withSecret, { crypto, secrets: [seq(16, 5), seq(16)] }).secretIndex).toBe(1)
  })
})

describe('AES-256-CTR stream under obfuscated2', () => {
  it('matches the generic streaming AES-256-CTR vectors through the CryptoProvider', () => {
    for (const v of transportFixture.aes_ctr ?? []) {
      const ctr = crypto.createAesCtr(hex(str(v, 'key')), hex(str(v, 'iv')))
      if (Array.isArray(v.outputs)) {
        for (const out of v.outputs as string[]) expect(toHex(ctr.process(hex(str(v, 'block')))), String(v.id)).toBe(out)
      } else {
        for (const c of v.chunks as Array<{ plaintext_ascii: string; ciphertext: string }>) {
          expect(toHex(ctr.process(new Uint8Array(Buffer.from(c.plaintext_ascii)))), String(v.id)).toBe(c.ciphertext)
        }
      }
    }
  })
})

describe('obfuscated2 codecs', () => {
  for (const transport of ['abridged', 'intermediate', 'padded'] as ObfuscatedTransport[]) {
    it(`${transport}: client and server round-trip split at every position (plain and MTProxy)`, () => {
      for (const secret of [undefined, seq(16, 7)]) {
        const client = createObfuscatedClient({ crypto, random: seededRandom(11), transport, dcId: 2, ...(secret ? { secret } : {}) })
        const payloads = [seq(8), seq(0), seq(400)]
        const up = concat(...payloads.map((p) => client.encode(p)))
        const init = up.subarray(0, 64)
        const makeServer = () => {
          const parsed = parseObfuscatedInit(init, { crypto, ...(secret ? { secrets: [secret] } : {}) })
          expect(parsed.transport).toBe(transport)
          expect(parsed.dcId).toBe(2)
          return createObfuscatedServer(parsed, { random: seededRandom(12) })
        }
        const server = makeServer()
        const events = server.push(up.subarray(64))
        expect(events.length).toBe(3)
        const expected = summarize(events)
        events.forEach((e, i) => {
          const p = payloads[i] ?? new Uint8Array(0)
          expect(e.type === 'frame' && toHex(e.payload.subarray(0, p.length))).toBe(toHex(p))
        })
        checkEverySplit(makeServer, up.subarray(64), expected)
        const down = concat(server.encode(seq(12)), server.encodeQuickAck(0x42), server.encodeErrorCode(-404))
        const got = summarize(client.push(down))
        expect(got[1]).toBe('ack:80000042')
        expect(got[2]).toBe('error:-404')
      }
    })
  }
})

describe('obfuscated2 agrees with mtcute and GramJS', () => {
  class SeededMtcuteCrypto extends NodeCryptoProvider {
    constructor(readonly source: (out: Uint8Array) => void) {
      super()
    }
    override randomFill(buf: Uint8Array): void {
      this.source(buf)
    }
  }

  it('mtcute builds the same init from the same random bytes; each side decodes the other (plain, dd and MTProxy dc)', async () => {
    for (const [i, mode] of (['plain', 'padded-proxy', 'proxy'] as const).entries()) {
      const secret = seq(16, i + 3)
      const proxy = mode === 'plain' ? undefined : { dcId: 4, media: true, test: false, secret }
      const padded = mode === 'padded-proxy'
      const theirs = new ObfuscatedPacketCodec(padded ? new PaddedIntermediatePacketCodec() : new IntermediatePacketCodec(), proxy)
      theirs.setup(new SeededMtcuteCrypto(seededRandom(100 + i)) as never, undefined as never)
      const theirInit = await theirs.tag()
      const ours = buildObfuscatedInit(
        (() => {
          const b = new Uint8Array(64)
          const r = seededRandom(100 + i)
          do r(b)
          while (isForbiddenInit(b))
          return b
        })(),
        { crypto, transport: padded ? 'padded' : 'intermediate', ...(proxy ? { dcId: -4, secret } : {}) },
      )
      expect(toHex(ours.init), mode).toBe(toHex(theirInit))
      const parsed = parseObfuscatedInit(theirInit, { crypto, ...(proxy ? { secrets: [secret] } : {}) })
      expect(parsed.transport).toBe(padded ? 'padded' : 'intermediate')
      const server = createObfuscatedServer(parsed, { random: seededRandom(1) })
      const wire = Bytes.alloc()
      await theirs.encode(seq(40), wire)
      const ev = server.push(wire.result())
      expect(ev.length).toBe(1)
      expect(ev[0]?.type === 'frame' && toHex(ev[0].payload.subarray(0, 40))).toBe(toHex(seq(40)))
      const back = await theirs.decode(Bytes.from(server.encode(seq(64, 3))), false)
      expect(back && toHex(back.subarray(0, 64))).toBe(toHex(seq(64, 3)))
    }
  })

  it("our server parses GramJS's obfuscated abridged init and both directions decode", async () => {
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
    const conn = new ConnectionTCPObfuscated({ ip: '127.0.0.1', port: 1, dcId: 2, loggers: undefined as never, proxy: undefined, socket: FakeSocket as never, testServers: false })
    const c = conn as unknown as {
      ObfuscatedIO: new (c: unknown) => { initHeader(): Promise<void>; header: Buffer; write(b: Buffer): void; read(n: number): Promise<Buffer> }
      _codec: { encodePacket(b: Buffer): Buffer; readPacket(r: unknown): Promise<Buffer> }
      PacketCodecClass: new (c: unknown) => { encodePacket(b: Buffer): Buffer; readPacket(r: unknown): Promise<Buffer> }
    }
    const io = new c.ObfuscatedIO(conn)
    await io.initHeader()
    const parsed = parseObfuscatedInit(new Uint8Array(io.header), { crypto })
    expect(parsed.transport).toBe('abridged')
    const server = createObfuscatedServer(parsed, { random: seededRandom(1) })
    const codec = new c.PacketCodecClass(conn)
    io.write(codec.encodePacket(Buffer.from(seq(120))))
    expect(summarize(server.push(new Uint8Array(Buffer.concat(written))))).toEqual([`frame:${toHex(seq(120))}`])
    incoming = Buffer.from(server.encode(seq(1024, 5)))
    const back = await codec.readPacket(io)
    expect(toHex(back)).toBe(toHex(seq(1024, 5)))
    expect(new AbridgedCodec().transport).toBe('abridged')
  })
})
