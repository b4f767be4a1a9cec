/**
 * An RSA key pair for a loopback server that every peer client can use. mtcute 0.30 compares fingerprints as hex
 * strings: its key index keeps all 16 digits (hex of the 8 bytes, "03c4...") while the resPQ side prints the
 * unsigned long without leading zeros ("3c4..."), so a key whose fingerprint starts with a zero nibble (1 key in 16)
 * is never found and mtcute aborts with "Could not find server public key". Generating until the top nibble is
 * non-zero avoids that; the key is otherwise an ordinary 2048-bit RSA key.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key#dh-exchange-initiation (server_public_key_fingerprints: the
 * 64 lower-order bits of SHA1(server_public_key)).
 */
import type { CryptoProvider } from '../crypto/provider.js'
import { type RsaKeyPair, generateRsaKeyPair } from '../crypto/rsa-server.js'
import { InternalError } from '../../errors.js'

/** Attempts before giving up: each succeeds with probability 15/16, so 32 failures in a row mean a broken generator. */
const MAX_TRIES = 32

/** Whether a fingerprint (unsigned) is found by every known client (its hex form has no leading zero). */
export function isPeerCompatibleFingerprint(u64: bigint): boolean {
  return u64 >> 60n !== 0n
}

/** Generates a key pair whose fingerprint {@link isPeerCompatibleFingerprint} (usually on the first try). */
export function generateServerRsaKeyPair(crypto: CryptoProvider): RsaKeyPair {
  for (let i = 0; i < MAX_TRIES; i++) {
    const pair = generateRsaKeyPair(crypto)
    if (isPeerCompatibleFingerprint(pair.publicKey.fingerprint.u64)) return pair
  }
  throw new InternalError(`no RSA key with a peer-compatible fingerprint in ${MAX_TRIES} tries`)
}
