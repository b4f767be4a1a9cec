/**
 * The connection driver's side of the asynchronous AES-IGE step: one ordered frame pipeline per socket around the
 * session (src/protocol/mtp/async-cipher.ts). Outgoing payloads reach the transport codec and the socket in the
 * order the session produced them (msg_id order; the obfuscation keystream is applied at that point, in order, on
 * this thread), incoming ones reach the session in arrival order, and large ones have their AES-IGE done by the
 * provider (the worker pool) meanwhile.
 *
 * Spec: https://core.telegram.org/mtproto/description#encrypted-message,
 * https://core.telegram.org/mtproto/mtproto-transports (one stream of frames per connection, in order).
 */
import type { AsyncCryptoProvider } from '../protocol/crypto/async-provider.js'
import type { CryptoProvider } from '../protocol/crypto/provider.js'
import { DeferringCipher, IncomingFrames, OutgoingFrames } from '../protocol/mtp/async-cipher.js'

/** The per-socket pipeline. */
export interface FramePipeline {
  /** Queues a flush's payloads; `write` gets them in order. */
  send(payloads: readonly Uint8Array[]): void
  /** Queues received payloads; `deliver` gets them in order. */
  receive(payloads: readonly Uint8Array[]): void
  /** Frames waiting in either direction. */
  readonly pending: number
  /** Drops everything queued; late completions are discarded (the socket is gone). */
  reset(): void
}

/**
 * A session cipher whose large messages `pool` processes; give it to the session. When the pool offers the whole
 * message step (`sealMessage`/`openMessage`), msg_key's SHA-256 moves there too, else only the AES-IGE does.
 */
export function createPooledCipher(crypto: CryptoProvider, authKey: Uint8Array, threshold: number | undefined, pool: AsyncCryptoProvider): DeferringCipher {
  const wholeMessage = typeof pool.sealMessage === 'function' && typeof pool.openMessage === 'function'
  return new DeferringCipher(crypto, authKey, threshold, { wholeMessage })
}

/** The pipeline of one socket, around the session's `cipher`. */
export function createFramePipeline(
  cipher: DeferringCipher,
  pool: AsyncCryptoProvider,
  write: (payloads: Uint8Array[]) => void,
  deliver: (payloads: Uint8Array[]) => void,
): FramePipeline {
  const out = new OutgoingFrames(cipher, pool, write)
  const inc = new IncomingFrames(cipher, pool, deliver)
  return {
    send: (p) => out.push(p),
    receive: (p) => inc.push(p),
    get pending() {
      return out.pending + inc.pending
    },
    reset() {
      out.reset()
      inc.reset()
    },
  }
}
