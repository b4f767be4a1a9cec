/**
 * Server side of the handshake's RSA step for a key pair our loopback server owns: key generation, raw RSA
 * decryption, undoing RSA_PAD (with its SHA256 check) and the legacy SHA1 scheme.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key#presenting-proof-of-work-server-authentication (RSA_PAD, which
 * the server inverts: temp_key = temp_key_xor XOR SHA256(aes_encrypted), AES-IGE decrypt, reverse, hash check).
 */
import { constants, generateKeyPairSync, type KeyObject, privateDecrypt, timingSafeEqual } from 'node:crypto'
import { SecurityError } from '../errors.js'
import type { CryptoProvider } from './provider.js'
import { RSA_BYTES, RSA_PAD_DATA_BYTES, type RsaPublicKey, rsaPublicKeyFromPem } from './rsa.js'

const ZERO_IV = new Uint8Array(32)
/** Telegram's keys use the usual public exponent 65537. */
const PUBLIC_EXPONENT = 65537
const MODULUS_BITS = 2048

/** A key pair a (loopback) server owns. */
export interface RsaKeyPair {
  readonly publicKey: RsaPublicKey
  readonly privateKey: KeyObject
  /** PKCS#1 PEM of the public key, to hand to clients. */
  readonly publicPem: string
}

/** Generates a fresh 2048-bit key pair (OpenSSL's generator; takes ~50-200 ms). */
export function generateRsaKeyPair(crypto: CryptoProvider): RsaKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: MODULUS_BITS, publicExponent: PUBLIC_EXPONENT })
  const publicPem = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()
  return { publicKey: rsaPublicKeyFromPem(crypto, publicPem), privateKey, publicPem }
}

function bad(message: string): SecurityError {
  return new SecurityError('bad-rsa-data', message)
}

/** Raw RSA decryption to exactly 256 bytes; anything OpenSSL refuses (not below n, wrong size) is 'bad-rsa-data'. */
export function rsaRawDecrypt(pair: RsaKeyPair, encrypted: Uint8Array): Uint8Array {
  if (encrypted.length === 0 || encrypted.length > RSA_BYTES) throw bad(`RSA block has ${encrypted.length} bytes`)
  const block = new Uint8Array(RSA_BYTES)
  block.set(encrypted, RSA_BYTES - encrypted.length)
  try {
    const out = privateDecrypt({ key: pair.privateKey, padding: constants.RSA_NO_PADDING }, block)
    const res = new Uint8Array(RSA_BYTES)
    res.set(out, RSA_BYTES - out.length)
    return res
  } catch (err) {
    throw bad(`raw RSA decryption failed: ${(err as Error).message}`)
  }
}

/**
 * Undoes RSA_PAD: returns data_with_padding (192 bytes; the caller's TL parser finds where p_q_inner_data_dc ends).
 * Throws SecurityError 'bad-rsa-data' when the SHA256(temp_key + data_with_padding) check fails.
 */
export function rsaPadDecrypt(crypto: CryptoProvider, pair: RsaKeyPair, encrypted: Uint8Array): Uint8Array {
  const block = rsaRawDecrypt(pair, encrypted)
  const aesEncrypted = block.subarray(32)
  const h = crypto.sha256(aesEncrypted)
  const tempKey = new Uint8Array(32)
  for (let i = 0; i < 32; i++) tempKey[i] = (block[i] ?? 0) ^ (h[i] ?? 0)
  const dataWithHash = crypto.igeDecrypt(aesEncrypted, tempKey, ZERO_IV)
  const dataWithPadding = new Uint8Array(RSA_PAD_DATA_BYTES)
  for (let i = 0; i < RSA_PAD_DATA_BYTES; i++) dataWithPadding[i] = dataWithHash[RSA_PAD_DATA_BYTES - 1 - i] ?? 0
  const expected = crypto.sha256(tempKey, dataWithPadding)
  if (!timingSafeEqual(expected, dataWithHash.subarray(RSA_PAD_DATA_BYTES))) throw bad('RSA_PAD hash mismatch')
  return dataWithPadding
}

/**
 * Undoes the legacy scheme: block = 0 + SHA1(data) + data + padding. `dataLength` tells, from the bytes after the
 * hash, how long the TL object is (the caller's parser); a length that does not fit or a hash mismatch is
 * SecurityError 'bad-rsa-data'.
 */
export function rsaLegacyDecrypt(
  crypto: CryptoProvider,
  pair: RsaKeyPair,
  encrypted: Uint8Array,
  dataLength: (payload: Uint8Array) => number,
): Uint8Array {
  const block = rsaRawDecrypt(pair, encrypted)
  if (block[0] !== 0) throw bad('legacy RSA block does not start with a zero byte')
  const payload = block.subarray(21)
  const len = dataLength(payload)
  if (!Number.isInteger(len) || len < 0 || len > payload.length) throw bad(`legacy RSA data length ${len} does not fit`)
  const data = payload.slice(0, len)
  if (!timingSafeEqual(crypto.sha1(data), block.subarray(1, 21))) throw bad('legacy RSA SHA1 mismatch')
  return data
}
