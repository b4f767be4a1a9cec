/**
 * Client side of the handshake's RSA step: Telegram public keys, their MTProto fingerprints, RSA_PAD (MTProto 2.0
 * encryption of p_q_inner_data_dc) and the legacy SHA1-prefixed scheme for old keys. Raw RSA runs in OpenSSL.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key#presenting-proof-of-work-server-authentication (RSA_PAD:
 * data_with_padding 192 bytes, reversed, temp_key, SHA256 hash, AES-256-IGE with zero IV, temp_key XOR, retry when
 * the result is not below n), https://core.telegram.org/mtproto/auth_key#dh-exchange-initiation (fingerprints).
 */
import { constants, createPublicKey, type KeyObject, publicEncrypt } from 'node:crypto'
import { ArgumentError } from '../../errors.js'
import { SecurityError } from '../errors.js'
import type { RandomSource } from '../random.js'
import { bigIntFromBytes, bigIntToBytes } from './dh-bigint.js'
import type { CryptoProvider } from './provider.js'
import { BUILTIN_RSA_KEYS, type BuiltinRsaKey } from './rsa-keys.js'

/** Telegram keys are 2048-bit: every RSA block is 256 bytes. */
export const RSA_BYTES = 256
/** RSA_PAD pads its input to this many bytes, so p_q_inner_data_dc may be at most this long. */
export const RSA_PAD_DATA_BYTES = 192
/** The spec's bound on RSA_PAD input ("data ... of length at most 144 bytes"). */
export const RSA_PAD_MAX_DATA = 144
/** Legacy scheme: SHA1(data) + data + random padding up to this many bytes. */
const LEGACY_BLOCK = 255
/** How many temp_keys RSA_PAD tries before giving up; each try succeeds with probability > 1/2 for any n. */
const RSA_PAD_MAX_TRIES = 64
const ZERO_IV = new Uint8Array(32)

/** An MTProto key fingerprint in its three notations. */
export interface RsaFingerprint {
  /** The 8 bytes as they appear on the wire (the last 8 bytes of the SHA1). */
  readonly bytes: Uint8Array
  /** Those bytes read as a little-endian unsigned 64-bit integer (the usual hex notation, e.g. d09d1d85de64fd85). */
  readonly u64: bigint
  /** The same read as a signed TL long (how resPQ decodes it). */
  readonly i64: bigint
}

/** A parsed RSA public key with its fingerprint. */
export interface RsaPublicKey {
  readonly n: bigint
  readonly e: bigint
  /** n as exactly {@link RSA_BYTES} big-endian bytes. */
  readonly nBytes: Uint8Array
  readonly fingerprint: RsaFingerprint
  readonly keyObject: KeyObject
  /** Old keys take the legacy padding scheme; current keys take RSA_PAD. */
  readonly old: boolean
  readonly environment: BuiltinRsaKey['environment'] | 'custom'
}

function tlBytes(data: Uint8Array): Uint8Array {
  const head = data.length < 254 ? 1 : 4
  const total = Math.ceil((head + data.length) / 4) * 4
  const out = new Uint8Array(total)
  if (head === 1) {
    out[0] = data.length
  } else {
    out[0] = 254
    out[1] = data.length & 0xff
    out[2] = (data.length >> 8) & 0xff
    out[3] = (data.length >> 16) & 0xff
  }
  out.set(data, head)
  return out
}

/**
 * MTProto fingerprint: the lower 64 bits of SHA1 of the TL-serialized `rsa_public_key n:bytes e:bytes` (n and e as
 * big-endian TL bytes without leading zeros, no constructor id).
 */
export function rsaFingerprint(crypto: CryptoProvider, n: bigint, e: bigint): RsaFingerprint {
  const sha = crypto.sha1(tlBytes(bigIntToBytes(n)), tlBytes(bigIntToBytes(e)))
  const bytes = sha.slice(12, 20)
  const view = new DataView(bytes.buffer)
  return { bytes, u64: view.getBigUint64(0, true), i64: view.getBigInt64(0, true) }
}

function fromBase64Url(s: string): bigint {
  return bigIntFromBytes(new Uint8Array(Buffer.from(s, 'base64url')))
}

/** Parses a PEM public key (PKCS#1 "RSA PUBLIC KEY" or SPKI "PUBLIC KEY") of 2048 bits. */
export function rsaPublicKeyFromPem(
  crypto: CryptoProvider,
  pem: string,
  meta: { old?: boolean; environment?: RsaPublicKey['environment'] } = {},
): RsaPublicKey {
  let keyObject: KeyObject
  try {
    keyObject = createPublicKey({ key: pem, format: 'pem' })
  } catch (err) {
    throw new SecurityError('bad-rsa-key', `cannot parse RSA public key: ${(err as Error).message}`)
  }
  const jwk = keyObject.export({ format: 'jwk' })
  if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') {
    throw new SecurityError('bad-rsa-key', 'not an RSA public key')
  }
  const n = fromBase64Url(jwk.n)
  const e = fromBase64Url(jwk.e)
  if (n >> 2047n !== 1n) throw new SecurityError('bad-rsa-key', 'RSA modulus is not 2048 bits', { bits: n.toString(2).length })
  return {
    n,
    e,
    nBytes: bigIntToBytes(n, RSA_BYTES),
    fingerprint: rsaFingerprint(crypto, n, e),
    keyObject,
    old: meta.old ?? false,
    environment: meta.environment ?? 'custom',
  }
}

