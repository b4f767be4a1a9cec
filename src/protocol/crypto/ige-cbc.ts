/**
 * AES-256-IGE encryption on top of OpenSSL's AES-256-CBC (node:crypto), for hosts without the AES-NI addon.
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector
 *
 * The identity (proved byte for byte by test/protocol/crypto/ige-cbc.test.ts against the published vectors and the
 * block-wise definition). IGE encryption is c_i = E(p_i ^ c_{i-1}) ^ p_{i-1} with c_0 = iv[0:16], p_0 = iv[16:32].
 * Let d_i = c_i ^ p_{i-1}, i.e. the raw AES output. Then c_{i-1} = d_{i-1} ^ p_{i-2}, so
 *     d_i = E(p_i ^ d_{i-1} ^ p_{i-2})  for i >= 2,   d_1 = E(p_1 ^ c_0).
 * That is exactly CBC encryption E(x_i ^ d_{i-1}) of the sequence
 *     x_1 = p_1,  x_2 = p_2 ^ p_0,  x_i = p_i ^ p_{i-2} (i >= 3),  with CBC iv = c_0,
 * (for i = 2: d_2 = E(p_2 ^ c_1) = E(p_2 ^ d_1 ^ p_0)). Afterwards c_i = d_i ^ p_{i-1}. So the serial part runs in
 * OpenSSL's CBC loop and the two XOR passes are independent per block (word-wide loops).
 */
import { createCipheriv } from 'node:crypto'
import { checkIge, resolveOut, separateSource } from './check.js'

/** Grows to the largest message seen; holds the CBC input x so `data` is never modified. */
let scratch = new Uint8Array(0)

function aligned(...arrays: Uint8Array[]): boolean {
  for (const a of arrays) if ((a.byteOffset & 3) !== 0) return false
  return true
}

/**
 * dst[i] = a[i] ^ b[i] for `len` bytes starting at the given offsets, word-wide when all three are aligned.
 * Runs from the last word to the first, so `dst` may overlap `b` at a lower offset (the in-place c_i = d_i ^ p_{i-1}).
 */
function xorInto(dst: Uint8Array, dOff: number, a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): void {
  if (aligned(dst, a, b)) {
    const n = len >>> 2
    const d32 = new Int32Array(dst.buffer, dst.byteOffset + dOff, n)
    const a32 = new Int32Array(a.buffer, a.byteOffset + aOff, n)
    const b32 = new Int32Array(b.buffer, b.byteOffset + bOff, n)
    for (let i = n - 1; i >= 0; i--) d32[i] = (a32[i] as number) ^ (b32[i] as number)
    return
  }
  for (let i = len - 1; i >= 0; i--) dst[dOff + i] = (a[aOff + i] as number) ^ (b[bOff + i] as number)
}

/**
 * AES-256-IGE encryption through one OpenSSL CBC call plus two XOR passes. `out` may be `data` (in place).
 * Throws `ArgumentError` on bad key/iv sizes or a length that is not a multiple of 16.
 */
export function cbcIgeEncrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array, out?: Uint8Array): Uint8Array {
  checkIge(data, key, iv)
  const dst = resolveOut(data, out)
  const src = separateSource(data, dst)
  const len = src.length
  if (len === 0) return dst
  if (scratch.length < len) scratch = new Uint8Array(len)
  const x = scratch
  // x_1 = p_1; x_2 = p_2 ^ p_0 (p_0 = iv[16:32]); x_i = p_i ^ p_{i-2}.
  x.set(src.subarray(0, 16), 0)
  if (len > 16) xorInto(x, 16, src, 16, iv, 16, 16)
  if (len > 32) xorInto(x, 32, src, 32, src, 0, len - 32)
  const cipher = createCipheriv('aes-256-cbc', key, iv.subarray(0, 16))
  cipher.setAutoPadding(false)
  const d = cipher.update(x.subarray(0, len))
  // c_i = d_i ^ p_{i-1}, written back to front so an in-place call still reads p_{i-1} before it is overwritten.
  if (len > 16) xorInto(dst, 16, d, 16, src, 0, len - 16)
  xorInto(dst, 0, d, 0, iv, 16, 16)
  return dst
}
