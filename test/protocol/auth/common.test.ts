import { describe, expect, it } from 'vitest'
import { readLong, unwrapWithHash, wrapWithHash } from '../../../src/protocol/auth/common.js'
import { SecurityError } from '../../../src/protocol/errors.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { serializeObject } from '../../../src/tl/service.js'
import { crypto } from './helpers.js'

const obj = serializeObject({ _: 'pong', msgId: 5n, pingId: 7n })

function reason(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(SecurityError)
    return (e as SecurityError).reason
  }
  throw new Error('expected SecurityError')
}

describe('answer_with_hash envelope', () => {
  it('wraps to a multiple of 16 and unwraps the object', () => {
    const w = wrapWithHash(crypto, obj, seededRandom(1))
    expect(w.length % 16).toBe(0)
    expect(w.length - 20 - obj.length).toBeLessThan(16)
    expect(unwrapWithHash(crypto, w, 't')).toEqual({ _: 'pong', msgId: 5n, pingId: 7n })
  })

  it('rejects a wrong hash, 16+ padding bytes, garbage and short input as bad-answer-hash', () => {
    const w = wrapWithHash(crypto, obj, seededRandom(1))
    const badHash = Uint8Array.from(w)
    badHash[0] = (badHash[0] ?? 0) ^ 1
    expect(reason(() => unwrapWithHash(crypto, badHash, 't'))).toBe('bad-answer-hash')
    const long = new Uint8Array(w.length + 16)
    long.set(w)
    expect(reason(() => unwrapWithHash(crypto, long, 't'))).toBe('bad-answer-hash')
    expect(reason(() => unwrapWithHash(crypto, new Uint8Array(64).fill(0xee), 't'))).toBe('bad-answer-hash')
    expect(reason(() => unwrapWithHash(crypto, new Uint8Array(10), 't'))).toBe('bad-answer-hash')
  })

  it('reads longs little-endian and signed', () => {
    expect(readLong(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toBe(-1n)
    expect(readLong(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0))).toBe(1n)
  })
})
