/**
 * The messages between the crypto pool and its workers: a typed union of tasks, and a result that carries either
 * the output buffer (transferred) or a serialized error from the one error tree.
 */
import type { SerializedError } from '../errors.js'

/** One unit of work for a pool thread. Every buffer is owned by the task and transferred, never copied. */
export type CryptoTask =
  | { readonly op: 'ige-encrypt' | 'ige-decrypt'; readonly data: Uint8Array; readonly key: Uint8Array; readonly iv: Uint8Array }
  | { readonly op: 'pbkdf2-sha512'; readonly password: Uint8Array; readonly salt: Uint8Array; readonly iterations: number }
  /** A whole MTProto message (message-pooled.ts): `frame` in place, `keys` the 104 bytes of auth key material. */
  | { readonly op: 'msg-seal' | 'msg-open'; readonly frame: Uint8Array; readonly keys: Uint8Array }

/** What a pool thread answers. */
export type CryptoTaskResult =
  | { readonly ok: true; readonly out: Uint8Array; readonly threadId: number; readonly msgKey?: Uint8Array }
  | { readonly ok: false; readonly error: SerializedError }
