/**
 * The server's proof-of-work challenge: pq, a product of two distinct random primes in [2^30, 2^31), so
 * pq < 2^62 fits the signed 64-bit range real servers use and takes a client a few milliseconds to factor.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key#dh-exchange-initiation ("pq is a representation of a natural
 * number (in binary big endian format). This number is the product of two different odd prime numbers. Normally,
 * pq is less than or equal to 2^63-1").
 */
import type { RandomSource } from '../random.js'
import { bigIntToBytes } from '../crypto/dh-bigint.js'
import { isPrime64 } from '../crypto/pq.js'

/** Lower bound of each factor: 2^30, so each is a 31-bit prime like Telegram's. */
const FACTOR_LOW = 0x40000000
/** Mask below the top bit: draws stay in [2^30, 2^31). */
const FACTOR_MASK = 0x3fffffff

/** A pq challenge with its factors (p < q), as bigints and TL-ready minimal big-endian bytes. */
export interface PqChallenge {
  readonly pq: bigint
  readonly p: bigint
  readonly q: bigint
  readonly pqBytes: Uint8Array
  readonly pBytes: Uint8Array
  readonly qBytes: Uint8Array
}

/** A random prime in [2^30, 2^31): a random odd start, then the next prime (wrapping to 2^30 if needed). */
function randomPrime31(random: RandomSource): bigint {
  const buf = new Uint8Array(4)
  random(buf)
  let n = ((((buf[0] ?? 0) | ((buf[1] ?? 0) << 8) | ((buf[2] ?? 0) << 16) | ((buf[3] ?? 0) << 24)) & FACTOR_MASK) | FACTOR_LOW | 1) >>> 0
  // Prime gaps below 2^31 are at most 292, so this loop ends after a few hundred steps at worst.
  for (;;) {
    if (isPrime64(BigInt(n))) return BigInt(n)
    n += 2
    if (n >= FACTOR_LOW * 2) n = FACTOR_LOW + 1
  }
}

/** Draws a fresh challenge from `random` (4 bytes per factor, more if the two factors collide). */
export function generatePq(random: RandomSource): PqChallenge {
  const a = randomPrime31(random)
  let b = randomPrime31(random)
  while (b === a) b = randomPrime31(random)
  const p = a < b ? a : b
  const q = a < b ? b : a
  const pq = p * q
  return { pq, p, q, pqBytes: bigIntToBytes(pq), pBytes: bigIntToBytes(p), qBytes: bigIntToBytes(q) }
}
