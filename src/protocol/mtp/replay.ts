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
import { searchSorted } from './sorted-ids.js'

/** Tunable bounds; the defaults are the spec's. */
export interface ReplayOptions {
  /** How many of the highest msg_ids are remembered; an id below the lowest of a full window is treated as replayed. */
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
  /**
   * The highest `window` accepted ids, ascending, live from {@link #head} on (what falls off the low end is dropped by
   * moving the head; the array is compacted now and then). Ids mostly arrive ascending, except that a container's id
   * comes before its (smaller) inner ids: both append at or next to the end, so inserting and the "above everything"
   * fast path of the lookup cost O(1), with no per-id hashing and no Set.
   */
  #ids: bigint[] = []
  #head = 0
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
    const ids = this.#ids
    const last = ids.length - 1
    if (last >= this.#head && msgId <= (ids[last] as bigint)) {
      if (ids.length - this.#head >= this.#window && msgId < (ids[this.#head] as bigint)) return { ok: false, reason: 'msg-id-replayed' }
      if (searchSorted(ids, this.#head, last, msgId) >= 0) return { ok: false, reason: 'msg-id-replayed' }
    }
    const skew = Number(msgId >> 32n) - serverNow
    if (skew < -this.#maxPast || skew > this.#maxFuture) {
      const resync = this.#noteSkew(skew)
      const reason = skew < 0 ? 'msg-id-too-old' : 'msg-id-too-new'
      return resync === undefined ? { ok: false, reason } : { ok: false, reason, resync }
    }
    if (this.#skews.length > 0) this.#skews = []
    this.#remember(msgId)
    return ACCEPTED
  }

  /** Forgets everything (a new session). */
  reset(): void {
    this.#ids = []
    this.#head = 0
    this.#skews = []
  }

  /** Inserts an accepted id in order (it is not present) and drops the lowest beyond the window. */
  #remember(msgId: bigint): void {
    const ids = this.#ids
    let i = ids.length
    ids.push(msgId)
    while (i > this.#head && (ids[i - 1] as bigint) > msgId) {
      ids[i] = ids[i - 1] as bigint
      i--
    }
    ids[i] = msgId
    if (ids.length - this.#head > this.#window) this.#head++
    if (this.#head >= this.#window) {
      this.#ids = ids.slice(this.#head)
      this.#head = 0
    }
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

/** The verdict for an accepted id (shared: the hot path allocates nothing for it). */
const ACCEPTED: ReplayVerdict = Object.freeze({ ok: true })
