/**
 * The cluster's RSA key pair: generated fresh, or loaded from a private key PEM (the CLI's `--rsa-key FILE`), so a
 * client configured with the matching public key keeps working across cluster runs.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key#dh-exchange-initiation (the server proves itself with the RSA key
 * whose fingerprint the client knows).
 */
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { ArgumentError } from '../errors.js'
import type { CryptoProvider } from '../protocol/crypto/provider.js'
import { rsaPublicKeyFromPem } from '../protocol/crypto/rsa.js'
import type { RsaKeyPair } from '../protocol/crypto/rsa-server.js'

/** Builds a key pair from a PEM private key (PKCS#1 or PKCS#8); a malformed or non-2048-bit key is an ArgumentError. */
export function rsaKeyPairFromPrivatePem(crypto: CryptoProvider, pem: string): RsaKeyPair {
  let privateKey: ReturnType<typeof createPrivateKey>
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' })
  } catch (e) {
    throw new ArgumentError(`cannot parse the RSA private key: ${e instanceof Error ? e.message : String(e)}`, 'rsaKey')
  }
  if (privateKey.asymmetricKeyType !== 'rsa') throw new ArgumentError('the private key is not an RSA key', 'rsaKey')
  const publicPem = createPublicKey(privateKey).export({ type: 'pkcs1', format: 'pem' }).toString()
  try {
    return { publicKey: rsaPublicKeyFromPem(crypto, publicPem), privateKey, publicPem }
  } catch (e) {
    throw new ArgumentError(`unusable RSA key: ${e instanceof Error ? e.message : String(e)}`, 'rsaKey')
  }
}
