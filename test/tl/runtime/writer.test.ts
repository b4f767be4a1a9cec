import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { TlWriter, serializeObject, sizeBytesLen, sizeOf, sizeString, utf8Length } from '../../../src/tl/index.js'
import type { TlObject } from '../../../src/tl/runtime/registry.js'

describe('TlWriter', () => {
  it('writes ints and longs little-endian, unsigned longs as the same bits', () => {
    const w = new TlWriter(20)
    w.int(0x01020304)
    w.long(-2n)
    w.long(2n ** 64n - 2n)
    expect(Buffer.from(w.buf).toString('hex')).toBe('04030201feffffffffffffff' + 'feffffffffffffff')
  })

  it('rejects longs outside 64 bits and wrong-size int128/int256', () => {
    expect(() => new TlWriter(8).long(2n ** 64n)).toThrow(ArgumentError)
    expect(() => new TlWriter(8).long(-(2n ** 63n) - 1n)).toThrow(ArgumentError)
    expect(() => new TlWriter(32).int128(new Uint8Array(15))).toThrow(ArgumentError)
    expect(() => new TlWriter(32).int256(new Uint8Array(31))).toThrow(ArgumentError)
  })

  it('sizes strings by UTF-8 length, at the 253/254 header boundary', () => {
    expect(utf8Length('aé✓😀')).toBe(1 + 2 + 3 + 4)
    expect(utf8Length('\ud800x')).toBe(3 + 1)
    expect(sizeBytesLen(253)).toBe(256)
    expect(sizeBytesLen(254)).toBe(260)
    for (const s of ['a'.repeat(253), 'a'.repeat(254), 'é'.repeat(127), '✓'.repeat(84), '✓'.repeat(85), 'x'.repeat(300)]) {
      const w = new TlWriter(sizeString(s))
      w.string(s)
      expect(w.pos).toBe(w.buf.length)
      expect(Buffer.from(w.buf).toString('utf8')).toContain(s)
    }
  })

  it('small messages are distinct, non-overlapping slab views; big ones own their buffer', () => {
    const a = serializeObject({ _: 'ping', pingId: 1n } as TlObject)
    const b = serializeObject({ _: 'ping', pingId: 2n } as TlObject)
    expect(a).not.toEqual(b)
    if (a.buffer === b.buffer) expect(a.byteOffset + a.length).toBeLessThanOrEqual(b.byteOffset)
    const big = serializeObject({ _: 'help.saveAppLog', events: [] } as unknown as TlObject)
    expect(big.length).toBe(8 + 4)
    const huge = serializeObject({ _: 'rpc_error', errorCode: 1, errorMessage: 'x'.repeat(20000) } as TlObject)
    expect(huge.buffer.byteLength).toBe(huge.length)
  })

  it('zero-pads bytes', () => {
    const w = new TlWriter(new Uint8Array(8).fill(0xee))
    w.bytes(new Uint8Array([1, 2]))
    expect(Array.from(w.buf.subarray(0, 4))).toEqual([2, 1, 2, 0])
  })
})

describe('serializeObject', () => {
  it('computes flags from present fields and writes one exactly sized buffer', () => {
    const req = {
      _: 'messages.sendMessage',
      silent: true,
      peer: { _: 'inputPeerSelf' },
      message: 'hi',
      randomId: 7n,
      scheduleDate: 100,
    } as TlObject
    const b = serializeObject(req)
    expect(b.length).toBe(sizeOf(req))
    const own = serializeObject(req, { ownBuffer: true })
    expect(own.buffer.byteLength).toBe(b.length)
    expect(own).toEqual(b)
    // flags: silent (bit 5) + schedule_date (bit 10)
    expect(Buffer.from(b).readUInt32LE(4)).toBe((1 << 5) | (1 << 10))
  })

  it('throws ArgumentError for unknown names, missing and mistyped fields', () => {
    expect(() => serializeObject({ _: 'noSuchThing' } as TlObject)).toThrow(ArgumentError)
    expect(() => serializeObject({ _: 'inputPeerUser', userId: 1n } as TlObject)).toThrow(ArgumentError)
    expect(() => serializeObject({ _: 'inputPeerUser', userId: 1, accessHash: 2n } as unknown as TlObject)).toThrow(
      ArgumentError,
    )
    expect(() => serializeObject({ _: 'messages.sendMessage', peer: { _: 'inputPeerSelf' } } as TlObject)).toThrow(
      ArgumentError,
    )
    // views and forwards share flags.10: giving only one is inconsistent
    const msg = {
      _: 'message',
      id: 1,
      peerId: { _: 'peerUser', userId: 1n },
      date: 0,
      message: '',
      views: 5,
    } as TlObject
    expect(() => serializeObject(msg)).toThrow(ArgumentError)
  })
})
