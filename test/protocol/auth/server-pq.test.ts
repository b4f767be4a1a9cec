import { describe, expect, it } from 'vitest'
import { generatePq } from '../../../src/protocol/auth/server-pq.js'
import { factorizePq, isPrime64 } from '../../../src/protocol/crypto/pq.js'
import { seededRandom } from '../../../src/protocol/random.js'

describe('generatePq', () => {
  it('draws distinct 31-bit primes p < q whose product is below 2^62 and factors back', () => {
    const r = seededRandom(9)
    for (let i = 0; i < 20; i++) {
      const c = generatePq(r)
      expect(c.p < c.q).toBe(true)
      expect(isPrime64(c.p) && isPrime64(c.q)).toBe(true)
      expect(c.p >= 1n << 30n && c.q < 1n << 31n).toBe(true)
      expect(c.pq).toBe(c.p * c.q)
      expect(c.pq < 1n << 62n).toBe(true)
      const f = factorizePq(c.pqBytes)
      expect([f.p, f.q]).toEqual([c.p, c.q])
      expect(Buffer.from(f.pBytes).equals(Buffer.from(c.pBytes))).toBe(true)
    }
  })
})
