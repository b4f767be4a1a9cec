import { deflateSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { TlError, TlReader, TlWriter, serializeObject } from '../../../src/tl/index.js'
import type { TlObject } from '../../../src/tl/runtime/registry.js'

function bytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex.replace(/\s/g, ''), 'hex'))
}

describe('TlReader primitives', () => {
  it('reads ints, longs (both halves, sign), doubles, int128/int256', () => {
    const w = new TlWriter(4 + 8 * 5 + 8 + 16 + 32)
    w.int(-2)
    for (const v of [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 0x1234_5678_9abc_def0n]) w.long(v)
    w.double(-1.5)
    w.int128(new Uint8Array(16).fill(7))
    w.int256(new Uint8Array(32).fill(9))
    const r = new TlReader(w.buf)
    expect(r.int()).toBe(-2)
    expect([r.long(), r.long(), r.long(), r.long(), r.long()]).toEqual([
      0n,
      -1n,
      2n ** 63n - 1n,
      -(2n ** 63n),
      0x1234_5678_9abc_def0n,
    ])
    expect(r.double()).toBe(-1.5)
    expect(r.int128()).toEqual(new Uint8Array(16).fill(7))
    expect(r.int256()).toEqual(new Uint8Array(32).fill(9))
    expect(r.remaining).toBe(0)
  })

  it('reads bytes with 1-byte and 0xfe+3-byte headers and skips padding', () => {
    // 3 bytes: 03 61 62 63 (no padding); 253 bytes: fd + 253 + 2 pad; 254 bytes: fe fe 00 00 + 254 + 2 pad
    for (const len of [0, 1, 3, 4, 253, 254, 255, 1000]) {
      const payload = new Uint8Array(len).map((_, i) => i & 0xff)
      const w = new TlWriter(new Uint8Array(2000))
      w.bytes(payload)
      w.int(0x7777)
      const expectedHeader = len < 254 ? 1 : 4
      expect(w.pos - 4).toBe(Math.ceil((len + expectedHeader) / 4) * 4)
      const r = new TlReader(w.buf)
      expect(r.bytes()).toEqual(payload)
      expect(r.int()).toBe(0x7777)
    }
    expect(new TlReader(bytes('03616263')).string()).toBe('abc')
  })

  it('decodes UTF-8 strings', () => {
    const s = 'Привет, мир ✓ 😀'
    const w = new TlWriter(64)
    w.string(s)
    expect(new TlReader(w.buf).string()).toBe(s)
  })

  it('returns copies of bytes (the input may be reused)', () => {
    const input = bytes('0201020000000000')
    const got = new TlReader(input).bytes()
    input[1] = 99
    expect(got).toEqual(new Uint8Array([1, 2]))
  })

  it('reads at an offset and up to an end (a message header, then a boxed object)', () => {
    const obj = serializeObject({ _: 'inputPeerChat', chatId: 5n } as TlObject)
    const buf = new Uint8Array(8 + obj.length + 4)
    new TlWriter(buf).long(42n)
    buf.set(obj, 8)
    const r = new TlReader(buf, 0, 8 + obj.length)
    expect(r.long()).toBe(42n)
    expect(r.object()).toEqual({ _: 'inputPeerChat', chatId: 5n })
    expect(() => r.int()).toThrow(TlError)
  })

  it('rejects bad windows and raw lengths', () => {
    expect(() => new TlReader(new Uint8Array(4), -1)).toThrow(ArgumentError)
    expect(() => new TlReader(new Uint8Array(4), 5)).toThrow(ArgumentError)
    expect(() => new TlReader(new Uint8Array(4), 2, 1)).toThrow(ArgumentError)
    const r = new TlReader(new Uint8Array(4))
    expect(() => r.raw(-1)).toThrow(TlError)
    expect(() => r.raw(5)).toThrow(TlError)
    expect(r.raw(4).length).toBe(4)
  })
})

describe('gzip_packed', () => {
  const inner = serializeObject({ _: 'inputPeerChat', chatId: 77n } as TlObject)
  const wrap = (packed: Uint8Array): Uint8Array => serializeObject({ _: 'gzip_packed', packedData: packed } as TlObject)

  it('is unwrapped transparently (gzip and zlib headers)', () => {
    for (const packed of [gzipSync(inner), deflateSync(inner)]) {
      expect(new TlReader(wrap(packed)).object()).toEqual({ _: 'inputPeerChat', chatId: 77n })
    }
  })

  it('is unwrapped where a nested object is read', () => {
    const vec = new TlWriter(8 + 4 + 4 + 4 + wrap(gzipSync(inner)).length)
    vec.vectorHeader(1)
    vec.raw(wrap(gzipSync(inner)))
    expect(new TlReader(vec.buf.subarray(0, vec.pos)).object()).toEqual([{ _: 'inputPeerChat', chatId: 77n }])
  })

  it('rejects output beyond the cap, nested gzip and garbage with typed errors', () => {
    const bomb = wrap(gzipSync(new Uint8Array(1 << 20)))
    const e1 = (() => {
      try {
        new TlReader(bomb, 0, bomb.length, { maxGzipOutput: 4096 }).object()
      } catch (e) {
        return e
      }
    })()
    expect(e1).toBeInstanceOf(TlError)
    expect((e1 as TlError).reason).toBe('gzip-too-large')
    const twice = wrap(gzipSync(wrap(gzipSync(inner))))
    expect(() => new TlReader(twice).object()).toThrow(expect.objectContaining({ reason: 'gzip-nested' }))
    expect(() => new TlReader(wrap(new Uint8Array([1, 2, 3, 4, 5]))).object()).toThrow(
      expect.objectContaining({ reason: 'gzip-invalid' }),
    )
  })
})
