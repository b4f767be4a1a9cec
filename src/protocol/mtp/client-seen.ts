/**
 * Every server msg_id received within the replay time window, so a message the server re-sends under its ORIGINAL
 * msg_id (msg_resend_req answers, a cached rpc_result for a duplicate request) is recognised as new even after more
 * than the replay guard's 500 newer ids went by, while a true replay is still refused.
 *
 * Spec: https://core.telegram.org/mtproto/security_guidelines#checking-msg-id (ids seen before are ignored; ids
 * older than 300 s are refused by time), https://core.telegram.org/mtproto/service_messages_about_messages#explicit-request-to-re-send-messages
 * (re-sent messages keep their msg_id).
 */

/**
 * Upper bound on remembered ids. 131072 ids cover 300 s at over 400 received messages per second; beyond that the
 * oldest are forgotten and any id at or below the newest forgotten one counts as seen (strict, never lenient).
 */
export const MAX_SEEN_IDS = 131_072

/** Received msg_ids of one session, pruned by age (server seconds). */
export class SeenIds {
  readonly #set = new Set<bigint>()
  #queue: bigint[] = []
  #head = 0
  /** Ids at or below this were forgotten for capacity, so they may have been seen. */
  #forgottenMax = -(1n << 63n)

  constructor(
    private readonly maxAgeSeconds = 300,
    private readonly cap = MAX_SEEN_IDS,
  ) {}

  /** Whether `msgId` may have been received before. */
  has(msgId: bigint): boolean {
    return msgId <= this.#forgottenMax || this.#set.has(msgId)
  }

  /** Records a received id and forgets those older than the time window. */
  add(msgId: bigint, serverNow: number): void {
    if (this.#set.has(msgId)) return
    this.#set.add(msgId)
    this.#queue.push(msgId)
    const oldest = BigInt(Math.floor(serverNow - this.maxAgeSeconds - 1)) << 32n
    while (this.#head < this.#queue.length) {
      const id = this.#queue[this.#head] as bigint
      const full = this.#set.size > this.cap
      if (!full && id >= oldest) break
      this.#set.delete(id)
      if (full && id > this.#forgottenMax) this.#forgottenMax = id
      this.#head++
    }
    if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.#set.size
  }
}
