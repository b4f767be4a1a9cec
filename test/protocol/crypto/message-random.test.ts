import { describe, expect, it } from 'vitest'
import { bufferedRandom } from '../../../src/protocol/crypto/message-random.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { toHex } from './fixtures.js'

describe('bufferedRandom', () => {
  it('serves small requests from one pool fill, in the source order', () => {
    let calls = 0
    const src = seededRandom(7)
    const counted = (b: Uint8Array): void => {
      calls++
      src(b)
    }
    const r = bufferedRandom(counted, 64)
    const parts: Uint8Array[] = []
    for (let i = 0; i < 4; i++) {
      const b = new Uint8Array(16)
      r(b)
      parts.push(b)
    }
    expect(calls).toBe(1)
    const direct = new Uint8Array(64)
    seededRandom(7)(direct)
    expect(toHex(Buffer.concat(parts))).toBe(toHex(direct))
    r(new Uint8Array(1))
    expect(calls).toBe(2)
  })
  it('passes requests larger than the pool straight through and rejects tiny pools', () => {
    let calls = 0
    const r = bufferedRandom((b) => {
      calls++
      b.fill(9)
    }, 32)
    const big = new Uint8Array(100)
    r(big)
    expect(calls).toBe(1)
    expect(big.every((x) => x === 9)).toBe(true)
    expect(() => bufferedRandom(() => {}, 8)).toThrow(/pool size/)
  })
})
