import { describe, expect, it } from 'vitest'
import { CHANGE_CIPHER_SPEC, CLIENT_RECORD_SIZE, TlsRecordCodec } from '../../../src/protocol/transport/tls-records.js'
import { catchTransport, concat, hex, toHex } from './helpers.js'

const seq = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 13) & 0xff)

describe('TlsRecordCodec', () => {
  it('splits into application-data records, the first preceded by change_cipher_spec, and joins them back', () => {
    const w = new TlsRecordCodec(CLIENT_RECORD_SIZE, true)
    const data = seq(CLIENT_RECORD_SIZE * 2 + 10)
    const wire = w.wrap(data)
    expect(toHex(wire.subarray(0, 6))).toBe(toHex(CHANGE_CIPHER_SPEC))
    expect(toHex(wire.subarray(6, 11))).toBe('1703030b3e')
    expect(wire.length).toBe(6 + 3 * 5 + data.length)
    expect(toHex(w.wrap(seq(3)))).toBe(`1703030003${toHex(seq(3))}`)
    expect(w.wrap(new Uint8Array(0)).length).toBe(0)
    for (let cut = 0; cut <= wire.length; cut += 101) {
      const r = new TlsRecordCodec(16384, false)
      expect(toHex(concat(...r.unwrap(wire.subarray(0, cut)), ...r.unwrap(wire.subarray(cut))))).toBe(toHex(data))
    }
  })

  it("rejects foreign record types, oversized records and bad change_cipher_spec with 'bad-tls'", () => {
    expect(catchTransport(() => new TlsRecordCodec(100, false).unwrap(hex('1603030001'))).reason).toBe('bad-tls')
    expect(catchTransport(() => new TlsRecordCodec(100, false).unwrap(hex('1703034101'))).reason).toBe('bad-tls')
    expect(catchTransport(() => new TlsRecordCodec(100, false).unwrap(hex('140303000102'))).reason).toBe('bad-tls')
    expect(catchTransport(() => new TlsRecordCodec(100, false).unwrap(hex('1703010001'))).reason).toBe('bad-tls')
  })
})
