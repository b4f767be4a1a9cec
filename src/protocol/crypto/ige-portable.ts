/**
 * AES-256-IGE in plain JavaScript: 32-bit T-table rounds over little-endian column words, no native code, no WASM.
 * This is the fallback wherever the AES-NI addon is absent, and the reference the native path is tested against.
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector (IGE mode:
 * c_i = E(p_i ^ c_{i-1}) ^ p_{i-1}, p_i = D(c_i ^ p_{i-1}) ^ c_{i-1}; iv = c_0 || p_0).
 *
 * Speed notes: the kernels (ige-kernels.ts) inline the whole cipher into the chaining loop with the state and the
 * round keys in locals; messages are read and written through `Int32Array` views when aligned (one copy into an
 * aligned scratch buffer otherwise), and the key schedules live in module scratch arrays, so calls do not allocate.
 */
// biome-ignore-all lint/style/noNonNullAssertion: table indices are masked to 0..255; word indices stay below the length checked on entry.
import { expandDecKey, expandEncKey } from './aes-key.js'
import { igeDecryptWords, igeEncryptWords } from './ige-kernels.js'
import { checkIge, resolveOut, separateSource } from './check.js'

/** True where typed-array words are little-endian (everything Node ships for today except s390x). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

const encSchedule = new Int32Array(60)
const decSchedule = new Int32Array(60)
const ivWords = new Int32Array(8)
const ivBytes = new Uint8Array(ivWords.buffer)
/** Grows to the largest unaligned message seen; reused so steady-state calls do not allocate. */
let scratch = new Int32Array(0)

function bswapAll(w: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = w[i]!
    w[i] = ((x >>> 24) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24)) | 0
  }
}

function loadIv(iv: Uint8Array): void {
  ivBytes.set(iv)
  if (!LITTLE_ENDIAN) bswapAll(ivWords, 8)
}

type WordKernel = (src: Int32Array, dst: Int32Array, n: number, k: Int32Array, iv: Int32Array) => void

function run(kernel: WordKernel, schedule: Int32Array, data: Uint8Array, dst: Uint8Array): Uint8Array {
  const n = data.length >>> 2
  if (LITTLE_ENDIAN && (data.byteOffset & 3) === 0 && (dst.byteOffset & 3) === 0) {
    kernel(new Int32Array(data.buffer, data.byteOffset, n), new Int32Array(dst.buffer, dst.byteOffset, n), n, schedule, ivWords)
    return dst
  }
  if (scratch.length < n) scratch = new Int32Array(n)
  const bytes = new Uint8Array(scratch.buffer, 0, data.length)
  bytes.set(data)
  if (!LITTLE_ENDIAN) bswapAll(scratch, n)
  kernel(scratch, scratch, n, schedule, ivWords)
  if (!LITTLE_ENDIAN) bswapAll(scratch, n)
  dst.set(bytes)
  return dst
}

/**
 * AES-256-IGE encryption in pure JavaScript. `out` may be `data` itself (in place) or any buffer at least as long.
 * Throws `ArgumentError` on a key or iv of the wrong size or a length that is not a multiple of 16.
 */
export function portableIgeEncrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array, out?: Uint8Array): Uint8Array {
  checkIge(data, key, iv)
  const dst = resolveOut(data, out)
  expandEncKey(key, encSchedule)
  loadIv(iv)
  return run(igeEncryptWords, encSchedule, separateSource(data, dst), dst)
}

/**
 * AES-256-IGE decryption in pure JavaScript. `out` may be `data` itself (in place) or any buffer at least as long.
 * Throws `ArgumentError` on a key or iv of the wrong size or a length that is not a multiple of 16.
 */
export function portableIgeDecrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array, out?: Uint8Array): Uint8Array {
  checkIge(data, key, iv)
  const dst = resolveOut(data, out)
  expandDecKey(expandEncKey(key, encSchedule), decSchedule)
  loadIv(iv)
  return run(igeDecryptWords, decSchedule, separateSource(data, dst), dst)
}
