/**
 * Argument checks shared by every AES path, so the JS, the CBC-trick and the native implementations reject bad input
 * with the same typed `ArgumentError` before any byte is processed (native code is never reached with bad sizes).
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector (32-byte AES-256
 * key; IGE iv of 32 bytes; payloads padded to the 16-byte block size).
 */
import { ArgumentError } from '../../errors.js'

/** The AES block size in bytes. */
export const AES_BLOCK = 16
/** AES-256 key size in bytes. */
export const AES256_KEY = 32
/** IGE iv size: two blocks, c_0 then p_0. */
export const IGE_IV = 32
/** CTR initial counter block size. */
export const CTR_IV = 16

/** Throws unless `v` is a Uint8Array (Buffer included). */
export function checkBytes(v: unknown, argument: string): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array)) throw new ArgumentError(`${argument} must be a Uint8Array`, argument)
}

/** Throws unless `key` is a 32-byte Uint8Array. */
export function checkKey(key: unknown): asserts key is Uint8Array {
  checkBytes(key, 'key')
  if (key.length !== AES256_KEY) throw new ArgumentError(`AES-256 key must be ${AES256_KEY} bytes, got ${key.length}`, 'key')
}

/** Validates an IGE call: 32-byte key, 32-byte iv, data a whole number of blocks. */
export function checkIge(data: unknown, key: unknown, iv: unknown): asserts data is Uint8Array {
  checkBytes(data, 'data')
  checkKey(key)
  checkBytes(iv, 'iv')
  if (iv.length !== IGE_IV) throw new ArgumentError(`IGE iv must be ${IGE_IV} bytes, got ${iv.length}`, 'iv')
  if (data.length % AES_BLOCK !== 0) {
    throw new ArgumentError(`IGE data length ${data.length} is not a multiple of ${AES_BLOCK}`, 'data')
  }
}

/**
 * The buffer a result is written to: `out` when given (it must hold at least `data.length` bytes; a longer `out`
 * gets its leading bytes written and that prefix returned), otherwise a fresh array.
 */
export function resolveOut(data: Uint8Array, out: unknown): Uint8Array {
  if (out === undefined) return new Uint8Array(data.length)
  checkBytes(out, 'out')
  if (out.length < data.length) {
    throw new ArgumentError(`out holds ${out.length} bytes, ${data.length} needed`, 'out')
  }
  return out.length === data.length ? out : out.subarray(0, data.length)
}

/**
 * `data`, or a copy of it when it overlaps `dst` at a different offset: the chaining loops read block i after
 * writing block i-1, which is safe in place (same offset) or with disjoint buffers, but not with a shifted overlap.
 */
export function separateSource(data: Uint8Array, dst: Uint8Array): Uint8Array {
  if (data.buffer !== dst.buffer || data.byteOffset === dst.byteOffset) return data
  const overlap = data.byteOffset < dst.byteOffset + dst.length && dst.byteOffset < data.byteOffset + data.length
  return overlap ? data.slice() : data
}
