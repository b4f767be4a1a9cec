/**
 * The DH exchange arithmetic of the handshake: a secret and its public value g^secret mod p (redrawn until the
 * public value passes the range check), and the shared auth_key = peer^secret mod p with its own range check.
 * Used by the client (b, g_b, auth_key) and the loopback server (a, g_a).
 *
 * Spec: https://core.telegram.org/mtproto/auth_key#dh-key-exchange-complete (b is 2048 random bits,
 * g_b = pow(g, b) mod dh_prime, auth_key = pow(g_a, b) mod dh_prime), and
 * https://core.telegram.org/mtproto/security_guidelines (range checks on g_a, g_b and the key).
 */
import { SecurityError } from '../errors.js'
import type { RandomSource } from '../random.js'
import { bigIntFromBytes, bigIntToBytes } from './dh-bigint.js'
import { checkDhValue } from './dh.js'
import { modPow } from './dh-modpow.js'

/** DH values are 2048-bit, sent as 256 big-endian bytes. */
export const DH_BYTES = 256
/**
 * Draws of the secret before giving up. A uniformly random secret fails the range check with probability about
 * 2^-63, so more than one redraw only happens with a broken RandomSource.
 */
const MAX_DRAWS = 8

/** A DH secret and its public value. */
export interface DhKeyPair {
  /** The secret exponent (256 random bytes). */
  readonly secret: Uint8Array
  /** g^secret mod p as 256 bytes. */
  readonly publicValue: Uint8Array
}

/**
 * Draws a 256-byte secret from `random` and computes g^secret mod p, redrawing while the public value fails
 * {@link checkDhValue}. `g` and `p` must already have passed checkDhParams.
 */
export function dhKeyPair(g: number, p: bigint, random: RandomSource): DhKeyPair {
  for (let i = 0; i < MAX_DRAWS; i++) {
    const secret = new Uint8Array(DH_BYTES)
    random(secret)
    const pub = modPow(BigInt(g), bigIntFromBytes(secret), p)
    try {
      checkDhValue(pub, p, 'g_b')
    } catch {
      continue
    }
    return { secret, publicValue: bigIntToBytes(pub, DH_BYTES) }
  }
  throw new SecurityError('bad-dh-range', `no DH secret with an in-range public value in ${MAX_DRAWS} draws`, { value: 'g_b' })
}

/**
 * The shared key: checks the peer's public value (SecurityError 'bad-dh-range'), computes peer^secret mod p and
 * checks the result the same way (a key near 0 or p means a forged or degenerate exchange). Returns 256 bytes.
 */
export function dhSharedKey(peerPublic: Uint8Array | bigint, secret: Uint8Array, p: bigint): Uint8Array {
  const peer = checkDhValue(peerPublic, p, 'g_a')
  const shared = modPow(peer, bigIntFromBytes(secret), p)
  checkDhValue(shared, p, 'g_ab')
  return bigIntToBytes(shared, DH_BYTES)
}
