/**
 * Every server msg_id received within the replay time window, so a message the server re-sends under its ORIGINAL
 * msg_id (msg_resend_req answers, a cached rpc_result for a duplicate request) is recognised as new even after more
 * than the replay guard's 500 newer ids went by, while a true replay is still refused.
 *
 * Spec: https://core.telegram.org/mtproto/security_guidelines#checking-msg-id (ids seen before are ignored; ids
 * older than 300 s are refused by time), https://core.telegram.org/mtproto/service_messages_about_messages#explicit-request-to-re-send-messages
 * (re-sent messages keep their msg_id).
 */
import { searchSorted } from './sorted-ids.js'

/**
 * Upper bound on remembered ids. 131072 ids cover 300 s at over 400 received messages per second; beyond that the
 * oldest are forgotten and any id at or below the newest forgotten one counts as seen (strict, never lenient).
 */
export const MAX_SEEN_IDS = 131_072

/** Starting capacity of the id arrays; they double up to the cap as traffic needs. */
const INITIAL_CAPACITY = 1024

/**
 * Received msg_ids of one session, pruned by age (server seconds). Kept sorted in typed arrays rather than a Set:
 * ids almost always arrive in ascending order, so an add is an append, a lookup a binary search, and a busy session
 * (over 100k messages a second on loopback) retains no heap object per id for the GC to trace.
 */
export class SeenIds {
  #ids = new BigInt64Array(INITIAL_CAPACITY)
  /** Unix seconds of each id (its upper 32 bits), for pruning by age without BigInt arithmetic. */
  #secs = new Float64Array(INITIAL_CAPACITY)
  /** Live ids are at [head, tail), ascending. */
  #head = 0
  #tail = 0
  /** Ids at or below this were forgotten for capacity, so they may have been seen. */
  #forgottenMax = -(1n << 63n)
  #relocations = 0

  constructor(
    private readonly maxAgeSeconds = 300,
    private readonly cap = MAX_SEEN_IDS,
  ) {}

  /** Whether `msgId` may have been received before. */
  has(msgId: bigint): boolean {
    return msgId <= this.#forgottenMax || this.#find(msgId) >= 0
  }

  /** Records a received id and forgets those older than the time window. */
  add(msgId: bigint, serverNow: number): void {
    const tail = this.#tail
    if (tail > this.#head && msgId <= (this.#ids[tail - 1] as bigint)) {
      // Out of order (a container's inner message, whose id is just below the container's, or a message re-sent
      // under its original id): inserted in place, unless already known.
      const at = this.#find(msgId)
      if (at >= 0) return
      this.#insertAt(-at - 1, msgId)
    } else {
      if (tail === this.#ids.length) this.#makeRoom()
      this.#ids[this.#tail] = msgId
      this.#secs[this.#tail] = Number(msgId >> 32n)
      this.#tail++
    }
    const oldest = Math.floor(serverNow - this.maxAgeSeconds - 1)
    while (this.#head < this.#tail) {
      const full = this.#tail - this.#head > this.cap
      if (!full && (this.#secs[this.#head] as number) >= oldest) break
      const id = this.#ids[this.#head] as bigint
      if (full && id > this.#forgottenMax) this.#forgottenMax = id
      this.#head++
    }
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.#tail - this.#head
  }

  /** Times the live ids were moved (compaction or growth): stays a small fraction of the adds (amortized O(1)). */
  get relocations(): number {
    return this.#relocations
  }

  /** Index of `msgId` among the live ids, or -(insertion point) - 1. */
  #find(msgId: bigint): number {
    return searchSorted(this.#ids, this.#head, this.#tail - 1, msgId)
  }


  #insertAt(at: number, msgId: bigint): void {
    if (this.#tail === this.#ids.length) {
      const shift = this.#head
      this.#makeRoom()
      at -= shift - this.#head
    }
    if (at === this.#tail - 1) {
      // Just below the last (a container's next inner id): the last moves up one slot, no block move.
      this.#ids[at + 1] = this.#ids[at] as bigint
      this.#secs[at + 1] = this.#secs[at] as number
    } else {
      this.#ids.copyWithin(at + 1, at, this.#tail)
      this.#secs.copyWithin(at + 1, at, this.#tail)
    }
    this.#ids[at] = msgId
    this.#secs[at] = Number(msgId >> 32n)
    this.#tail++
  }

  /**
   * Frees room at the tail: moves the live ids to the front, growing the arrays when half full, up to 1.25 x cap + 1.
   * An add starts with at most `cap` live ids, so at the largest size a compaction frees at least cap / 4 slots and
   * runs once per cap / 4 adds (amortized O(1); with only one spare slot it would copy every id on every add).
   */
  #makeRoom(): void {
    const live = this.#tail - this.#head
    const largest = this.cap + (this.cap >> 2) + 1
    const capacity = live * 2 >= this.#ids.length ? Math.min(this.#ids.length * 2, Math.max(largest, this.#ids.length)) : this.#ids.length
    const ids = capacity === this.#ids.length ? this.#ids : new BigInt64Array(capacity)
    const secs = capacity === this.#secs.length ? this.#secs : new Float64Array(capacity)
    this.#relocations++
    ids.set(this.#ids.subarray(this.#head, this.#tail))
    secs.set(this.#secs.subarray(this.#head, this.#tail))
    this.#ids = ids
    this.#secs = secs
    this.#head = 0
    this.#tail = live
  }
}
