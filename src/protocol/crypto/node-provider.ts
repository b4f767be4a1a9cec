/**
 * The default CryptoProvider for Node: node:crypto (OpenSSL) for hashes, HMAC, PBKDF2, AES-CTR and randomness, and
 * the fastest available AES-256-IGE: the AES-NI addon when it loads, otherwise the portable paths.
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector (IGE mode),
 * https://core.telegram.org/mtproto/mtproto-transports#transport-obfuscation (AES-256-CTR).
 *
 * IGE backends, measured on the CI VM (Node 20, MB/s, interleaved with mtcute's WASM at ~300; bench/crypto.ts):
 * - native: the AES-NI addon, ~1330 both ways at 1 MiB (OpenSSL's own CBC encrypt is ~1170).
 * - wasm: our T-table kernels compiled to WebAssembly, ~340 both ways at 4 KiB..1 MiB. Encryption switches to
 *   OpenSSL CBC plus two XOR passes (ige-cbc.ts, ~440 at 4 KiB, ~660-750 at 1 MiB) from 2 KiB up; below that the
 *   CBC cipher setup dominates (~60 at 192 B).
 * - js: the same kernels in plain JavaScript (~250-290), for runtimes without WebAssembly (`node --jitless`).
 */
import { createCipheriv, createHash, createHmac, hash, pbkdf2Sync, randomFillSync } from 'node:crypto'
import { ArgumentError } from '../../errors.js'
import { NativeUnavailableError } from './backend-error.js'
import { checkBytes, checkIge, checkKey, CTR_IV, resolveOut, separateSource } from './check.js'
import { cbcIgeEncrypt } from './ige-cbc.js'
import { portableIgeDecrypt, portableIgeEncrypt } from './ige-portable.js'
import { wasmIgeAvailable, wasmIgeDecrypt, wasmIgeEncrypt } from './ige-wasm.js'
import { loadNativeIge, type NativeIge } from './native.js'
import type { AesCtr, CryptoProvider } from './provider.js'

export { NativeUnavailableError } from './backend-error.js'

/** Below this size the WASM/JS kernels encrypt faster than setting up an OpenSSL CBC cipher (crossover ~2 KiB). */
const CBC_TRICK_MIN_BYTES = 2048

/**
 * Which AES-256-IGE implementation a provider uses: `'native'` (AES-NI addon), `'wasm'`, `'js'`, `'portable'`
 * (wasm when WebAssembly works, else js) or `'auto'` (native when it loads, else portable).
 */
export type IgeBackend = 'auto' | 'native' | 'portable' | 'wasm' | 'js'

/** Options of {@link createNodeCryptoProvider}. */
export interface NodeCryptoOptions {
  /**
   * `'auto'` (default): the AES-NI addon when it loads and passes its self-test, else the portable path;
   * `'native'`: require the addon (throws {@link NativeUnavailableError} when it is missing);
   * `'portable'`: never load it (WASM, or JS without WebAssembly); `'wasm'` / `'js'`: exactly that kernel
   * (`'wasm'` throws {@link NativeUnavailableError} without WebAssembly). `MTACTOR_NO_NATIVE=1` turns `'auto'`
   * into `'portable'`.
   */
  readonly ige?: IgeBackend
}

const BACKENDS: readonly IgeBackend[] = ['auto', 'native', 'portable', 'wasm', 'js']

function nativeIge(addon: NativeIge, decrypt: boolean) {
  return (data: Uint8Array, key: Uint8Array, iv: Uint8Array, out?: Uint8Array): Uint8Array => {
    checkIge(data, key, iv)
    const dst = resolveOut(data, out)
    const src = separateSource(data, dst)
    if (decrypt) addon.igeDecrypt(src, key, iv, dst)
    else addon.igeEncrypt(src, key, iv, dst)
    return dst
  }
}

type IgeFn = (data: Uint8Array, key: Uint8Array, iv: Uint8Array, out?: Uint8Array) => Uint8Array

/** Small messages through `small`, the rest through OpenSSL CBC plus the IGE identity. */
function withCbcTrick(small: IgeFn): IgeFn {
  return (data, key, iv, out) =>
    data.length >= CBC_TRICK_MIN_BYTES ? cbcIgeEncrypt(data, key, iv, out) : small(data, key, iv, out)
}

interface IgePair {
  readonly label: string
  readonly encrypt: IgeFn
  readonly decrypt: IgeFn
}

