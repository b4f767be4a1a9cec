import { describe, expect, it } from 'vitest'
import { FullCodec } from '../../../src/protocol/transport/full.js'
import { BufferReader, gramFull } from './peers.js'
import { catchTransport, checkEverySplit, concat, hex, str, summarize, toHex, transportFixture } from './helpers.js'

const seq = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i & 0xff)

describe('full transport', () => {
  it('matches every published full vector', () => {
    for (const v of transportFixture.full ?? []) {
      const id = String(v.id)
      if (typeof v.output === 'string') {
        const c = new FullCodec()
        for (let i = 0; i < Number(v.seq); i++) c.encode(new Uint8Array(0))
        expect(toHex(c.encode(hex(str(v, 'payload')))), id).toBe(v.output)
        const d = new FullCodec({ side: 'server' })
        for (let i = 0; i < Number(v.seq); i++) d.push(new FullCodec().encode(new Uint8Array(0)))
        expect(summarize(d.push(hex(v.output))), id).toEqual([`frame:${v.payload}`])
      } else {
        const good = new FullCodec().encode(seq(128))
        good[good.length - 1] = (good[good.length - 1] ?? 0) ^ 0xff
        const err = catchTransport(() => new FullCodec().push(good))
        expect(err.reason, id).toBe('bad-crc')
        expect(err.details).toEqual({ expected: v.expected_crc, got: v.got_crc })
      }
    }
  })

  it('round-trips client and server split at every position; seq_no counts per direction', () => {
    const client = new FullCodec()
    const server = new FullCodec({ side: 'server' })
    const payloads = [seq(0), seq(16), seq(100), seq(4)]
    const up = concat(...payloads.map((p) => client.encode(p)))
    checkEverySplit(() => new FullCodec({ side: 'server' }), up, payloads.map((p) => `frame:${toHex(p)}`))
    const down = concat(server.encode(seq(20)), server.encode(hex('6cfeffff')))
    checkEverySplit(() => new FullCodec(), down, [`frame:${toHex(seq(20))}`, 'error:-404'])
  })

  it('rejects a bad seq_no, a short length, an oversized length at the header; a negative length is an error code', () => {
    const c = new FullCodec()
    c.encode(seq(4))
    const second = c.encode(seq(4))
    const e = catchTransport(() => new FullCodec({ side: 'server' }).push(second))
    expect(e.reason).toBe('bad-seq-no')
    expect(e.details).toEqual({ expected: 0, got: 1 })
    expect(catchTransport(() => new FullCodec().push(hex('0800000000000000'))).reason).toBe('bad-length')
    const big = new FullCodec({ maxFrameSize: 100 })
    expect(catchTransport(() => big.push(hex('71000000'))).reason).toBe('frame-too-large')
    const neg = new FullCodec()
    expect(summarize(neg.push(hex('53feffff53feffff53feffff')))).toEqual(['error:-429'])
    expect(neg.push(seq(40))).toEqual([])
    expect(neg.buffered).toBe(0)
  })

  it('agrees byte for byte with GramJS', async () => {
    const ours = new FullCodec()
    const theirs = gramFull()
    const reader = new FullCodec({ side: 'server' })
    for (const n of [0, 4, 64, 1000]) {
      const a = ours.encode(seq(n))
      expect(toHex(a)).toBe(theirs.encodePacket(Buffer.from(seq(n))).toString('hex'))
      expect(summarize(reader.push(a))).toEqual([`frame:${toHex(seq(n))}`])
      const back = await gramFull().readPacket(new BufferReader(Buffer.from(a)) as never)
      expect(toHex(back)).toBe(toHex(seq(n)))
    }
  })
})
