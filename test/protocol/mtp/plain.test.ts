import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { SecurityError } from '../../../src/protocol/errors.js'
import { decodePlainMessage, encodePlainMessage, PLAIN_HEADER_BYTES } from '../../../src/protocol/mtp/plain.js'
import { seededRandom } from '../../../src/protocol/random.js'

describe('plain messages', () => {
  it('encodes the spec layout: zero key id, msg_id, length, body', () => {
    const body = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)
    const frame = encodePlainMessage(body, 0x51e57ac42770964an)
    expect(frame.length).toBe(28)
    expect([...frame.subarray(0, 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0])
    expect([...frame.subarray(8, 16)]).toEqual([0x4a, 0x96, 0x70, 0x27, 0xc4, 0x7a, 0xe5, 0x51])
    expect([...frame.subarray(16, 20)]).toEqual([8, 0, 0, 0])
    expect([...frame.subarray(20)]).toEqual([...body])
  })

  it('round-trips random bodies and ignores trailing transport padding', () => {
    const rnd = seededRandom(7)
    for (let i = 0; i < 200; i++) {
      const len = (i % 50) * 4
      const body = new Uint8Array(len)
      rnd(body)
      const id = (BigInt(1_700_000_000 + i) << 32n) | BigInt(i * 4)
      const frame = encodePlainMessage(body, id)
      const padded = new Uint8Array(frame.length + (i % 16))
      padded.set(frame)
      const got = decodePlainMessage(padded)
      expect(got.msgId).toBe(id)
      expect([...got.body]).toEqual([...body])
    }
  })

  it('rejects malformed frames with typed errors', () => {
    const ok = encodePlainMessage(new Uint8Array(8), 4n)
    const reasons = (f: Uint8Array): string => {
      try {
        decodePlainMessage(f)
        return 'accepted'
      } catch (e) {
        return e instanceof SecurityError ? e.reason : 'untyped'
      }
    }
    expect(reasons(ok.subarray(0, PLAIN_HEADER_BYTES - 1))).toBe('bad-message-length')
    const keyed = ok.slice()
    keyed[3] = 1
    expect(reasons(keyed)).toBe('auth-key-id-mismatch')
    const long = ok.slice()
    long[16] = 12
    expect(reasons(long)).toBe('bad-message-length')
    const odd = ok.slice()
    odd[16] = 6
    expect(reasons(odd)).toBe('bad-message-length')
    const huge = ok.slice()
    huge[19] = 0x80
    expect(reasons(huge)).toBe('bad-message-length')
    // A seeded fuzz loop: arbitrary bytes are either decoded or rejected with a SecurityError.
    const rnd = seededRandom(99)
    for (let i = 0; i < 500; i++) {
      const f = new Uint8Array(i % 40)
      rnd(f)
      if (i % 3 === 0) f.fill(0, 0, Math.min(8, f.length))
      expect(reasons(f)).not.toBe('untyped')
    }
  })

  it('refuses bodies that are not 4-aligned', () => {
    expect(() => encodePlainMessage(new Uint8Array(3), 4n)).toThrow(ArgumentError)
  })
})
