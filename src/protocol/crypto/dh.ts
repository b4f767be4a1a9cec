/**
 * Diffie-Hellman parameter and value checks for the handshake (and SRP): the 2048-bit safe prime, the generator's
 * residue conditions, and the range checks on g_a, g_b and the shared key.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key#dh-key-exchange-complete (the client must check that dh_prime is
 * a safe 2048-bit prime and that g generates a cyclic subgroup of prime order (p-1)/2), and
 * https://core.telegram.org/mtproto/security_guidelines#g-a-and-g-b-validation (1 < g_a < p-1 and
 * 2^{2048-64} <= g_a <= dh_prime - 2^{2048-64}, likewise g_b).
 */
import { checkPrimeSync } from 'node:crypto'
import { SecurityError } from '../errors.js'
import { bigIntFromBytes, bigIntToBytes } from './dh-bigint.js'

/** The 2048-bit safe prime Telegram servers send (recognised by equality; tdlib and tdesktop do the same). */
export const TELEGRAM_DH_PRIME = BigInt(
  '0xc71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f48198a0aa7c14058229493d22530f4dbfa336f6e0ac925139543aed44cce7c3720fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f642477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4a4a695811051907e162753b56b0f6b410dba74d8a84b2a14b3144e0ef1284754fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f0d8115f635b105ee2e4e15d04b2454bf6f4fadf034b10403119cd8e3b92fcc5b',
)

/** The spec's margin: g_a, g_b must lie at least 2^(2048-64) away from 0 and from p. */
const RANGE_MARGIN = 1n << (2048n - 64n)
const LOW = 1n << 2047n
const HIGH = 1n << 2048n
/**
 * Miller-Rabin rounds for unknown primes: 64 rounds bound the error below 2^-128 (node's default chooses by size;
 * we fix it so the cost is predictable, ~0.15 s for p and (p-1)/2 together).
 */
const PRIME_CHECKS = 64
/** How many verified primes to remember, so a server that sends one prime repeatedly pays for the test once. */
const VERIFIED_CACHE = 8

const verified = new Set<bigint>([TELEGRAM_DH_PRIME])

function asBig(v: bigint | Uint8Array): bigint {
  return typeof v === 'bigint' ? v : bigIntFromBytes(v)
}

/**
 * Checks that `p` is a 2048-bit safe prime: the well-known Telegram prime by equality, anything else by
 * 2^2047 < p < 2^2048 and Miller-Rabin on p and (p-1)/2. Throws SecurityError 'bad-dh-prime'.
 */
export function checkDhPrime(p: bigint | Uint8Array): bigint {
  const n = asBig(p)
  if (verified.has(n)) return n
  if (n <= LOW || n >= HIGH) throw new SecurityError('bad-dh-prime', 'dh_prime is not a 2048-bit number', { bits: n.toString(2).length })
  if ((n & 1n) === 0n) throw new SecurityError('bad-dh-prime', 'dh_prime is even')
  const half = (n - 1n) >> 1n
  if (!checkPrimeSync(bigIntToBytes(n), { checks: PRIME_CHECKS })) throw new SecurityError('bad-dh-prime', 'dh_prime is not prime')
  if (!checkPrimeSync(bigIntToBytes(half), { checks: PRIME_CHECKS })) {
    throw new SecurityError('bad-dh-prime', 'dh_prime is prime but (dh_prime-1)/2 is not: not a safe prime')
  }
  if (verified.size >= VERIFIED_CACHE + 1) {
    for (const k of verified) {
      if (k !== TELEGRAM_DH_PRIME) {
        verified.delete(k)
        break
      }
    }
  }
  verified.add(n)
  return n
}

/**
 * Checks that g (2..7) generates the subgroup of order (p-1)/2, by the quadratic-residue conditions:
 * g=2: p mod 8 = 7; g=3: p mod 3 = 2; g=4: always; g=5: p mod 5 in {1,4}; g=6: p mod 24 in {19,23};
 * g=7: p mod 7 in {3,5,6}. Throws SecurityError 'bad-dh-g'. Assumes p already passed {@link checkDhPrime}.
 */
export function checkDhGenerator(g: number, p: bigint): void {
  let ok: boolean
  switch (g) {
    case 2:
      ok = p % 8n === 7n
      break
    case 3:
      ok = p % 3n === 2n
      break
    case 4:
      ok = true
      break
    case 5: {
      const r = p % 5n
      ok = r === 1n || r === 4n
      break
    }
    case 6: {
      const r = p % 24n
      ok = r === 19n || r === 23n
      break
    }
    case 7: {
      const r = p % 7n
      ok = r === 3n || r === 5n || r === 6n
      break
    }
    default:
      throw new SecurityError('bad-dh-g', `g = ${g} is outside 2..7`, { g })
  }
  if (!ok) throw new SecurityError('bad-dh-g', `g = ${g} does not generate the subgroup of order (p-1)/2 for this p`, { g })
}

/** Both parameter checks: {@link checkDhPrime} then {@link checkDhGenerator}; returns p as a bigint. */
export function checkDhParams(g: number, p: bigint | Uint8Array): bigint {
  const n = checkDhPrime(p)
  checkDhGenerator(g, n)
  return n
}

/**
 * Range checks for a DH value (g_a, g_b, or the shared g_ab): 1 < v < p-1 and 2^(2048-64) <= v <= p - 2^(2048-64).
 * `what` names the value in the error. Throws SecurityError 'bad-dh-range'.
 */
export function checkDhValue(value: bigint | Uint8Array, p: bigint, what = 'g_a'): bigint {
  const v = asBig(value)
  if (v <= 1n || v >= p - 1n) throw new SecurityError('bad-dh-range', `${what} is not in 1 < ${what} < p-1`, { value: what })
  if (v < RANGE_MARGIN || v > p - RANGE_MARGIN) {
    throw new SecurityError('bad-dh-range', `${what} is within 2^1984 of 0 or of p`, { value: what })
  }
  return v
}
