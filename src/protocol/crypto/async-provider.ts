/**
 * The asynchronous face of {@link CryptoProvider}: the same stateless operations returning Promises, so a DC actor
 * can hand large IGE jobs or PBKDF2 to a worker pool (the pool-backed implementation lives with the actor runtime)
 * while small ones stay in-thread. This module defines the interface and the trivial in-thread adapter.
 *
 * Spec: https://core.telegram.org/mtproto/description (the primitives), https://core.telegram.org/api/srp (PBKDF2).
 *
 * Not included: AES-CTR. The obfuscated transport's keystream is state owned by one connection and consumed in
 * order, which a pool of threads cannot share; it stays on the synchronous provider. Results are always fresh
 * arrays (no `out` parameter), because a buffer cannot be written across a thread boundary without being moved.
 */
import { ArgumentError } from '../../errors.js'
import type { CryptoProvider } from './provider.js'

/** Promise-returning twin of the stateless {@link CryptoProvider} operations; results are byte-identical. */
export interface AsyncCryptoProvider {
  /** Label of the implementation (the adapter reports "async(<sync name>)"). */
  readonly name: string
  sha1(...parts: Uint8Array[]): Promise<Uint8Array>
  sha256(...parts: Uint8Array[]): Promise<Uint8Array>
  hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Promise<Uint8Array>
  pbkdf2Sha512(password: Uint8Array, salt: Uint8Array, iterations: number): Promise<Uint8Array>
  igeEncrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Promise<Uint8Array>
  igeDecrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Promise<Uint8Array>
  randomBytes(length: number): Promise<Uint8Array>
}

/**
 * Encrypted messages with at least this many plaintext bytes have their AES-IGE done by the pool. Measured by
 * `npm run bench:pool` (2-core x64 VM, AES-NI addon at ~1.3 GB/s): a pool round trip costs the caller about
 * 60-90 us of wall time and 25-40 us of its own thread whatever the size, while the inline cipher takes ~50 us at
 * 64 KiB and ~100 us at 128 KiB; from 128 KiB on the pool's wall time is within ~1.3x of inline and the caller's
 * thread is busy less than half as long, so 128 KiB is where moving the work starts to pay. Below it, the hop costs
 * more than it frees.
 */
export const DEFAULT_POOL_THRESHOLD = 128 * 1024

/** Largest `randomBytes` request: matches node's `randomFill` limit (2^31 - 1), so the check is ours, not OpenSSL's. */
const MAX_RANDOM_BYTES = 0x7fffffff

/**
 * Wraps a synchronous provider: each call runs on the current thread, and a thrown error (e.g. `ArgumentError`)
 * becomes a rejection rather than escaping synchronously.
 */
export function createInThreadAsyncProvider(sync: CryptoProvider): AsyncCryptoProvider {
  return {
    name: `async(${sync.name})`,
    sha1: async (...parts) => sync.sha1(...parts),
    sha256: async (...parts) => sync.sha256(...parts),
    hmacSha256: async (key, ...parts) => sync.hmacSha256(key, ...parts),
    pbkdf2Sha512: async (password, salt, iterations) => sync.pbkdf2Sha512(password, salt, iterations),
    igeEncrypt: async (data, key, iv) => sync.igeEncrypt(data, key, iv),
    igeDecrypt: async (data, key, iv) => sync.igeDecrypt(data, key, iv),
    async randomBytes(length) {
      if (!Number.isInteger(length) || length < 0 || length > MAX_RANDOM_BYTES) {
        throw new ArgumentError(`random length must be an integer in 0..${MAX_RANDOM_BYTES}, got ${length}`, 'length')
      }
      return sync.randomFill(new Uint8Array(length))
    },
  }
}
