import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { AbridgedCodec } from '../../../src/protocol/transport/abridged.js'
import { BufferReader, gramAbridged } from './peers.js'
import { catchTransport, checkEverySplit, concat, hex, str, summarize, toHex, transportFixture } from './helpers.js'

const seq = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i & 0xff)

describe('abridged transport', () => {
  it('matches every published abridged vector', () => {
    for (const v of transportFixture.abridged ?? []) {
      if (typeof v.output === 'string') {
        expect(toHex(new AbridgedCodec().encode(hex(str(v, 'payload')))), String(v.id)).toBe(v.output)
      } else if (typeof v.output_prefix === 'string') {
        const out = new AbridgedCodec().encode(seq(Number(v.payload_len)))
        expect(toHex(out.subarray(0, 5)), String(v.id)).toBe(v.output_prefix)
        expect(out.length).toBe(4 + 1 + Number(v.payload_len))
      } else {
        const events = new AbridgedCodec({ marker: false }).push(hex(str(v, 'input')))
        expect(summarize(events), String(v.id)).toEqual(['error:-404'])
        const e = events[0]
        expect(e?.type === 'error' && e.error.reason).toBe('server-error-code')
      }
    }
  })

  it('decodes several frames split at every byte position, client and server side', () => {
    const payloads = [new Uint8Array(0), seq(8), seq(127 * 4), seq(126 * 4), seq(1024)]
    const client = new AbridgedCodec()
    const server = new AbridgedCodec({ side: 'server' })
    const up = concat(...payloads.map((p, i) => client.encode(p, { quickAck: i === 1 })))
    const expected = payloads.map((p, i) => `frame:${toHex(p)}${i === 1 ? ':ack' : ''}`)
    checkEverySplit(() => new AbridgedCodec({ side: 'server' }), up, expected)
    const down = concat(server.encode(seq(12)), server.encodeQuickAck(0x1234abcd), server.encode(hex('6cfeffff')), server.encode(seq(600)))
    checkEverySplit(() => new AbridgedCodec({ marker: false }), down, [
      `frame:${toHex(seq(12))}`,
      'ack:9234abcd',
      'error:-404',
      `frame:${toHex(seq(600))}`,
    ])
  })

  it('rejects an oversized length at the header, before buffering the body', () => {
    const c = new AbridgedCodec({ side: 'server', maxFrameSize: 1024 })
    const err = catchTransport(() => c.push(hex('ef7f010100')))
    expect(err.reason).toBe('frame-too-large')
    expect(err.details).toMatchObject({ size: 0x101 * 4, max: 1024 })
    expect(new AbridgedCodec({ side: 'server', maxFrameSize: 1024 }).push(hex('ef7f000100'))).toEqual([])
  })

  it('rejects a stream without the marker, an overlong length and bad arguments', () => {
    expect(catchTransport(() => new AbridgedCodec({ marker: false }).push(hex('7f7e0000'))).reason).toBe('bad-length')
    expect(catchTransport(() => new AbridgedCodec({ side: 'server' }).push(hex('01000000'))).reason).toBe('unknown-transport')
    expect(() => new AbridgedCodec().encode(new Uint8Array(3))).toThrow(ArgumentError)
    expect(() => new AbridgedCodec({ maxFrameSize: -1 })).toThrow(ArgumentError)
  })

  it('agrees byte for byte with GramJS', async () => {
    const ours = new AbridgedCodec({ marker: false })
    const theirs = gramAbridged()
    for (const n of [0, 4, 500, 504, 508, 512, 4096]) {
      const p = seq(n)
      const a = ours.encode(p)
      expect(toHex(a)).toBe(theirs.encodePacket(Buffer.from(p)).toString('hex'))
      const back = await theirs.readPacket(new BufferReader(Buffer.from(a)) as never)
      expect(toHex(back)).toBe(toHex(p))
    }
  })
})
