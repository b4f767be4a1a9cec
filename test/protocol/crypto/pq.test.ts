import { factorizePQSync } from '@mtcute/core/utils.js'
import { Factorizator } from 'telegram/crypto/Factorizator.js'
import { readBigIntFromBuffer } from 'telegram/Helpers.js'
import { describe, expect, it } from 'vitest'
import { bigIntFromBytes, bigIntToBytes } from '../../../src/protocol/crypto/dh-bigint.js'
import { factorizePq, isPrime64 } from '../../../src/protocol/crypto/pq.js'
import { SecurityError } from '../../../src/protocol/errors.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { loadFixture, toHex } from './fixtures.js'

interface PqVector { id: string; pq: string; p: string; q: string; p_hex: string; q_hex: string; pq_bits: number }
const fx = loadFixture<{ vectors: PqVector[]; tdlib_small_inputs: { cases: Array<{ pq: number; expected_return: number }> } }>(
  'factorize.json',
)
const in64 = fx.vectors.filter((v) => v.pq_bits <= 64)
const over64 = fx.vectors.filter((v) => v.pq_bits > 64)

function reason(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(SecurityError)
    return (e as SecurityError).reason
  }
  throw new Error('expected SecurityError')
}

describe('factorizePq on the fixture', () => {
  it('includes a pq >= 2^63', () => expect(in64.some((v) => BigInt(v.pq) >= 1n << 63n)).toBe(true))
  it.each(in64.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const r = factorizePq(BigInt(v.pq))
    expect(r.p).toBe(BigInt(v.p))
    expect(r.q).toBe(BigInt(v.q))
    // The fixture's hex is not byte-padded ("ab1cd63"); ours are whole bytes without a leading zero byte.
    expect(toHex(r.pBytes)).toBe(v.p_hex.length % 2 === 1 ? `0${v.p_hex}` : v.p_hex)
    expect(toHex(r.qBytes)).toBe(v.q_hex.length % 2 === 1 ? `0${v.q_hex}` : v.q_hex)
    expect(r.pBytes[0]).not.toBe(0)
    // Same result from the wire form and with a RandomSource.
    const viaBytes = factorizePq(bigIntToBytes(BigInt(v.pq)), seededRandom(9))
    expect([viaBytes.p, viaBytes.q]).toEqual([r.p, r.q])
  })
  it.each(over64.map((v) => [v.id, v] as const))('%s: above 2^64 is rejected with bad-pq', (_id, v) => {
    expect(reason(() => factorizePq(BigInt(v.pq)))).toBe('bad-pq')
  })
})

describe('factorizePq edge cases (tdlib small inputs)', () => {
  it.each(fx.tdlib_small_inputs.cases.map((c) => [c.pq, c.expected_return] as const))('pq = %i', (pq, smallest) => {
    if (smallest === 1) expect(reason(() => factorizePq(BigInt(pq)))).toBe('bad-pq')
    else expect(factorizePq(BigInt(pq)).p).toBe(BigInt(smallest))
  })
  it('rejects 2^64 and 64-bit primes, accepts even and square inputs', () => {
    expect(reason(() => factorizePq(1n << 64n))).toBe('bad-pq')
    expect(reason(() => factorizePq(18446744073709551557n))).toBe('bad-pq') // largest 64-bit prime
    expect(factorizePq(2n * 4294967291n).q).toBe(4294967291n)
    expect(factorizePq(4294967291n * 4294967291n).p).toBe(4294967291n)
  })
  it('isPrime64 agrees with trial division below 5000', () => {
    for (let n = 0; n < 5000; n++) {
      let prime = n >= 2
      for (let d = 2; d * d <= n; d++) if (n % d === 0) prime = false
      expect(isPrime64(BigInt(n))).toBe(prime)
    }
  })
})

describe('agreement with mtcute and GramJS factorizers', () => {
  const fill = seededRandom(5)
  const randomBytes = (n: number): Uint8Array => {
    const b = new Uint8Array(n)
    fill(b)
    return b
  }
  const mtcuteCrypto = { randomFill: fill, randomBytes } as unknown as Parameters<typeof factorizePQSync>[0]
  it.each(in64.filter((v) => BigInt(v.pq) > 100n).map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const ours = factorizePq(BigInt(v.pq))
    const [mp, mq] = factorizePQSync(mtcuteCrypto, bigIntToBytes(BigInt(v.pq)))
    expect([bigIntFromBytes(mp), bigIntFromBytes(mq)]).toEqual([ours.p, ours.q])
    const g = Factorizator.factorize(readBigIntFromBuffer(Buffer.from(bigIntToBytes(BigInt(v.pq))), false, false))
    const gp = BigInt(g.p.toString())
    const gq = BigInt(g.q.toString())
    expect([gp < gq ? gp : gq, gp < gq ? gq : gp]).toEqual([ours.p, ours.q])
  })
})

describe('fuzz: factorizePq on random 64-bit inputs (seeded)', () => {
  it('either returns p * q = pq with 1 < p <= q, or throws SecurityError bad-pq', () => {
    const rnd = seededRandom(0x9071)
    const b = new Uint8Array(8)
    for (let i = 0; i < 40; i++) {
      rnd(b)
      // Mostly products of two ~31-bit numbers (like real pq), sometimes raw random 64-bit values.
      const n = i % 4 === 0 ? bigIntFromBytes(b) : (bigIntFromBytes(b.subarray(0, 4)) | 1n) * (bigIntFromBytes(b.subarray(4)) | 1n)
      try {
        const r = factorizePq(n)
        expect(r.p * r.q).toBe(n)
        expect(r.p > 1n && r.p <= r.q).toBe(true)
      } catch (e) {
        expect(e).toBeInstanceOf(SecurityError)
        expect((e as SecurityError).reason).toBe('bad-pq')
        expect(n < 4n || isPrime64(n)).toBe(true)
      }
    }
  })
})
