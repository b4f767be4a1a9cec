/**
 * The server's answer cache of one auth key: the answer given to each client request msg_id, kept so a duplicate
 * msg_id is answered again instead of executed twice (or gets msg_detailed_info once acknowledged), bounded by
 * evicting the lowest request ids first.
 *
 * Spec: https://core.telegram.org/mtproto/description#message-identifier-msg-id (a client repeats a request under its
 * msg_id; the server must not execute it twice), https://core.telegram.org/mtproto/service_messages_about_messages
 * (msg_detailed_info, msg_resend_req, msgs_state_info name cached answers).
 *
 * Request ids grow with time, so records arrive almost always in ascending order: they are kept as two parallel
 * arrays sorted by request id (append in the common case, binary search to find one), not as a Map of up to 65,536
 * BigInt keys whose inserts and batch evictions were ~10% of a pipelined server's time.
 */
import { searchSorted } from './sorted-ids.js'

/** A server answer as sent: its own msg_id and seq_no, the session it went to, and its body. */
export interface CachedAnswer {
  readonly sessionId: bigint
  readonly msgId: bigint
  readonly seqno: number
  readonly body: Uint8Array
}

/** Answers by request msg_id, at most `capacity` of them (the lowest ids are forgotten first). */
export class AnswerCache {
  /** Live entries are at [head, ids.length), ascending by request id. */
  #ids: bigint[] = []
  #answers: CachedAnswer[] = []
  #head = 0

  constructor(readonly capacity: number) {}

  /** How many answers are kept. */
  get size(): number {
    return this.#ids.length - this.#head
  }

  /** The answer to request `reqMsgId`, if kept. */
  get(reqMsgId: bigint): CachedAnswer | undefined {
    const i = this.#find(reqMsgId)
    return i >= 0 ? this.#answers[i] : undefined
  }

  /** Records (or replaces) the answer to `reqMsgId`, forgetting the lowest id beyond the capacity. */
  set(reqMsgId: bigint, answer: CachedAnswer): void {
    const ids = this.#ids
    const last = ids.length - 1
    if (last < this.#head || reqMsgId > (ids[last] as bigint)) {
      ids.push(reqMsgId)
      this.#answers.push(answer)
    } else {
      const i = this.#find(reqMsgId)
      if (i >= 0) {
        this.#answers[i] = answer
        return
      }
      const at = -i - 1
      ids.splice(at, 0, reqMsgId)
      this.#answers.splice(at, 0, answer)
    }
    if (this.size > this.capacity) this.#head++
    // Compact once the forgotten prefix is as long as the capacity (amortized O(1) per insert).
    if (this.#head >= this.capacity) {
      this.#ids = ids.slice(this.#head)
      this.#answers = this.#answers.slice(this.#head)
      this.#head = 0
    }
  }

  /** Every kept answer, lowest request id first. */
  *values(): IterableIterator<CachedAnswer> {
    for (let i = this.#head; i < this.#answers.length; i++) yield this.#answers[i] as CachedAnswer
  }

  /** Index of `reqMsgId` among the live entries, or -(insertion point) - 1. */
  #find(reqMsgId: bigint): number {
    return searchSorted(this.#ids, this.#head, this.#ids.length - 1, reqMsgId)
  }

}
