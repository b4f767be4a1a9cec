/**
 * The client session's index of sent messages by msg_id: values in arrays ordered by msg_id, found by a cursor that
 * follows the answers (which arrive mostly in send order) and by binary search otherwise.
 *
 * Why not a Map: under a pipelined load a `Map<bigint, ...>` is filled and emptied by hundreds of entries per batch,
 * and V8 rebuilds its hash table on each swing; every old table stays linked to its successor. Once an old table sits
 * in the old generation, that link keeps each new table, and every request the table names, alive through the next
 * scavenge, so they are promoted and pile up until a full mark-compact (measured in a DC actor's worker: ~2 MB
 * promoted per scavenge, every scavenge). Here the arrays are allocated once and grow by doubling; freed slots are
 * cleared, so nothing dead in the old generation points at young requests.
 *
 * Client msg_ids grow with time, so sends append. The exception, a message sent again under its original msg_id, is
 * updated where it is. An id below the last one that is not present (a resumed session's request sent again under an
 * id from before) goes to a small Map beside the arrays.
 *
 * Spec: https://core.telegram.org/mtproto/description#message-identifier-msg-id (client msg_ids increase
 * monotonically within a session), https://core.telegram.org/mtproto/service_messages_about_messages (answers,
 * acknowledgements and notifications name msg_ids).
 */
import { searchSorted } from './sorted-ids.js'

const INITIAL_CAPACITY = 256

/** msg_id to value, for ids added mostly in increasing order. */
export class SentIndex<T> {
  /** Ids of the entries at [head, tail), ascending; slots outside that range are 0n. */
  #ids: bigint[] = new Array<bigint>(INITIAL_CAPACITY).fill(0n)
  /** Values at [head, tail); undefined where an entry was deleted or outside the range. */
  #vals: Array<T | undefined> = new Array<T | undefined>(INITIAL_CAPACITY).fill(undefined)
  #head = 0
  #tail = 0
  #live = 0
  /** Where the last lookup hit: answers come in send order, so the next one is usually here or just after. */
  #cursor = 0
  readonly #spill = new Map<bigint, T>()

  get size(): number {
    return this.#live + this.#spill.size
  }

  get(id: bigint): T | undefined {
    const i = this.#find(id)
    if (i >= 0) return this.#vals[i]
    return this.#spill.size === 0 ? undefined : this.#spill.get(id)
  }

  /** Adds or replaces; a new id above every other appends. */
  set(id: bigint, value: T): this {
    const tail = this.#tail
    if (tail === this.#head || id > (this.#ids[tail - 1] as bigint)) {
      if (tail === this.#ids.length) this.#makeRoom()
      this.#ids[this.#tail] = id
      this.#vals[this.#tail] = value
      this.#tail++
      this.#live++
      return this
    }
    const i = this.#find(id)
    if (i >= 0) {
      if (this.#vals[i] === undefined) this.#live++
      this.#vals[i] = value
    } else {
      this.#spill.set(id, value)
    }
    return this
  }

  delete(id: bigint): boolean {
    const i = this.#find(id)
    if (i < 0 || this.#vals[i] === undefined) return this.#spill.size > 0 && this.#spill.delete(id)
    this.#vals[i] = undefined
    this.#live--
    // Entries leave mostly oldest first: move the head past the freed ones.
    while (this.#head < this.#tail && this.#vals[this.#head] === undefined) this.#ids[this.#head++] = 0n
    if (this.#head === this.#tail) this.#head = this.#tail = this.#cursor = 0
    return true
  }

  clear(): void {
    this.#ids.fill(0n)
    this.#vals.fill(undefined)
    this.#head = this.#tail = this.#live = this.#cursor = 0
    this.#spill.clear()
  }

  /** Calls `fn` for each entry, ascending by id (the side Map's after the rest), until it returns true. */
  some(fn: (id: bigint, value: T) => boolean): boolean {
    for (let i = this.#head; i < this.#tail; i++) {
      const v = this.#vals[i]
      if (v !== undefined && fn(this.#ids[i] as bigint, v)) return true
    }
    for (const [id, v] of this.#spill) if (fn(id, v)) return true
    return false
  }

  /** Index of `id` among the array entries (possibly a deleted one), or -1. */
  #find(id: bigint): number {
    const ids = this.#ids
    const c = this.#cursor
    if (c < this.#tail) {
      if (ids[c] === id) return c
      if (c + 1 < this.#tail && ids[c + 1] === id) {
        this.#cursor = c + 1
        return c + 1
      }
    }
    const i = searchSorted(ids, this.#head, this.#tail - 1, id)
    if (i < 0) return -1
    this.#cursor = i
    return i
  }

  /** Moves the entries to the front, doubling the arrays when more than half of them is live. */
  #makeRoom(): void {
    const n = this.#tail - this.#head
    if (n * 2 > this.#ids.length) {
      const ids = new Array<bigint>(this.#ids.length * 2).fill(0n)
      const vals = new Array<T | undefined>(this.#ids.length * 2).fill(undefined)
      for (let i = 0; i < n; i++) {
        ids[i] = this.#ids[this.#head + i] as bigint
        vals[i] = this.#vals[this.#head + i]
      }
      // The old arrays go: cleared first, so an old-generation copy keeps nothing young alive.
      this.#ids.fill(0n)
      this.#vals.fill(undefined)
      this.#ids = ids
      this.#vals = vals
    } else {
      for (let i = 0; i < n; i++) {
        this.#ids[i] = this.#ids[this.#head + i] as bigint
        this.#vals[i] = this.#vals[this.#head + i]
      }
      this.#ids.fill(0n, n, this.#tail)
      this.#vals.fill(undefined, n, this.#tail)
    }
    this.#cursor = Math.max(0, this.#cursor - this.#head)
    this.#head = 0
    this.#tail = n
  }
}
