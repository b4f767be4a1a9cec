/**
 * The data plane between a worker actor (main thread) and its DC worker: typed unions, posted in batches (one
 * postMessage carries every message queued in the same event-loop turn) on a MessagePort of their own. The control
 * plane (start, stop, status, configure) is a comlink proxy on the worker's parent port; see dc-worker.ts.
 *
 * Buffers inside these messages are always transferred, never copied, and only buffers the sender owns outright: see
 * {@link ownedForTransfer}.
 *
 * Spec: https://core.telegram.org/mtproto/description (what the payloads are: serialized TL requests and results).
 */
import type { SerializedError } from '../errors.js'
import type { AuthKeyResult } from '../protocol/auth/index.js'
import type { SentRecord, SessionSnapshot } from './actor-types.js'

/** Rebuilds the records of a column-wise 'sent' event. */
export function sentRecords(e: { readonly requestIds: Float64Array; readonly msgIds: BigInt64Array; readonly seqNos: Int32Array }): SentRecord[] {
  const out: SentRecord[] = new Array(e.requestIds.length)
  for (let i = 0; i < e.requestIds.length; i++) out[i] = { requestId: e.requestIds[i] as number, msgId: e.msgIds[i] as bigint, seqNo: e.seqNos[i] as number }
  return out
}

/** main -> worker. */
export type ToWorker =
  /** A serialized request; `id` is the coordinator's requestId. */
  | {
      readonly t: 'invoke'
      readonly id: number
      readonly body: Uint8Array
      readonly method: string
      readonly timeoutMs?: number
      readonly resend?: { readonly msgId: bigint; readonly seqNo: number }
    }
  /** The caller gave up on `id` (AbortSignal). */
  | { readonly t: 'cancel'; readonly id: number }
  /** A round trip through both batchers that touches no connection (liveness check and the thread-hop bench). */
  | { readonly t: 'echo'; readonly id: number; readonly body: Uint8Array }
  /**
   * Fault injection for supervision tests: 'crash' throws an uncaught error in the worker (it dies as a crashing
   * worker does); 'block' keeps the worker's event loop busy for `ms` (a stalled worker, for back-pressure).
   */
  | { readonly t: 'fault'; readonly kind: 'crash' | 'block'; readonly ms?: number }

/** An {@link ActorEvent} as it crosses the thread boundary (errors as plain data). */
export type WireEvent =
  | { readonly type: 'connected' }
  | { readonly type: 'disconnected'; readonly error?: SerializedError }
  | { readonly type: 'auth-key'; readonly result: AuthKeyResult; readonly temp: boolean }
  | { readonly type: 'auth-key-dropped'; readonly error: SerializedError; readonly authKeyId?: bigint }
  | { readonly type: 'temp-key-bound'; readonly expiresAt: number }
  | { readonly type: 'temp-key-due'; readonly authKeyId: bigint }
  | { readonly type: 'session'; readonly snapshot: SessionSnapshot }
  /**
   * Sent records, column-wise in three transferred typed arrays (one entry per request): cloning one object with a
   * bigint per request cost ~1 us per call on the worker's hot path.
   */
  | { readonly type: 'sent'; readonly requestIds: Float64Array; readonly msgIds: BigInt64Array; readonly seqNos: Int32Array }
  | { readonly type: 'rejected'; readonly error: SerializedError }

/** worker -> main. */
export type FromWorker =
  /** The worker took `count` invokes off the port (they no longer count against `maxQueued`). */
  | { readonly t: 'ack'; readonly count: number }
  | { readonly t: 'result'; readonly id: number; readonly body: Uint8Array }
  | { readonly t: 'error'; readonly id: number; readonly error: SerializedError }
  | { readonly t: 'update'; readonly body: Uint8Array }
  | { readonly t: 'event'; readonly event: WireEvent }
  | { readonly t: 'echo'; readonly id: number; readonly body: Uint8Array }

/** One postMessage on the data port: everything queued in one event-loop turn, in order. */
export type Batch<M> = readonly M[]

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

/**
 * Messages queued per event-loop turn and posted as one batch, with the buffers to transfer. `post` runs in a
 * microtask after the first message of a turn, or at once on {@link flushNow}.
 */
export class Batcher<M> {
  #queue: M[] = []
  #transfer: ArrayBuffer[] = []
  #scheduled = false
  /** Batches and messages posted (bench and tests). */
  batches = 0
  messages = 0

  constructor(readonly post: (batch: Batch<M>, transfer: ArrayBuffer[]) => void) {}

  /** Queues `m`; `buffers` must each cover their whole ArrayBuffer (see {@link ownedForTransfer}). */
  push(m: M, ...buffers: Uint8Array[]): void {
    this.#queue.push(m)
    for (const b of buffers) this.#transfer.push(b.buffer as ArrayBuffer)
    if (!this.#scheduled) {
      this.#scheduled = true
      queueMicrotask(() => this.flushNow())
    }
  }

  /** Queues `m` with whole ArrayBuffers the sender owns to transfer. */
  pushTransfer(m: M, buffers: readonly ArrayBuffer[]): void {
    this.#queue.push(m)
    for (const b of buffers) this.#transfer.push(b)
    if (!this.#scheduled) {
      this.#scheduled = true
      queueMicrotask(() => this.flushNow())
    }
  }

  /** Posts what is queued now (used where ordering against a side effect matters, e.g. before a socket write). */
  flushNow(): void {
    this.#scheduled = false
    if (this.#queue.length === 0) return
    const batch = this.#queue
    const transfer = this.#transfer
    this.#queue = []
    this.#transfer = []
    this.batches++
    this.messages += batch.length
    // The same buffer may back two queued messages (one body passed twice): a transfer list names it once.
    this.post(batch, transfer.length > 1 ? [...new Set(transfer)] : transfer)
  }

  /** Drops what is queued (the port is gone). */
  clear(): void {
    this.#queue = []
    this.#transfer = []
  }
}
