import { IntermediatePacketCodec, PaddedIntermediatePacketCodec } from '@mtcute/core'
import { Bytes } from '@fuman/io'
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src/protocol/random.js'
import { IntermediateCodec, PaddedIntermediateCodec } from '../../../src/protocol/transport/intermediate.js'
import { catchTransport, checkEverySplit, concat, hex, str, summarize, toHex, transportFixture } from './helpers.js'

const seq = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff)

describe('intermediate transport', () => {
  it('matches every published intermediate vector', () => {
    for (const v of transportFixture.intermediate ?? []) {
      const id = String(v.id)
      if (typeof v.payload === 'string') {
        const c = new IntermediateCodec({ marker: v.first_packet === true })
        expect(toHex(c.encode(hex(v.payload))), id).toBe(v.output)
      } else if (Array.isArray(v.chunks)) {
        const c = new IntermediateCodec({ marker: false })
        const got = (v.chunks as string[]).flatMap((ch) => summarize(c.push(hex(ch))))
        expect(got, id).toEqual((v.packets as string[]).map((p) => `frame:${p}`))
      } else if (typeof v.expect_error === 'string') {
        expect(summarize(new IntermediateCodec({ marker: false }).push(hex(str(v, 'input')))), id).toEqual(['error:-404'])
      } else {
        expect(summarize(new IntermediateCodec({ marker: false }).push(hex(str(v, 'input')))), id).toEqual([`frame:${v.output}`])
      }
    }
  })

  it('streams frames split at every position both ways, with quick acks and error codes', () => {
    const client = new IntermediateCodec()
    const payloads = [new Uint8Array(0), seq(5), seq(40), seq(300)]
    const up = concat(...payloads.map((p, i) => client.encode(p, { quickAck: i === 2 })))
    checkEverySplit(
      () => new IntermediateCodec({ side: 'server' }),
      up,
      payloads.map((p, i) => `frame:${toHex(p)}${i === 2 ? ':ack' : ''}`),
    )
    const server = new IntermediateCodec({ side: 'server', marker: false })
    const down = concat(server.encode(seq(24)), server.encodeQuickAck(0x0badcafe), server.encode(hex('b3feffff')))
    checkEverySplit(() => new IntermediateCodec({ marker: false }), down, [`frame:${toHex(seq(24))}`, 'ack:8badcafe', 'error:-333'])
  })

  it('fails an oversized length at the header and a wrong marker', () => {
    const c = new IntermediateCodec({ marker: false, maxFrameSize: 64 })
    const err = catchTransport(() => c.push(hex('41000000')))
    expect(err.reason).toBe('frame-too-large')
    expect(c.buffered).toBe(4)
    const atMax = new IntermediateCodec({ marker: false, maxFrameSize: 64 })
    expect(atMax.push(hex('40000000'))).toEqual([])
    expect(summarize(atMax.push(new Uint8Array(64)))).toEqual([`frame:${'00'.repeat(64)}`])
    expect(atMax.buffered).toBe(0)
    expect(catchTransport(() => new IntermediateCodec({ side: 'server' }).push(hex('dddddddd'))).reason).toBe('unknown-transport')
  })

  it('agrees byte for byte with mtcute', () => {
    const theirs = new IntermediatePacketCodec()
    const ours = new IntermediateCodec({ marker: false })
    for (const n of [0, 4, 5, 255, 256, 70000]) {
      const b = Bytes.alloc()
      theirs.encode(seq(n), b)
      const enc = ours.encode(seq(n))
      expect(toHex(enc)).toBe(toHex(b.result()))
      // mtcute's decoder waits for 8 bytes before reading a length (so it cannot decode a lone empty frame) and takes
      // every 4-byte frame for an error code, negative or not; compare decoding on the other sizes.
      if (n <= 4) continue
      const frame = theirs.decode(Bytes.from(enc), false)
      expect(frame && toHex(frame)).toBe(toHex(seq(n)))
    }
    expect(toHex(theirs.tag())).toBe('eeeeeeee')
  })
})

describe('padded intermediate transport', () => {
  it('matches the published vector framing (payload, then the random padding counted in the length)', () => {
    const v = (transportFixture.padded_intermediate ?? [])[0]
    if (!v) throw new Error('missing vector')
    const out = hex(str(v, 'output'))
    const padding = out.subarray(8)
    // A RandomSource that yields the padding length first, then the vector's padding bytes.
    const queue = [new Uint8Array([padding.length]), padding]
    const c = new PaddedIntermediateCodec({ marker: false, random: (b) => b.set(queue.shift()?.subarray(0, b.length) ?? []) })
    expect(toHex(c.encode(hex(str(v, 'payload'))))).toBe(str(v, 'output'))
    const marked = new PaddedIntermediateCodec({ random: seededRandom(1) }).encode(new Uint8Array(0))
    expect(toHex(marked.subarray(0, 4))).toBe(str(v, 'tag'))
  })

  it('pads 0..15 bytes, round-trips split at every position, and returns the padding with the payload', () => {
    const client = new PaddedIntermediateCodec({ random: seededRandom(3) })
    const payloads = [seq(8), seq(16), seq(0), seq(33)]
    const frames = payloads.map((p) => client.encode(p))
    const pads = new Set<number>()
    const expected = frames.map((f, i) => {
      const body = i === 0 ? f.subarray(8) : f.subarray(4)
      const p = payloads[i] ?? new Uint8Array(0)
      pads.add(body.length - p.length)
      expect(toHex(body.subarray(0, p.length))).toBe(toHex(p))
      return `frame:${toHex(body)}`
    })
    for (const pad of pads) expect(pad).toBeLessThanOrEqual(15)
    checkEverySplit(() => new PaddedIntermediateCodec({ side: 'server', random: seededRandom(9) }), concat(...frames), expected)
  })

  it('treats a 4-byte frame holding a negative int32 as an error code and agrees with mtcute', () => {
    const paddedServer = new PaddedIntermediateCodec({ side: 'server', marker: false, random: seededRandom(1) })
    expect(toHex(paddedServer.encodeErrorCode(-429))).toBe('0400000053feffff')
    expect(summarize(new PaddedIntermediateCodec({ marker: false, random: seededRandom(1) }).push(hex('0400000053feffff')))).toEqual([
      'error:-429',
    ])
    const theirs = new PaddedIntermediatePacketCodec()
    theirs.setup?.({ randomFill: (b: Uint8Array) => b.fill(0x5a) } as never)
    const b = Bytes.alloc()
    theirs.encode(seq(20), b)
    const wire = b.result()
    const ours = new PaddedIntermediateCodec({ marker: false, random: seededRandom(1) })
    const got = ours.push(wire)
    expect(got.length).toBe(1)
    const f = got[0]
    expect(f?.type === 'frame' && toHex(f.payload)).toBe(toHex(wire.subarray(4)))
    expect(toHex(theirs.decode(Bytes.from(new PaddedIntermediateCodec({ marker: false, random: seededRandom(5) }).encode(seq(20))), false)?.subarray(0, 20) ?? new Uint8Array(0))).toBe(toHex(seq(20)))
  })
})
