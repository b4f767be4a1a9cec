/**
 * Garbage in, typed errors out: every decoder is fed seeded random chunks and must either return events or throw a
 * TransportError, never anything else, and never buffer more than one maximal frame (plus its header).
 */
import { describe, expect, it } from 'vitest'
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import { TransportError } from '../../../src/protocol/errors.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { AbridgedCodec } from '../../../src/protocol/transport/abridged.js'
import { FakeTlsClient } from '../../../src/protocol/transport/fake-tls.js'
import { createReplayCache } from '../../../src/protocol/transport/fake-tls-hello.js'
import { FullCodec } from '../../../src/protocol/transport/full.js'
import { IntermediateCodec, PaddedIntermediateCodec } from '../../../src/protocol/transport/intermediate.js'
import { parseProxySecret } from '../../../src/protocol/transport/mtproxy.js'
import { createObfuscatedClient } from '../../../src/protocol/transport/obfuscated.js'
import { ServerTransport } from '../../../src/protocol/transport/server-transport.js'
import { TlsRecordCodec } from '../../../src/protocol/transport/tls-records.js'

const crypto = createNodeCryptoProvider()
const MAX = 2048
/** Headers, inits and hellos a decoder may hold on top of one maximal frame (a FakeTLS hello or reply is the largest). */
const SLACK = 3 * (16384 + 256 + 5) + 64

interface Target {
  push(chunk: Uint8Array): unknown
  readonly buffered: number
}

const targets: Array<[string, () => Target]> = [
  ['abridged client', () => new AbridgedCodec({ marker: false, maxFrameSize: MAX })],
  ['abridged server', () => new AbridgedCodec({ side: 'server', marker: false, maxFrameSize: MAX })],
  ['intermediate client', () => new IntermediateCodec({ marker: false, maxFrameSize: MAX })],
  ['intermediate server', () => new IntermediateCodec({ side: 'server', maxFrameSize: MAX })],
  ['padded server', () => new PaddedIntermediateCodec({ side: 'server', marker: false, random: seededRandom(1), maxFrameSize: MAX })],
  ['full', () => new FullCodec({ maxFrameSize: MAX })],
  ['obfuscated client', () => createObfuscatedClient({ crypto, random: seededRandom(2), transport: 'padded', maxFrameSize: MAX })],
  ['fake-tls client', () => new FakeTlsClient({ crypto, random: seededRandom(3), secret: new Uint8Array(16), domain: 'a.b', now: 0, dcId: 1, maxFrameSize: MAX })],
  ['tls records', () => Object.assign(new TlsRecordCodec(100, false), { push: function (this: TlsRecordCodec, c: Uint8Array) { return this.unwrap(c) } })],
  ['server (DC)', () => {
    const s = new ServerTransport({ crypto, random: seededRandom(4), maxFrameSize: MAX })
    return { push: (c: Uint8Array) => s.push(c, 0), get buffered() { return s.buffered } }
  }],
  ['server (MTProxy)', () => {
    const secrets = [parseProxySecret(`ee${'11'.repeat(16)}${Buffer.from('x.org').toString('hex')}`)]
    const s = new ServerTransport({ crypto, random: seededRandom(5), secrets, maxFrameSize: MAX, replayCache: createReplayCache() })
    return { push: (c: Uint8Array) => s.push(c, 0), get buffered() { return s.buffered } }
  }],
]

describe('garbage input', () => {
  it('gives TransportError or events, with bounded buffering, for every decoder', () => {
    const rnd = seededRandom(1234)
    const size = new Uint8Array(2)
    let errors = 0
    for (const [name, make] of targets) {
      for (let round = 0; round < 40; round++) {
        const t = make()
        for (let step = 0; step < 20; step++) {
          rnd(size)
          const chunk = new Uint8Array(((size[0] ?? 0) | ((size[1] ?? 0) << 8)) % 700)
          rnd(chunk)
          // Bias some rounds towards plausible headers so decoders get past the first byte.
          if (round % 4 === 0 && step === 0 && chunk.length > 8) chunk.set([0x16, 0x03, 0x01, 0x00, 0x20, 0, 0, 0])
          try {
            t.push(chunk)
          } catch (e) {
            expect(e, name).toBeInstanceOf(TransportError)
            errors++
            break
          }
          expect(t.buffered, name).toBeLessThanOrEqual(MAX + SLACK)
        }
      }
    }
    expect(errors).toBeGreaterThan(100)
  })
})
