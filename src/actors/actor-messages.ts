/**
 * The data plane between a worker actor (main thread) and its DC worker: typed unions in both directions, written as
 * records into a shared ring each way (shared-ring.ts, ring-records.ts, ring-link.ts). The port beside the rings
 * carries only {@link PortMessage}s: room signals and bodies too large to go inline (transferred, never copied);
 * data doorbells are `Atomics.notify` on the rings themselves. The control plane (start, stop, status, configure, keys) is a comlink proxy; see dc-worker.ts.
 *
 * Spec: https://core.telegram.org/mtproto/description (what the payloads are: serialized TL requests and results).
 */
import type { SerializedError } from '../errors.js'
import type { AuthKeyResult } from '../protocol/auth/index.js'
import type { SessionSnapshot } from './actor-types.js'

/** main -> worker. */
export type ToWorker =
  /** A serialized request; `id` is the coordinator's requestId, `slot` its entry in the shared sent table. */
  | {
      readonly t: 'invoke'
      readonly id: number
      readonly slot: number
      readonly body: Uint8Array
      readonly method: string
      readonly timeoutMs?: number | undefined
      readonly resend?: { readonly msgId: bigint; readonly seqNo: number } | undefined
    }
  /** The caller gave up on `id` (AbortSignal), which went out in `slot`. */
  | { readonly t: 'cancel'; readonly id: number; readonly slot: number }
  /** A round trip through both rings that touches no connection (liveness check and the thread-hop bench). */
  | { readonly t: 'echo'; readonly id: number; readonly body: Uint8Array }
  /**
   * Fault injection for supervision tests, in order with the invokes around it: 'crash' throws an uncaught error in
   * the worker (it dies as a crashing worker does); 'block' keeps its event loop busy for `ms` (a stalled worker).
   */
  | { readonly t: 'fault'; readonly kind: 'crash' | 'block'; readonly ms: number }

/** An {@link ActorEvent} as it crosses the thread boundary (errors as plain data; 'sent' goes through the mirror). */
export type WireEvent =
  | { readonly type: 'connected' }
  | { readonly type: 'disconnected'; readonly error?: SerializedError }
  | { readonly type: 'auth-key'; readonly result: AuthKeyResult; readonly temp: boolean }
  | { readonly type: 'auth-key-dropped'; readonly error: SerializedError; readonly authKeyId?: bigint }
  | { readonly type: 'temp-key-bound'; readonly expiresAt: number }
  | { readonly type: 'temp-key-due'; readonly authKeyId: bigint }
  | { readonly type: 'session'; readonly snapshot: SessionSnapshot }
  | { readonly type: 'rejected'; readonly error: SerializedError }

/** worker -> main. */
export type FromWorker =
  /** The outcome of invoke `id`, which went out in `slot` (the main thread finds its caller by the slot). */
  | { readonly t: 'result'; readonly id: number; readonly slot: number; readonly body: Uint8Array }
  | { readonly t: 'error'; readonly id: number; readonly slot: number; readonly error: SerializedError }
  | { readonly t: 'update'; readonly body: Uint8Array }
  | { readonly t: 'event'; readonly event: WireEvent }
  | { readonly t: 'echo'; readonly id: number; readonly body: Uint8Array }

/** A port message saying "room was freed in your outgoing ring" (back-pressure). A bare number clones cheapest. */
export const ROOM = 0

/** What crosses the port beside the rings. */
export type PortMessage =
  | typeof ROOM
  /** A body too large to go inline, for the next record that says its body is on the port (same order). */
  | { readonly t: 'body'; readonly body: Uint8Array }

/**
 * A view whose bytes can be transferred: when `b` covers its whole (non-shared) ArrayBuffer, `b` itself; otherwise
 * one copy into a buffer of its own. Never transfers a slice of Node's shared Buffer pool, of a socket chunk or of a
 * decrypted container (transferring the whole of such a buffer would detach bytes that belong to someone else).
 */
export function ownedForTransfer(b: Uint8Array): Uint8Array {
  const buf = b.buffer
  if (buf instanceof ArrayBuffer && b.byteOffset === 0 && b.byteLength === buf.byteLength) return b
  const out = new Uint8Array(new ArrayBuffer(b.byteLength))
  out.set(b)
  return out
}