function selectIge(mode: IgeBackend): IgePair {
  if (!BACKENDS.includes(mode)) throw new ArgumentError(`unknown IGE backend ${String(mode)}`, 'ige')
  if (mode === 'auto' || mode === 'native') {
    const status = loadNativeIge()
    if (status.ok) return { label: 'native', encrypt: nativeIge(status.addon, false), decrypt: nativeIge(status.addon, true) }
    if (mode === 'native') throw new NativeUnavailableError(status.reason)
  }
  if (mode !== 'js') {
    if (wasmIgeAvailable()) return { label: 'wasm', encrypt: withCbcTrick(wasmIgeEncrypt), decrypt: wasmIgeDecrypt }
    if (mode === 'wasm') throw new NativeUnavailableError('WebAssembly is not available in this runtime')
  }
  return { label: 'js', encrypt: withCbcTrick(portableIgeEncrypt), decrypt: portableIgeDecrypt }
}

class NodeCtr implements AesCtr {
  readonly #cipher
  constructor(key: Uint8Array, iv: Uint8Array) {
    checkKey(key)
    checkBytes(iv, 'iv')
    if (iv.length !== CTR_IV) throw new ArgumentError(`CTR iv must be ${CTR_IV} bytes, got ${iv.length}`, 'iv')
    this.#cipher = createCipheriv('aes-256-ctr', key, iv)
  }
  process(data: Uint8Array, out?: Uint8Array): Uint8Array {
    checkBytes(data, 'data')
    const dst = out === undefined ? undefined : resolveOut(data, out)
    const res = this.#cipher.update(data)
    if (dst) {
      dst.set(res)
      return dst
    }
    return plain(res)
  }
}

/**
 * Node returns Buffers, whose `slice` is a view rather than a copy; callers of a provider expect plain Uint8Array
 * semantics (a `slice` they can wrap in a DataView at offset 0), so every result is re-typed as a Uint8Array view
 * (no copy).
 */
function plain(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length)
}

function digest(alg: 'sha1' | 'sha256', parts: Uint8Array[]): Uint8Array {
  // One-shot hashing skips the Hash object: ~0.59 us against ~0.77 us for a 52-byte SHA-256 on this machine.
  if (parts.length === 1) return plain(hash(alg, checkPart(parts[0]), 'buffer'))
  const h = createHash(alg)
  for (let i = 0; i < parts.length; i++) h.update(checkPart(parts[i]))
  return plain(h.digest())
}

function checkPart(p: unknown): Uint8Array {
  checkBytes(p, 'parts')
  return p
}

/**
 * Upper bound on PBKDF2 cost: Telegram's only SRP algorithm uses 100,000 iterations; 100x headroom keeps a
 * malicious or corrupt `iterations` from pinning a thread for more than ~10 s (about 1 us per iteration here).
 */
const MAX_PBKDF2_ITERATIONS = 10_000_000

/**
 * The default Node provider: OpenSSL for everything it does natively, the AES-NI addon (or the WASM / JS / CBC
 * paths) for AES-256-IGE. `name` tells which IGE backend is in use: "node+native-ige", "node+wasm-ige" or
 * "node+js-ige".
 */
export function createNodeCryptoProvider(options: NodeCryptoOptions = {}): CryptoProvider {
  const ige = selectIge(options.ige ?? 'auto')
  return {
    name: `node+${ige.label}-ige`,
    sha1: (...parts) => digest('sha1', parts),
    sha256: (...parts) => digest('sha256', parts),
    hmacSha256(key, ...parts) {
      checkBytes(key, 'key')
      const h = createHmac('sha256', key)
      for (const p of parts) h.update(checkPart(p))
      return plain(h.digest())
    },
    pbkdf2Sha512(password, salt, iterations) {
      checkBytes(password, 'password')
      checkBytes(salt, 'salt')
      if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
        throw new ArgumentError(`PBKDF2 iterations must be an integer in 1..${MAX_PBKDF2_ITERATIONS}, got ${iterations}`, 'iterations')
      }
      return plain(pbkdf2Sync(password, salt, iterations, 64, 'sha512'))
    },
    igeEncrypt: ige.encrypt,
    igeDecrypt: ige.decrypt,
    createAesCtr: (key, iv) => new NodeCtr(key, iv),
    randomFill(out) {
      checkBytes(out, 'out')
      randomFillSync(out)
      return out
    },
  }
}
