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

/**
 * Messages go through OpenSSL in chunks of this size: the CBC input scratch stays bounded and L2-resident, and
 * each `update` result is small enough to be recycled by the allocator instead of page-faulted in fresh.
 */
const CHUNK = 64 * 1024

/** CBC input x for one chunk. */
const scratch = new Uint8Array(CHUNK)
/** p_{i-2} and p_{i-1} for the first block of the next chunk (p_{-1} is defined as zero, p_0 = iv[16:32]). */
const history = new Uint8Array(32)
const nextHistory = new Uint8Array(32)

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
 * AES-256-IGE encryption through OpenSSL CBC plus two XOR passes per 64 KiB chunk (the CBC chaining carries across
 * `update` calls). `out` may be `data` (in place). Throws `ArgumentError` on bad key/iv sizes or a length that is
 * not a multiple of 16.
 */
export function cbcIgeEncrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array, out?: Uint8Array): Uint8Array {
  checkIge(data, key, iv)
  const dst = resolveOut(data, out)
  const src = separateSource(data, dst)
  const len = src.length
  if (len === 0) return dst
  const cipher = createCipheriv('aes-256-cbc', key, iv.subarray(0, 16))
  cipher.setAutoPadding(false)
  // With p_{-1} = 0 the uniform rule x_i = p_i ^ p_{i-2} also yields x_1 = p_1 and x_2 = p_2 ^ p_0.
  history.fill(0, 0, 16)
  history.set(iv.subarray(16, 32), 16)
  const x = scratch
  for (let off = 0; off < len; off += CHUNK) {
    const n = Math.min(CHUNK, len - off)
    // x for the chunk's first two blocks comes from the saved history, the rest from the chunk itself.
    xorInto(x, 0, src, off, history, 0, 16)
    if (n > 16) xorInto(x, 16, src, off + 16, history, 16, 16)
    if (n > 32) xorInto(x, 32, src, off + 32, src, off, n - 32)
    // Save the last two plaintext blocks before an in-place call overwrites them.
    if (n >= 32) {
      nextHistory.set(src.subarray(off + n - 32, off + n))
    } else {
      nextHistory.set(history.subarray(16, 32), 0)
      nextHistory.set(src.subarray(off, off + 16), 16)
    }
    const d = cipher.update(x.subarray(0, n))
    // c_i = d_i ^ p_{i-1}, back to front so an in-place call reads p_{i-1} before it is overwritten.
    if (n > 16) xorInto(dst, off + 16, d, 16, src, off, n - 16)
    xorInto(dst, off, d, 0, history, 16, 16)
    history.set(nextHistory)
  }
  return dst
}
