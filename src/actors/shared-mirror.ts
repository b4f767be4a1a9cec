/**
 * What a supervisor needs after a DC worker dies, kept in shared memory the worker writes before each socket write:
 * the session (id, salt, time offset, seq_no counter, last msg_id) and, per in-flight request slot, the msg_id and
 * seq_no it last went out with. Memory outlives the thread, so nothing has to be posted for it and nothing is lost
 * when the worker is terminated between a write and the next event-loop turn.
 *
 * Every entry is double-buffered: the writer fills the copy not in use, then flips the entry's `active` word with one
 * atomic store. A thread killed in the middle of a write leaves the previous copy whole.
 *
 * ```
 *  Int64 words:  0: session active copy (Int32) | 1..5: session copy 0 | 6..10: session copy 1 | 11..15: spare
 *  session copy: sessionId | serverSalt | lastMsgId | timeOffset (f64) | seqNo (Int32) + valid (Int32)
 *  slot i at word 16 + 6i:  active (Int32) | msgId 0 | requestId 0 (f64) | msgId 1 | requestId 1 (f64) | seqNo 0, seqNo 1 (Int32 x2)
 * ```
 *
 * Spec: https://core.telegram.org/mtproto/description#session (what a session is), and
 * https://core.telegram.org/mtproto/service_messages_about_messages (a resend keeps its msg_id).
 */
import { ArgumentError } from '../errors.js'
import type { SentRecord, SessionSnapshot } from './actor-types.js'

const SESSION_WORD = 1
const SESSION_WORDS = 5
const SLOTS_WORD = 16
const SLOT_WORDS = 6

/** Creates the shared memory for a mirror with `slots` request slots (pages are touched only as slots are used). */
export function createMirrorBuffer(slots: number): SharedArrayBuffer {
  if (!Number.isInteger(slots) || slots < 1 || slots > 1 << 20) throw new ArgumentError('slots must be an integer from 1 to 2^20', 'slots')
  return new SharedArrayBuffer((SLOTS_WORD + SLOT_WORDS * slots) * 8)
}

/** Both ends of a mirror: the worker writes, the supervisor reads once the worker is gone. */
export class SharedMirror {
  readonly #i32: Int32Array
  readonly #i64: BigInt64Array
  readonly #f64: Float64Array
  /** Request slots available. */
  readonly slots: number

  constructor(sab: SharedArrayBuffer) {
    const words = sab.byteLength / 8
    if (!Number.isInteger(words) || words <= SLOTS_WORD) throw new ArgumentError('not a mirror buffer', 'sab')
    this.#i32 = new Int32Array(sab)
    this.#i64 = new BigInt64Array(sab)
    this.#f64 = new Float64Array(sab)
    this.slots = Math.floor((words - SLOTS_WORD) / SLOT_WORDS)
  }

  /** Writes the session state (worker). */
  writeSession(s: SessionSnapshot): void {
    const k = 1 - Atomics.load(this.#i32, 0)
    const w = SESSION_WORD + k * SESSION_WORDS
    this.#i64[w] = s.sessionId
    this.#i64[w + 1] = s.serverSalt
    this.#i64[w + 2] = s.lastMsgId
    this.#f64[w + 3] = s.timeOffset
    this.#i32[(w + 4) * 2] = s.seqNo
    this.#i32[(w + 4) * 2 + 1] = 1
    Atomics.store(this.#i32, 0, k)
  }

  /** The last session state written, if any. */
  readSession(): SessionSnapshot | undefined {
    const w = SESSION_WORD + Atomics.load(this.#i32, 0) * SESSION_WORDS
    if (this.#i32[(w + 4) * 2 + 1] !== 1) return undefined
    return {
      sessionId: this.#i64[w] as bigint,
      serverSalt: this.#i64[w + 1] as bigint,
      lastMsgId: this.#i64[w + 2] as bigint,
      timeOffset: this.#f64[w + 3] as number,
      seqNo: this.#i32[(w + 4) * 2] as number,
    }
  }

  /** Records that the request in `slot` goes out with `msgId`/`seqNo` (worker, before the write). */
  writeSent(slot: number, requestId: number, msgId: bigint, seqNo: number): void {
    if (slot < 0 || slot >= this.slots) return
    const base = SLOTS_WORD + slot * SLOT_WORDS
    const k = 1 - Atomics.load(this.#i32, base * 2)
    this.#i64[base + 1 + 2 * k] = msgId
    this.#f64[base + 2 + 2 * k] = requestId
    this.#i32[(base + 5) * 2 + k] = seqNo
    Atomics.store(this.#i32, base * 2, k)
  }

  /** Forgets whatever the slot held (supervisor, when it hands the slot to a new request). */
  clearSlot(slot: number): void {
    const base = SLOTS_WORD + slot * SLOT_WORDS
    this.#f64[base + 2] = -1
    this.#f64[base + 4] = -1
  }

  /** The sent record of `requestId` in `slot`, when the worker wrote one for that very request. */
  readSent(slot: number, requestId: number): SentRecord | undefined {
    if (slot < 0 || slot >= this.slots) return undefined
    const base = SLOTS_WORD + slot * SLOT_WORDS
    const k = Atomics.load(this.#i32, base * 2)
    if (this.#f64[base + 2 + 2 * k] !== requestId) return undefined
    return { requestId, msgId: this.#i64[base + 1 + 2 * k] as bigint, seqNo: this.#i32[(base + 5) * 2 + k] as number }
  }
}
