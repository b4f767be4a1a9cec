/**
 * Message identifiers and sequence numbers.
 *
 * Spec: https://core.telegram.org/mtproto/description#message-identifier-msg-id and
 * https://core.telegram.org/mtproto/description#message-sequence-number-msg-seqno.
 *
 * A msg_id is roughly `unixtime * 2^32` (the low 32 bits a fraction of a second), strictly increasing within a
 * session. Its two lowest bits tell who made it: a client's ids are divisible by 4; a server's are 1 mod 4 for an
 * answer to a client message and 3 mod 4 otherwise. Time comes in as an argument (`nowMs`), corrected by the offset
 * to server time learnt from the handshake or from a server's msg_id.
 */
import { ArgumentError } from '../../errors.js'

/** Who generates the ids, which fixes their two lowest bits. */
export type MsgIdSide = 'client' | 'server'

/** For server-generated ids: an answer to a client message (1 mod 4) or anything else (3 mod 4). */
export type ServerMsgKind = 'answer' | 'other'

const TWO_32 = 4294967296
const MASK_64 = 0xffffffffffffffffn

/** Unix seconds (with fraction) that a msg_id encodes. */
export function msgIdSeconds(msgId: bigint): number {
  return Number(msgId >> 32n) + Number(msgId & 0xffffffffn) / TWO_32
}

/**
 * Produces strictly increasing msg_ids for one side of a session, corrected to server time.
 * The generator is the only place that turns local time into message ids.
 */
export class MsgIdGenerator {
  #last = 0n
  #offsetSeconds = 0

  constructor(readonly side: MsgIdSide) {}

  /** Seconds to add to local time to get server time. */
  get timeOffset(): number {
    return this.#offsetSeconds
  }

  /** Sets the offset to server time directly (e.g. from `server_time` in the key exchange). */
  setTimeOffset(seconds: number): void {
    this.#offsetSeconds = seconds
  }

  /**
   * Re-derives the offset from a msg_id the server generated (bad_msg_notification 16/17 or any authentic message),
   * so ids made afterwards fall into the server's accepted window.
   */
  syncWithServerMsgId(serverMsgId: bigint, nowMs: number): void {
    this.#offsetSeconds = msgIdSeconds(serverMsgId) - nowMs / 1000
  }

  /** Server time in unix seconds (with fraction) for the given local time. */
  serverTime(nowMs: number): number {
    return nowMs / 1000 + this.#offsetSeconds
  }

  /** The next msg_id; for the server side, `kind` selects the answer (1 mod 4) or other (3 mod 4) suffix. */
  next(nowMs: number, kind: ServerMsgKind = 'other'): bigint {
    const t = this.serverTime(nowMs)
    const seconds = Math.floor(t)
    const fraction = Math.floor((t - seconds) * TWO_32)
    const suffix = this.side === 'client' ? 0n : kind === 'answer' ? 1n : 3n
    let id = ((BigInt(seconds) << 32n) | BigInt(fraction)) & ~3n & MASK_64
    if (id <= (this.#last & ~3n)) id = (this.#last & ~3n) + 4n
    id |= suffix
    this.#last = id
    return id
  }

  /** The last id produced (0 before the first). */
  get last(): bigint {
    return this.#last
  }

  /**
   * Makes every later id greater than `msgId` (a resumed session: ids the previous actor used must never be reused,
   * even when the local clock is behind the time they encode).
   */
  advancePast(msgId: bigint): void {
    if (msgId > this.#last) this.#last = msgId
  }
}

/**
 * Sequence numbers of one session and direction: content-related messages get `2 * n + 1` and advance n;
 * others (acks, containers, gzip_packed wrappers, pings answered without content) get `2 * n`.
 */
export class SeqNoCounter {
  #contentSent: number

  /** `contentSent`: content-related messages already sent in this session (a resumed session continues counting). */
  constructor(contentSent = 0) {
    if (!Number.isInteger(contentSent) || contentSent < 0) throw new ArgumentError('seq_no counter must be a non-negative integer', 'seqNo')
    this.#contentSent = contentSent
  }

  /** The seq_no for the next message. */
  next(contentRelated: boolean): number {
    if (!contentRelated) return this.#contentSent * 2
    const seq = this.#contentSent * 2 + 1
    this.#contentSent++
    return seq
  }

  /** Content-related messages counted so far. */
  get contentCount(): number {
    return this.#contentSent
  }

  /** Moves the counter (bad_msg_notification 32/33 repair); never below zero. */
  adjust(delta: number): void {
    this.#contentSent = Math.max(0, this.#contentSent + delta)
  }

  /** Starts over, as a new session does. */
  reset(): void {
    this.#contentSent = 0
  }
}
