/**
 * Replay protection for received messages: a window of recent server msg_ids and a time window around server time.
 *
 * Spec: https://core.telegram.org/mtproto/security_guidelines#checking-msg-id and
 * https://core.telegram.org/mtproto/description#message-identifier-msg-id (a message more than 300 s in the past
 * or 30 s in the future is rejected; a duplicate msg_id is ignored).
 *
 * A clock that jumps after the key exchange would make every authentic message look stale. Instead of dropping
 * everything forever, the guard notices when several consecutive rejections agree on the same skew and reports it
 * (`resync`), so the session can move its time offset to the server's and carry on; the rejected messages are
 * still rejected (the server resends what was not acknowledged).
 */

/** Tunable bounds; the defaults are the spec's. */
export interface ReplayOptions {
  /** How many recent msg_ids are remembered; an id below the oldest of a full window is treated as replayed. */
  readonly window?: number
  /** Largest age of a msg_id, in seconds, relative to server time. */
  readonly maxPastSeconds?: number
  /** Largest distance into the future, in seconds. */
  readonly maxFutureSeconds?: number
  /** Consecutive time rejections with a consistent skew that trigger a resync report. */
  readonly resyncAfter?: number
  /** How close (seconds) the skews must be to count as consistent. */
  readonly resyncTolerance?: number
}

/** Outcome of {@link ReplayGuard.check}. */
export type ReplayVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false
      readonly reason: 'msg-id-replayed' | 'msg-id-too-old' | 'msg-id-too-new'
      /** Set when consecutive time rejections agree: add this many seconds to the time offset. */
      readonly resync?: number
    }

/** Remembers recent msg_ids of one session and judges each new one. */
export class ReplayGuard {
  readonly #window: number
  readonly #maxPast: number
  readonly #maxFuture: number
  readonly #resyncAfter: number
  readonly #tolerance: number
  readonly #seen = new Set<bigint>()
  readonly #order: bigint[] = []
  #head = 0
  #min: bigint | undefined
  #skews: number[] = []

  constructor(opts: ReplayOptions = {}) {
    this.#window = opts.window ?? 500
    this.#maxPast = opts.maxPastSeconds ?? 300
    this.#maxFuture = opts.maxFutureSeconds ?? 30
    this.#resyncAfter = opts.resyncAfter ?? 3
    this.#tolerance = opts.resyncTolerance ?? 10
  }

  /**
   * Judges a received msg_id against `serverNow` (local time plus the session's offset, unix seconds).
   * Accepted ids are remembered; rejected ones are not.
   */
  check(msgId: bigint, serverNow: number): ReplayVerdict {
    if (this.#seen.has(msgId)) return { ok: false, reason: 'msg-id-replayed' }
    if (this.#seen.size >= this.#window && this.#min !== undefined && msgId < this.#min) return { ok: false, reason: 'msg-id-replayed' }
    const skew = Number(msgId >> 32n) - serverNow
    if (skew < -this.#maxPast || skew > this.#maxFuture) {
      const resync = this.#noteSkew(skew)
      const reason = skew < 0 ? 'msg-id-too-old' : 'msg-id-too-new'
      return resync === undefined ? { ok: false, reason } : { ok: false, reason, resync }
    }
    this.#skews = []
    this.#remember(msgId)
    return { ok: true }
  }

  /** Forgets everything (a new session). */
  reset(): void {
    this.#seen.clear()
    this.#order.length = 0
    this.#head = 0
    this.#min = undefined
    this.#skews = []
  }

  #remember(msgId: bigint): void {
    if (this.#order.length < this.#window) {
      this.#order.push(msgId)
    } else {
      const evicted = this.#order[this.#head]
      this.#order[this.#head] = msgId
      this.#head = (this.#head + 1) % this.#window
      if (evicted !== undefined) {
        this.#seen.delete(evicted)
        // The smallest id only changes when it leaves the window: recompute then (rare: ids mostly arrive in order).
        if (evicted === this.#min) this.#min = minOf(this.#order)
      }
    }
    this.#seen.add(msgId)
    if (this.#min === undefined || msgId < this.#min) this.#min = msgId
  }

  #noteSkew(skew: number): number | undefined {
    this.#skews.push(skew)
    if (this.#skews.length < this.#resyncAfter) return undefined
    const recent = this.#skews.slice(-this.#resyncAfter)
    const lo = Math.min(...recent)
    const hi = Math.max(...recent)
    if (hi - lo > this.#tolerance) return undefined
    this.#skews = []
    return recent.reduce((a, b) => a + b, 0) / recent.length
  }
}

/** Smallest of a non-empty list of bigints (Math.min does not take bigints). */
function minOf(ids: readonly bigint[]): bigint | undefined {
  let min: bigint | undefined
  for (const id of ids) if (min === undefined || id < min) min = id
  return min
}
