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
  /**
   * Optional MTProto fast path (the worker pool has it): msg_key's SHA-256, the key derivation and the AES-IGE of one
   * outgoing message, as `sealMessageInPlace` (message-pooled.ts) on a copy of `frame`; resolves with the sealed copy.
   */
  sealMessage?(frame: Uint8Array, keys: Uint8Array): Promise<Uint8Array>
  /**
   * Optional MTProto fast path: `openMessageInPlace` on a copy of a received `frame`; resolves with the decrypted copy
   * and the msg_key recomputed over its plaintext (the caller still compares it and runs every other check).
   */
  openMessage?(frame: Uint8Array, keys: Uint8Array): Promise<OpenedMessage>
}

/** What {@link AsyncCryptoProvider.openMessage} resolves with. */
export interface OpenedMessage {
  /** The frame with its whole blocks after byte 24 decrypted. */
  readonly frame: Uint8Array
  /** msg_key recomputed over the decrypted blocks (16 bytes). */
  readonly msgKey: Uint8Array
}

/**
 * Messages of at least this many bytes go to the pool when the AES-NI addon runs inline. Measured with
 * `npm run bench:pool`, two full runs on a shared 2-core x64 VM (load 6): the caller's own CPU time per pool job
 * (thread CPU from /proc/thread-self/schedstat: copy in, post, receive) against the inline AES-NI IGE it replaces was
 * 19-33 us vs 14-27 us at 16 KiB (the hop costs more), 51-62 us vs 56-89 us at 64 KiB (about level), 82-104 us vs
 * 144-263 us at 128 KiB (1.4-2.9x freed), 118-155 us vs 294-454 us at 256 KiB and 378-500 us vs 1.1-1.9 ms at 1 MiB
 * (2.7-4.9x). From 128 KiB the actor's thread is clearly freed, for one message at a time costing 0.3-0.45x of inline
 * speed in wall time (a thread hop of ~0.2-0.3 ms). On the session path msg_key's SHA-256 moves too (it costs ~0.5-0.7x
 * of the IGE), so the real saving is larger: a ~1 MiB message costs the caller 0.44-0.87 ms instead of 1.9-2.7 ms.
 */
export const DEFAULT_POOL_THRESHOLD = 128 * 1024

/**
 * The threshold where IGE runs on the portable (WASM/JS) kernels, 2-5x slower than AES-NI: at 16 KiB they take
 * 33-106 us inline against 19-33 us of caller CPU for a pool job (same runs), so the pool pays from 16 KiB.
 */
export const PORTABLE_POOL_THRESHOLD = 16 * 1024

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
