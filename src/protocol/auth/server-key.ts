/**
 * RSA key pairs for a (loopback) server: generation with a fingerprint every peer client can match, and loading a
 * private key PEM (the cluster's --rsa-key option, fixed test keys).
 *
 * mtcute 0.30 compares fingerprints as hex strings: its key index keeps all 16 digits (hex of the 8 bytes,
 * "03c4...") while the resPQ side prints the unsigned long without leading zeros ("3c4..."), so a key whose
 * fingerprint starts with a zero nibble (1 key in 16) is never found and mtcute aborts with "Could not find server
 * public key". Generation retries until the top nibble is non-zero; the key is otherwise an ordinary 2048-bit key.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key#dh-exchange-initiation (server_public_key_fingerprints: the
 * 64 lower-order bits of SHA1(server_public_key)).
 */
import { createPrivateKey, createPublicKey } from 'node:crypto'
import type { CryptoProvider } from '../crypto/provider.js'
import { type RsaKeyPair, generateRsaKeyPair } from '../crypto/rsa-server.js'
import { rsaPublicKeyFromPem } from '../crypto/rsa.js'
import { ArgumentError, InternalError } from '../../errors.js'

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

/**
 * Loads a private key PEM (PKCS#1 or PKCS#8) as a server key pair. The key must be a 2048-bit RSA key (Telegram's
 * RSA block size); anything else is an ArgumentError. The fingerprint is not checked (see
 * {@link isPeerCompatibleFingerprint} to warn about mtcute).
 */
export function loadServerRsaKeyPair(crypto: CryptoProvider, privatePem: string): RsaKeyPair {
  let privateKey: ReturnType<typeof createPrivateKey>
  try {
    privateKey = createPrivateKey(privatePem)
  } catch (e) {
    const err = new ArgumentError(`not a private key PEM: ${(e as Error).message}`, 'privatePem')
    err.cause = e
    throw err
  }
  if (privateKey.asymmetricKeyType !== 'rsa' || privateKey.asymmetricKeyDetails?.modulusLength !== 2048) {
    throw new ArgumentError('the server key must be a 2048-bit RSA key', 'privatePem')
  }
  const publicPem = createPublicKey(privateKey).export({ type: 'pkcs1', format: 'pem' }).toString()
  return { publicKey: rsaPublicKeyFromPem(crypto, publicPem), privateKey, publicPem }
}
