/**
 * The default CryptoProvider for Node: node:crypto (OpenSSL) for hashes, HMAC, PBKDF2, AES-CTR and randomness, and
 * the fastest available AES-256-IGE: the AES-NI addon when it loads, otherwise the portable paths.
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector (IGE mode),
 * https://core.telegram.org/mtproto/mtproto-transports#transport-obfuscation (AES-256-CTR).
 *
 * IGE choices, measured on the CI VM (Node 20, MB/s at 1 MiB; see bench/crypto.ts): AES-NI addon ~1330 both ways
 * (OpenSSL's own CBC encrypt is ~1170); without it, encryption uses OpenSSL CBC plus two XOR passes (ige-cbc.ts,
 * ~750) from 2 KiB up and the JS T-table kernel below that (at 192 B: ~190 vs ~60, the CBC cipher setup
 * dominates); decryption has no CBC identity and uses the JS kernel (~300).
 */
import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomFillSync } from 'node:crypto'
import { ArgumentError, MtError, registerError } from '../../errors.js'
import { checkBytes, checkIge, checkKey, CTR_IV, resolveOut, separateSource } from './check.js'
import { cbcIgeEncrypt } from './ige-cbc.js'
import { portableIgeDecrypt, portableIgeEncrypt } from './ige-portable.js'
import { loadNativeIge, type NativeIge } from './native.js'
import type { AesCtr, CryptoProvider } from './provider.js'

/** Below this size the JS kernel encrypts faster than setting up an OpenSSL CBC cipher (crossover ~1.5 KiB). */
const CBC_TRICK_MIN_BYTES = 2048

/** Which AES-256-IGE implementation a provider uses. */
export type IgeBackend = 'auto' | 'native' | 'portable'

/** Options of {@link createNodeCryptoProvider}. */
export interface NodeCryptoOptions {
  /**
   * `'auto'` (default): the AES-NI addon when it loads and passes its self-test, else the portable path;
   * `'native'`: require the addon (throws {@link NativeUnavailableError} when it is missing);
   * `'portable'`: never load it. `MTACTOR_NO_NATIVE=1` turns `'auto'` into `'portable'`.
   */
  readonly ige?: IgeBackend
}

/** The AES-NI addon was required (`ige: 'native'`) but is not usable here. */
export class NativeUnavailableError extends MtError {
  override readonly kind: string = 'NativeUnavailableError'

  constructor(
    /** Why each candidate addon was rejected. */
    readonly reason: string,
  ) {
    super(`AES-NI addon unavailable: ${reason}`)
  }

  override fields(): Record<string, string> {
    return { reason: this.reason }
  }
}
registerError('NativeUnavailableError', (_m, f) => new NativeUnavailableError(String(f.reason)))

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

function portableEncrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array, out?: Uint8Array): Uint8Array {
  return data.length >= CBC_TRICK_MIN_BYTES ? cbcIgeEncrypt(data, key, iv, out) : portableIgeEncrypt(data, key, iv, out)
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
    return new Uint8Array(res.buffer, res.byteOffset, res.length)
  }
}

function digest(alg: 'sha1' | 'sha256', parts: Uint8Array[]): Uint8Array {
  const h = createHash(alg)
  for (const p of parts) h.update(checkPart(p))
  return new Uint8Array(h.digest())
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
 * The default Node provider: OpenSSL for everything it does natively, the AES-NI addon (or the portable JS/CBC
 * paths) for AES-256-IGE. `name` tells which IGE backend is in use ("node+native-ige" / "node+portable-ige").
 */
export function createNodeCryptoProvider(options: NodeCryptoOptions = {}): CryptoProvider {
  const mode = options.ige ?? 'auto'
  let addon: NativeIge | undefined
  if (mode !== 'portable') {
    const status = loadNativeIge()
    if (status.ok) addon = status.addon
    else if (mode === 'native') throw new NativeUnavailableError(status.reason)
  }
  return {
    name: addon ? 'node+native-ige' : 'node+portable-ige',
    sha1: (...parts) => digest('sha1', parts),
    sha256: (...parts) => digest('sha256', parts),
    hmacSha256(key, ...parts) {
      checkBytes(key, 'key')
      const h = createHmac('sha256', key)
      for (const p of parts) h.update(checkPart(p))
      return new Uint8Array(h.digest())
    },
    pbkdf2Sha512(password, salt, iterations) {
      checkBytes(password, 'password')
      checkBytes(salt, 'salt')
      if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
        throw new ArgumentError(`PBKDF2 iterations must be an integer in 1..${MAX_PBKDF2_ITERATIONS}, got ${iterations}`, 'iterations')
      }
      return new Uint8Array(pbkdf2Sync(password, salt, iterations, 64, 'sha512'))
    },
    igeEncrypt: addon ? nativeIge(addon, false) : portableEncrypt,
    igeDecrypt: addon ? nativeIge(addon, true) : portableIgeDecrypt,
    createAesCtr: (key, iv) => new NodeCtr(key, iv),
    randomFill(out) {
      checkBytes(out, 'out')
      randomFillSync(out)
      return out
    },
  }
}
