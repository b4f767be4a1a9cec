/**
 * Helpers shared by both sides of the auth key exchange: safe TL parsing of step messages, the "SHA1 + data +
 * padding" envelope that server_DH_params_ok.encrypted_answer and set_client_DH_params.encrypted_data use, nonce
 * comparison, and the result type.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key#request-to-start-diffie-hellman-key-exchange (encrypted_answer =
 * AES256_ige_encrypt(answer_with_hash), answer_with_hash = SHA1(answer) + answer + 0-15 random bytes), and
 * https://core.telegram.org/mtproto/auth_key#client-sends-request-to-server (the same for data_with_hash).
 */
import { timingSafeEqual } from 'node:crypto'
import { SecurityError } from '../errors.js'
import type { RandomSource } from '../random.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { TlReader, type TlDeserialized, deserializeObject } from '../../tl/service.js'
import { AuthError } from './errors.js'

/** SHA1 output size: the hash that prefixes answer_with_hash / data_with_hash. */
export const SHA1_BYTES = 20
/** AES block size: the envelope is padded to a multiple of it with 0..15 random bytes. */
const AES_BLOCK = 16

/** What a finished handshake yields (both sides). */
export interface AuthKeyResult {
  /** The 256-byte auth key. */
  authKey: Uint8Array
  /** auth_key_id as a signed TL long (the 8 wire bytes read little-endian). */
  authKeyId: bigint
  /** The first server salt: new_nonce[0:8] XOR server_nonce[0:8] as a signed TL long. */
  serverSalt: bigint
  /** server_time minus local time, in seconds (0 on the server side). */
  timeOffset: number
  /** Unix seconds when a temp key expires (absent for permanent keys). */
  expiresAt?: number
}

/** Reads 8 bytes as a little-endian signed 64-bit integer (how TL reads a long). */
export function readLong(bytes: Uint8Array, offset = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getBigInt64(offset, true)
}

/** Constant-time equality of two byte strings (false for different lengths). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

/** Parses one step message, turning any TL failure into AuthError 'unexpected-message'. */
export function parseStep(body: Uint8Array, step: string): TlDeserialized {
  try {
    return deserializeObject(body, { allowGzip: false })
  } catch (e) {
    const err = new AuthError('unexpected-message', `${step}: the message is not valid TL (${(e as Error).message})`, { step })
    err.cause = e
    throw err
  }
}

/** The constructor name of a parsed value, for messages ('vector', 'bool' for non-objects). */
export function nameOf(v: TlDeserialized): string {
  return Array.isArray(v) ? 'vector' : typeof v === 'boolean' ? 'bool' : v._
}

/** Throws AuthError 'unexpected-message' naming what arrived instead of `expected`. */
export function unexpected(step: string, expected: string, got: TlDeserialized): AuthError {
  return new AuthError('unexpected-message', `${step}: expected ${expected}, got ${nameOf(got)}`, { step, got: nameOf(got) })
}

/** Checks a nonce echoed by the peer (constant time). Throws SecurityError 'bad-nonce'. */
export function checkNonce(got: Uint8Array, want: Uint8Array, what: 'nonce' | 'server_nonce', step: string): void {
  if (!sameBytes(got, want)) throw new SecurityError('bad-nonce', `${step}: ${what} does not match`, { step, field: what })
}

/**
 * Builds SHA1(data) + data + random padding to a multiple of 16 bytes (0..15 padding bytes drawn from `random`),
 * ready for AES-IGE.
 */
export function wrapWithHash(crypto: CryptoProvider, data: Uint8Array, random: RandomSource): Uint8Array {
  const len = SHA1_BYTES + data.length
  const out = new Uint8Array(Math.ceil(len / AES_BLOCK) * AES_BLOCK)
  out.set(crypto.sha1(data), 0)
  out.set(data, SHA1_BYTES)
  if (out.length > len) random(out.subarray(len))
  return out
}

/**
 * Undoes {@link wrapWithHash} after decryption: reads one TL object after the hash, checks that 0..15 bytes remain
 * and that SHA1 of the object's bytes matches. Throws SecurityError 'bad-answer-hash' for a mismatch or a bad
 * padding length, AuthError 'unexpected-message' for bytes that are not TL.
 */
export function unwrapWithHash(crypto: CryptoProvider, plain: Uint8Array, step: string): TlDeserialized {
  if (plain.length < SHA1_BYTES + 4) {
    throw new SecurityError('bad-answer-hash', `${step}: decrypted data is too short (${plain.length} bytes)`, { step })
  }
  const r = new TlReader(plain, SHA1_BYTES, plain.length, { allowGzip: false })
  let obj: TlDeserialized
  try {
    obj = r.object() as TlDeserialized
  } catch (e) {
    // Garbage after decryption is what a wrong key or a forged ciphertext produces: a hash failure, not a parse one.
    const err = new SecurityError('bad-answer-hash', `${step}: decrypted data is not a TL object`, { step })
    err.cause = e
    throw err
  }
  const padding = plain.length - r.pos
  const hashOk = sameBytes(crypto.sha1(plain.subarray(SHA1_BYTES, r.pos)), plain.subarray(0, SHA1_BYTES))
  if (!hashOk) throw new SecurityError('bad-answer-hash', `${step}: SHA1 of the decrypted data does not match`, { step })
  if (padding >= AES_BLOCK) {
    throw new SecurityError('bad-answer-hash', `${step}: ${padding} padding bytes after the data (at most 15)`, { step, padding })
  }
  return obj
}

/** Checks an AES-IGE ciphertext length (a positive multiple of 16). Throws SecurityError 'bad-answer-hash'. */
export function checkCipherLength(data: Uint8Array, step: string): void {
  if (data.length === 0 || data.length % AES_BLOCK !== 0) {
    throw new SecurityError('bad-answer-hash', `${step}: encrypted data length ${data.length} is not a multiple of 16`, {
      step,
      length: data.length,
    })
  }
}
