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
 * AES-IGE payloads of at least this many bytes go to the pool when the AES-NI addon runs inline. Measured with
 * `npm run bench:pool` (two runs) on a shared 2-core x64 VM under load 5-8, so absolute figures vary ~2x between
 * runs but each line's contenders are interleaved: one pool job keeps the CALLER's thread busy (copy in, post,
 * receive; event-loop utilization) for 73-88 us at 16 KiB, 131-212 us at 64 KiB and 236-322 us at 128 KiB, against
 * 16-38 / 70-113 / 148-229 us for the inline AES-NI cipher, so below 256 KiB the hop costs the actor's thread more
 * than the cipher it moves away (caller_freed_ratio 0.2-0.97). At 256 KiB the two are level (ratio 0.7-1.07) and at
 * 1 MiB the pool frees the caller (0.94-1.92) while other frames keep flowing. A job's own wall time is always longer
 * through the pool (0.3-0.6x of inline speed), so nothing smaller is worth it.
 */
export const DEFAULT_POOL_THRESHOLD = 256 * 1024

/**
 * The threshold where IGE runs on the portable (WASM/JS) kernels: they are 2-5x slower than AES-NI (64 KiB takes
 * 140-656 us inline in the same runs, at least as much as a pool job costs the caller, 131-212 us), so the pool pays
 * from 64 KiB.
 */
export const PORTABLE_POOL_THRESHOLD = 64 * 1024

/** The measured pool threshold for the inline provider in use (its `name` says whether the AES-NI addon runs). */
export function defaultPoolThreshold(inline: { readonly name: string }): number {
  return inline.name.includes('native') ? DEFAULT_POOL_THRESHOLD : PORTABLE_POOL_THRESHOLD
}

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
