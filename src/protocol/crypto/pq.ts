/**
 * Factorization of the handshake's pq (a product of two primes below 2^32 each, so pq < 2^64) with Brent's
 * variant of Pollard's rho, on bigint.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key#proof-of-work (the client decomposes pq into p < q as proof of
 * work). Brent's cycle detection with batched gcd: R. P. Brent, "An improved Monte Carlo factorization algorithm"
 * (1980).
 */
import { SecurityError } from '../errors.js'
import type { RandomSource } from '../random.js'
import { bigIntFromBytes, bigIntToBytes } from './dh-bigint.js'

/** Largest accepted input: real servers send pq < 2^64 (two 32-bit primes). */
const MAX_PQ = (1n << 64n) - 1n
/** Steps between gcd computations in Brent's loop: amortizes the gcd over many multiplications. */
const BATCH = 128
/** Total step budget over all attempts; expected work for a 64-bit pq is ~2^17 steps, so this never trips on valid input. */
const MAX_STEPS = 1 << 24
/** Deterministic Miller-Rabin bases that are exact for every n < 3.3 * 10^24 (so every 64-bit n). */
const MR_BASES = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n]

/** The two factors of pq, p <= q, as bigints and as TL-ready big-endian bytes without leading zeros. */
export interface PqFactors {
  readonly p: bigint
  readonly q: bigint
  readonly pBytes: Uint8Array
  readonly qBytes: Uint8Array
}

function powMod(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n
  let x = b % m
  while (e > 0n) {
    if (e & 1n) r = (r * x) % m
    x = (x * x) % m
    e >>= 1n
  }
  return r
}

/** Deterministic primality test for n < 2^64. */
export function isPrime64(n: bigint): boolean {
  if (n < 2n) return false
  for (const p of MR_BASES) {
    if (n === p) return true
    if (n % p === 0n) return false
  }
  let d = n - 1n
  let s = 0
  while ((d & 1n) === 0n) {
    d >>= 1n
    s++
  }
  outer: for (const a of MR_BASES) {
    let x = powMod(a, d, n)
    if (x === 1n || x === n - 1n) continue
    for (let i = 1; i < s; i++) {
      x = (x * x) % n
      if (x === n - 1n) continue outer
    }
    return false
  }
  return true
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a
  let y = b
  while (y !== 0n) {
    const t = x % y
    x = y
    y = t
  }
  return x
}

function randomBelow(random: RandomSource, n: bigint): bigint {
  const buf = new Uint8Array(8)
  random(buf)
  return bigIntFromBytes(buf) % n
}

/** One Brent run with constant c and start y; returns a non-trivial factor, n on failure, or 0n when out of budget. */
function brent(n: bigint, c: bigint, y0: bigint, budget: { steps: number }): bigint {
  let y = y0
  let x = y0
  let ys = y0
  let g = 1n
  let q = 1n
  let r = 1
  while (g === 1n) {
    x = y
    for (let i = 0; i < r; i++) y = (y * y + c) % n
    let k = 0
    while (k < r && g === 1n) {
      ys = y
      const lim = Math.min(BATCH, r - k)
      for (let i = 0; i < lim; i++) {
        y = (y * y + c) % n
        const d = x > y ? x - y : y - x
        q = (q * d) % n
      }
      budget.steps -= lim
      if (budget.steps < 0) return 0n
      g = gcd(q, n)
      k += BATCH
    }
    r *= 2
  }
  if (g === n) {
    // The batch overshot: replay it one step at a time from the saved ys.
    do {
      ys = (ys * ys + c) % n
      g = gcd(x > ys ? x - ys : ys - x, n)
    } while (g === 1n)
  }
  return g
}

/**
 * Splits `pq` into p <= q with p * q = pq and p > 1. Deterministic: with no `random`, the walk constants are fixed
 * (c = 1, 2, 3, ...; y0 = 2); with one, c and y0 are drawn from it. Throws {@link SecurityError} 'bad-pq' for
 * input below 4, above 2^64 - 1, prime, or (never seen in practice) not split within the step budget.
 */
export function factorizePq(pq: bigint | Uint8Array, random?: RandomSource): PqFactors {
  const n = typeof pq === 'bigint' ? pq : bigIntFromBytes(pq)
  if (n < 4n) throw new SecurityError('bad-pq', `pq ${n} has no non-trivial factorization`, { pq: n })
  if (n > MAX_PQ) throw new SecurityError('bad-pq', 'pq exceeds 64 bits', { bits: n.toString(2).length })
  let factor: bigint
  if ((n & 1n) === 0n) {
    factor = 2n
  } else {
    if (isPrime64(n)) throw new SecurityError('bad-pq', `pq ${n} is prime`, { pq: n })
    const budget = { steps: MAX_STEPS }
    factor = 0n
    for (let attempt = 1n; factor === 0n || factor === n; attempt++) {
      const c = random ? randomBelow(random, n - 1n) + 1n : attempt
      const y0 = random ? randomBelow(random, n) : 2n
      factor = brent(n, c, y0, budget)
      if (budget.steps < 0) throw new SecurityError('bad-pq', 'pq factorization exceeded its step budget', { pq: n })
    }
  }
  const other = n / factor
  const p = factor < other ? factor : other
  const q = factor < other ? other : factor
  return { p, q, pBytes: bigIntToBytes(p), qBytes: bigIntToBytes(q) }
}