/** Every built-in Telegram key, parsed (current keys first). */
export function builtinRsaKeys(crypto: CryptoProvider): RsaPublicKey[] {
  return BUILTIN_RSA_KEYS.map((k) =>
    rsaPublicKeyFromPem(crypto, k.pem, { old: k.environment === 'old', environment: k.environment }),
  )
}

/**
 * Picks the key to use for a resPQ's `server_public_key_fingerprints` (signed TL longs, or unsigned): a current
 * key if any matches, else an old one (when `allowOld`), else throws SecurityError 'bad-rsa-key'.
 */
export function selectRsaKey(keys: readonly RsaPublicKey[], fingerprints: readonly bigint[], allowOld = true): RsaPublicKey {
  const wanted = new Set(fingerprints.map((f) => BigInt.asUintN(64, f)))
  const matches = keys.filter((k) => wanted.has(k.fingerprint.u64))
  const pick = matches.find((k) => !k.old) ?? (allowOld ? matches[0] : undefined)
  if (pick === undefined) {
    throw new SecurityError('bad-rsa-key', 'none of the server fingerprints matches a known RSA key', {
      offered: fingerprints.map((f) => BigInt.asUintN(64, f).toString(16)).join(','),
    })
  }
  return pick
}

/** Raw RSA: block^e mod n on exactly {@link RSA_BYTES} bytes that are already below n. */
export function rsaRawEncrypt(key: RsaPublicKey, block: Uint8Array): Uint8Array {
  if (block.length !== RSA_BYTES) throw new ArgumentError(`RSA block must be ${RSA_BYTES} bytes`, 'block')
  const out = publicEncrypt({ key: key.keyObject, padding: constants.RSA_NO_PADDING }, block)
  return new Uint8Array(out.buffer, out.byteOffset, out.length)
}

function lessThan(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0
    const y = b[i] ?? 0
    if (x !== y) return x < y
  }
  return false
}

/**
 * The RSA_PAD inner transform before raw RSA, exposed for the server side and tests: returns key_aes_encrypted
 * (256 bytes) for `dataWithPadding` (192 bytes) and `tempKey` (32 bytes).
 */
export function rsaPadTransform(crypto: CryptoProvider, dataWithPadding: Uint8Array, tempKey: Uint8Array): Uint8Array {
  const dataWithHash = new Uint8Array(RSA_PAD_DATA_BYTES + 32)
  for (let i = 0; i < RSA_PAD_DATA_BYTES; i++) dataWithHash[i] = dataWithPadding[RSA_PAD_DATA_BYTES - 1 - i] ?? 0
  dataWithHash.set(crypto.sha256(tempKey, dataWithPadding), RSA_PAD_DATA_BYTES)
  const out = new Uint8Array(RSA_BYTES)
  const aesEncrypted = crypto.igeEncrypt(dataWithHash, tempKey, ZERO_IV, out.subarray(32))
  const h = crypto.sha256(aesEncrypted)
  for (let i = 0; i < 32; i++) out[i] = (tempKey[i] ?? 0) ^ (h[i] ?? 0)
  return out
}

/**
 * RSA_PAD(data, key) for p_q_inner_data_dc: pads `data` (at most 144 bytes) with random bytes to 192, then draws
 * 32-byte temp_keys from `random` until key_aes_encrypted < n, then raw RSA. Random bytes are consumed in this
 * order: the padding, then one temp_key per try.
 */
export function rsaPadEncrypt(crypto: CryptoProvider, key: RsaPublicKey, data: Uint8Array, random: RandomSource): Uint8Array {
  if (data.length > RSA_PAD_MAX_DATA) {
    throw new ArgumentError(`RSA_PAD data is ${data.length} bytes, at most ${RSA_PAD_MAX_DATA} allowed`, 'data')
  }
  const dataWithPadding = new Uint8Array(RSA_PAD_DATA_BYTES)
  dataWithPadding.set(data)
  random(dataWithPadding.subarray(data.length))
  const tempKey = new Uint8Array(32)
  for (let attempt = 0; attempt < RSA_PAD_MAX_TRIES; attempt++) {
    random(tempKey)
    const block = rsaPadTransform(crypto, dataWithPadding, tempKey)
    if (lessThan(block, key.nBytes)) return rsaRawEncrypt(key, block)
  }
  throw new SecurityError('bad-rsa-key', `RSA_PAD found no temp_key below n in ${RSA_PAD_MAX_TRIES} tries`)
}

/**
 * The legacy scheme for old keys: raw RSA of SHA1(data) + data + random padding to 255 bytes (a leading zero byte
 * keeps the 256-byte block below n).
 */
export function rsaLegacyEncrypt(crypto: CryptoProvider, key: RsaPublicKey, data: Uint8Array, random: RandomSource): Uint8Array {
  if (20 + data.length > LEGACY_BLOCK) {
    throw new ArgumentError(`legacy RSA data is ${data.length} bytes, at most ${LEGACY_BLOCK - 20} allowed`, 'data')
  }
  const block = new Uint8Array(RSA_BYTES)
  block.set(crypto.sha1(data), 1)
  block.set(data, 21)
  random(block.subarray(21 + data.length))
  return rsaRawEncrypt(key, block)
}

/** Encrypts p_q_inner_data with the scheme the key calls for: RSA_PAD for current keys, legacy for old ones. */
export function rsaEncryptInnerData(
  crypto: CryptoProvider,
  key: RsaPublicKey,
  data: Uint8Array,
  random: RandomSource,
): Uint8Array {
  return key.old ? rsaLegacyEncrypt(crypto, key, data, random) : rsaPadEncrypt(crypto, key, data, random)
}
