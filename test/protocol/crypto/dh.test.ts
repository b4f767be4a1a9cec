import { describe, expect, it } from 'vitest'
import { bigIntFromBytes, bigIntToBytes, bitLength } from '../../../src/protocol/crypto/dh-bigint.js'
import { checkDhGenerator, checkDhParams, checkDhPrime, checkDhValue, TELEGRAM_DH_PRIME } from '../../../src/protocol/crypto/dh.js'
import { modPow, modPowBigInt } from '../../../src/protocol/crypto/dh-modpow.js'
import { SecurityError } from '../../../src/protocol/errors.js'
import { seededRandom } from '../../../src/protocol/random.js'

const P = TELEGRAM_DH_PRIME

function reason(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(SecurityError)
    return (e as SecurityError).reason
  }
  throw new Error('expected SecurityError')
}

/** A 2048-bit safe prime other than Telegram's: RFC 3526 group 14 (MODP 2048). */
const RFC3526_2048 = BigInt(
  '0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF',
)

const NOT_SAFE_PRIME = BigInt(
  '0xa1c08ea379e32aee880be5fe96aa47f88d0a44fdfb0fea9affdbde8d02e67f83825ba1ecc4f16e0e47a4ff0e8475a30729f072bf6a8c28f0f50737caa8bda49f20ae4f4bce5102e89d3873aa52460935b5a5b87295f95bd4a14ebf8c66a8a3a8c707854276ebbd0166fe01b9d80ac5f10a48bfa6d8eab6b2672d6a086259e3bd73b15aa64ebb4cd8d2ba12152ee6f5307f6bd639cc5d1b2fd16569c22879ea9618aa53e3af8bded3edc066ca006950b62f7244e12b7b0a875097dc23872559dc83309e76e25a1c1a77b4ed792e230c92617512f21db96f19af8f14944be92f6f1355e2f0b1e4aebddc2dab2d4e6584270e3235bed4552bf33e2f55d0d746db61',
)

describe('DH prime check', () => {
  it('accepts the Telegram prime by equality (fast path), from bytes too', () => {
    expect(checkDhPrime(P)).toBe(P)
    expect(checkDhPrime(bigIntToBytes(P, 256))).toBe(P)
  })
  it('accepts another safe 2048-bit prime after Miller-Rabin (RFC 3526 group 14)', () => {
    expect(checkDhPrime(RFC3526_2048)).toBe(RFC3526_2048)
  })
  it('rejects a composite, a non-safe prime, wrong sizes and even numbers', () => {
    expect(reason(() => checkDhPrime(P + 2n))).toBe('bad-dh-prime')
    expect(reason(() => checkDhPrime(P - 1n))).toBe('bad-dh-prime')
    expect(reason(() => checkDhPrime(P >> 1n))).toBe('bad-dh-prime')
    expect(reason(() => checkDhPrime(1n << 2048n))).toBe('bad-dh-prime')
    expect(reason(() => checkDhPrime(1n << 2047n))).toBe('bad-dh-prime')
  })
  it('rejects a prime p whose (p-1)/2 is composite', () => {
    // A 2048-bit prime with p = 1 mod 4 (generated once with node's generatePrimeSync(2048, { add: 4n, rem: 1n })):
    // (p-1)/2 is even, so p is prime but not a safe prime; the message proves p itself passed the primality test.
    expect(NOT_SAFE_PRIME % 4n).toBe(1n)
    try {
      checkDhPrime(NOT_SAFE_PRIME)
      throw new Error('accepted')
    } catch (e) {
      expect(e).toBeInstanceOf(SecurityError)
      expect((e as SecurityError).reason).toBe('bad-dh-prime')
      expect((e as SecurityError).message).toMatch(/safe prime/)
    }
  })
})

describe('DH generator residue conditions', () => {
  // For each g, find small moduli classes that pass and fail; the check only looks at p mod 8/3/5/24/7.
  const cases: Array<[number, bigint[], bigint[]]> = [
    [2, [7n], [1n, 3n, 5n]],
    [3, [2n], [1n]],
    [5, [1n, 4n], [2n, 3n]],
    [6, [19n, 23n], [1n, 5n, 7n, 11n, 13n, 17n]],
    [7, [3n, 5n, 6n], [1n, 2n, 4n]],
  ]
  const mods: Record<number, bigint> = { 2: 8n, 3: 3n, 5: 5n, 6: 24n, 7: 7n }
  it.each(cases)('g = %i', (g, good, bad) => {
    const m = mods[g] ?? 1n
    for (const r of good) expect(() => checkDhGenerator(g, (1n << 2047n) * m + r)).not.toThrow()
    for (const r of bad) expect(reason(() => checkDhGenerator(g, (1n << 2047n) * m + r))).toBe('bad-dh-g')
  })
  it('g = 4 always passes; g outside 2..7 fails', () => {
    expect(() => checkDhGenerator(4, 12345n)).not.toThrow()
    for (const g of [0, 1, 8, 255]) expect(reason(() => checkDhGenerator(g, P))).toBe('bad-dh-g')
  })
  it('Telegram prime with g = 3 (what servers send) passes; g = 2 does not', () => {
    expect(checkDhParams(3, P)).toBe(P)
    expect(reason(() => checkDhParams(2, P))).toBe('bad-dh-g')
  })
})

describe('g_a / g_b / g_ab range checks', () => {
  const margin = 1n << 1984n
  it('accepts values inside, at the edges of the margin', () => {
    for (const v of [margin, P - margin, P >> 1n]) expect(checkDhValue(v, P)).toBe(v)
  })
  it('rejects each forged value with bad-dh-range', () => {
    for (const v of [0n, 1n, 2n, P - 1n, P, P + 5n, margin - 1n, P - margin + 1n]) {
      expect(reason(() => checkDhValue(v, P, 'g_b'))).toBe('bad-dh-range')
    }
  })
})

describe('modPow', () => {
  it('native and bigint agree (seeded, 2048-bit), including bases outside 2..p-2 and exponents > p', () => {
    const rnd = seededRandom(42)
    const b = new Uint8Array(256)
    for (let i = 0; i < 3; i++) {
      rnd(b)
      const base = bigIntFromBytes(b)
      rnd(b)
      const exp = bigIntFromBytes(b) << BigInt(i * 250)
      expect(modPow(base, exp, P)).toBe(modPowBigInt(base, exp, P))
    }
    for (const base of [0n, 1n, P - 1n, P, P + 3n]) expect(modPow(base, 12345n, P)).toBe(modPowBigInt(base, 12345n, P))
    expect(modPow(3n, 0n, P)).toBe(1n)
    expect(modPow(5n, 6n, 47n)).toBe(5n ** 6n % 47n)
  })
  it('bigint helpers round-trip and reject bad input', () => {
    expect(bitLength(P)).toBe(2048)
    expect(bigIntFromBytes(bigIntToBytes(P))).toBe(P)
    expect(bigIntToBytes(0n).length).toBe(1)
    expect(() => bigIntToBytes(-1n)).toThrow(/negative/)
    expect(() => bigIntToBytes(256n, 1)).toThrow(/needs 2 bytes/)
    expect(() => modPow(2n, -1n, P)).toThrow(/exponent/)
    expect(() => modPow(2n, 1n, 0n)).toThrow(/modulus/)
  })
})
