import { describe, expect, it } from 'vitest'
import { detectTransport } from '../../../src/protocol/transport/detect.js'
import { catchTransport, hex } from './helpers.js'

describe('detectTransport', () => {
  it('recognizes each transport by its first bytes, asking for more when undecided', () => {
    expect(detectTransport(new Uint8Array(0))).toEqual({ needMore: 1 })
    expect(detectTransport(hex('ef'))).toEqual({ transport: 'abridged' })
    expect(detectTransport(hex('eeee'))).toEqual({ needMore: 2 })
    expect(detectTransport(hex('eeeeeeee'))).toEqual({ transport: 'intermediate' })
    expect(detectTransport(hex('dddddddd01'))).toEqual({ transport: 'padded' })
    expect(detectTransport(hex('28000000'))).toEqual({ needMore: 4 })
    expect(detectTransport(hex('2800000000000000'))).toEqual({ transport: 'full' })
    expect(detectTransport(hex('2800000001000000'))).toEqual({ needMore: 56 })
    expect(detectTransport(hex(`28000000010000${'00'.repeat(57)}`))).toEqual({ transport: 'obfuscated' })
    expect(detectTransport(hex('16'), { fakeTls: true })).toEqual({ needMore: 2 })
    expect(detectTransport(hex('160301'), { fakeTls: true })).toEqual({ transport: 'fake-tls' })
    // Without FakeTLS secrets, a TLS-looking start is just the first bytes of something else.
    expect(detectTransport(hex('1603010200000000'))).toEqual({ transport: 'full' })
    expect(detectTransport(hex('160302'), { fakeTls: true })).toEqual({ needMore: 1 })
  })

  it("refuses HTTP with 'unknown-transport'", () => {
    for (const word of ['HEAD', 'POST', 'GET ', 'OPTI']) {
      expect(catchTransport(() => detectTransport(new Uint8Array(Buffer.from(`${word} / HTTP/1.1`)))).reason).toBe('unknown-transport')
    }
  })
})
