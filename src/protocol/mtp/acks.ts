/**
 * Acknowledgements owed to the other side, batched.
 *
 * Spec: https://core.telegram.org/mtproto/service_messages_about_messages#acknowledgment-of-receipt and
 * https://core.telegram.org/mtproto/service_messages#simple-container (msgs_ack, msgs_state_req and msg_resend_req
 * carry at most 8192 ids each).
 */

/** Largest number of ids in one msgs_ack / msgs_state_req / msg_resend_req. */
export const MAX_IDS_PER_SERVICE_MESSAGE = 8192

/**
 * Batching policy: acks ride along with whatever goes out, and go alone only after a delay or a count.
 *
 * The count defaults to a full msgs_ack ({@link MAX_IDS_PER_SERVICE_MESSAGE}): below that, a pipelined client whose
 * next requests come a moment after it read a batch of answers (a DC actor's worker, whose coordinator writes them on
 * another thread) sent an acks-only message per batch, one more message to seal and the server to open, where the
 * acks could have ridden in the requests' container (measured: bench:actors, 512 in flight).
 */
export interface AckPolicy {
  /** Flush alone once this many acks are owed (default {@link MAX_IDS_PER_SERVICE_MESSAGE}). */
  readonly maxPending?: number
  /** Flush alone once the oldest owed ack is this old (ms). */
  readonly maxDelayMs?: number
}

/** Collects msg_ids to acknowledge. */
export class AckQueue {
  readonly #maxPending: number
  readonly #maxDelayMs: number
  #ids: bigint[] = []
  #oldestAt = 0

  constructor(policy: AckPolicy = {}) {
    this.#maxPending = policy.maxPending ?? MAX_IDS_PER_SERVICE_MESSAGE
    this.#maxDelayMs = policy.maxDelayMs ?? 500
  }

  /** Records that `msgId` must be acknowledged. */
  add(msgId: bigint, nowMs: number): void {
    if (this.#ids.length === 0) this.#oldestAt = nowMs
    this.#ids.push(msgId)
  }

  get size(): number {
    return this.#ids.length
  }

  /** Whether owed acks should go out on their own now. */
  due(nowMs: number): boolean {
    return this.#ids.length >= this.#maxPending || (this.#ids.length > 0 && nowMs - this.#oldestAt >= this.#maxDelayMs)
  }

  /** When the owed acks become due by age, or undefined when nothing is owed. */
  deadline(): number | undefined {
    return this.#ids.length === 0 ? undefined : this.#oldestAt + this.#maxDelayMs
  }

  /** Takes up to one service message's worth of ids, oldest first (what remains keeps its age). */
  take(): bigint[] {
    return this.#ids.splice(0, MAX_IDS_PER_SERVICE_MESSAGE)
  }
}
