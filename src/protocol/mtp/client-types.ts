/**
 * Types and constants of the client session: its events, requests, options and tuning values.
 *
 * Spec: https://core.telegram.org/mtproto/description (session, msg_id, salts),
 * https://core.telegram.org/mtproto/service_messages#ping-with-delayed-disconnection (keepalive),
 * https://core.telegram.org/mtproto/service_messages#request-for-several-future-salts (salts).
 */
import type { MtError } from '../../errors.js'
import type { MessageCipher } from '../crypto/message.js'
import type { RandomSource } from '../random.js'
import type { RpcError } from '../rpc-error.js'
import type { AckPolicy } from './acks.js'
import type { ReplayOptions } from './replay.js'

/** What the session reports to its driver. */
export type SessionEvent =
  /** The raw result of a request (gzip_packed already unwrapped). */
  | { type: 'result'; requestId: number; body: Uint8Array }
  | { type: 'rpc-error'; requestId: number; error: RpcError }
  /** The request failed at the protocol level (bad_msg_notification 18/34/35, too many resends, session closed). */
  | { type: 'failed'; requestId: number; error: MtError }
  /** A raw boxed Updates object pushed by the server. */
  | { type: 'update'; body: Uint8Array }
  | { type: 'new-session'; firstMsgId: bigint; serverSalt: bigint }
  /** Salt or clock offset changed: persist them with the auth key. */
  | { type: 'state'; serverSalt: bigint; timeOffset: number }

/** A request for {@link ClientSession.send}. */
export interface SendRequest {
  /** The serialized boxed request. */
  readonly body: Uint8Array
  /** Its TL method name (for errors and for matching bare answers such as pong). */
  readonly method: string
  /** The caller's id, echoed in events; unique among pending requests, >= 0. */
  readonly requestId: number
  /** Default true: a request expecting an answer. */
  readonly contentRelated?: boolean
  /** Run only after this pending request (invokeAfterMsg). */
  readonly after?: number
  /**
   * Send under exactly this msg_id (reserved with `session.msgIds.next(nowMs)` just before), alone, not in a
   * container: auth.bindTempAuthKey must carry the msg_id sealed inside it.
   */
  readonly msgId?: bigint
  /**
   * The request was already sent in this session (by an earlier driver of a resumed session) under this msg_id and
   * seq_no: it goes on the wire again with both unchanged (in a container like any other), so a server that has it
   * answers from its cache instead of executing it a second time.
   */
  readonly resend?: { readonly msgId: bigint; readonly seqNo: number }
}

/** Where a request went on the wire (reported by {@link ClientSession.takeSent} when `recordSent` is on). */
export interface SentRequestRecord {
  readonly requestId: number
  readonly msgId: bigint
  readonly seqNo: number
}

/** What a replacement driver needs to continue a session: id, salt, clock offset and both counters. */
export interface SessionState {
  readonly sessionId: bigint
  readonly serverSalt: bigint
  /** Seconds to add to local time to get server time. */
  readonly timeOffset: number
  /** Content-related messages sent so far (the seq_no counter). */
  readonly seqNo: number
  /** The highest msg_id used so far (0n before the first send); later ids are greater. */
  readonly lastMsgId: bigint
}

/** Options of a session. */
export interface ClientSessionOptions {
  readonly cipher: MessageCipher
  readonly random: RandomSource
  readonly serverSalt?: bigint
  /** Seconds to add to local time to get server time (from the key exchange or persisted state). */
  readonly timeOffset?: number
  /** Session id; random when omitted. */
  readonly sessionId?: bigint
  /** Interval between ping_delay_disconnect keepalives (ms); 0 disables. Default 60 s. */
  readonly pingIntervalMs?: number
  /** A keepalive unanswered this long marks the connection dead (ms). Default 15 s. */
  readonly pingTimeoutMs?: number
  /** Resend a request unanswered this long (ms); 0 disables. Default {@link DEFAULT_RESEND_AFTER_MS}. */
  readonly resendAfterMs?: number
  readonly ack?: AckPolicy
  readonly replay?: ReplayOptions
  /** Requests at least this large are tried with gzip_packed (see GZIP_MIN_BYTES); Infinity disables. */
  readonly gzipMinBytes?: number
  /** Prefetch future salts (get_future_salts) before the known ones expire. Default true. */
  readonly futureSalts?: boolean
  /** Padding policy of the cipher. */
  readonly padding?: 'random' | 'minimal'
  /** Accept up to 15 trailing bytes after the last whole block (padded intermediate transport). */
  readonly ignoreTrailingBytes?: boolean
  readonly maxContainerMessages?: number
  readonly maxContainerBytes?: number
  /**
   * Continue a session an earlier driver started (supervision): the seq_no counter goes on from `seqNo` and new
   * msg_ids are greater than `lastMsgId`. Pass the same `sessionId`, salt and offset.
   */
  readonly resume?: { readonly seqNo: number; readonly lastMsgId: bigint }
  /** Keep a record of every caller request put on the wire, for {@link ClientSession.takeSent}. Default false. */
  readonly recordSent?: boolean
}

/** A request id older than this (server time, seconds) is resent under a new msg_id: the server's window is 300 s. */
export const RESEND_SAME_ID_MAX_AGE_SECONDS = 240
/** Default keepalive interval: Telegram's own clients ping about once a minute. */
export const DEFAULT_PING_INTERVAL_MS = 60_000
/** ping_delay_disconnect's delay: the server drops the connection this long after the last ping (75 s, as tdesktop). */
export const PING_DISCONNECT_DELAY_SECONDS = 75
/** Default wait for a pong before declaring the connection dead. */
export const DEFAULT_PING_TIMEOUT_MS = 15_000
/**
 * A request unanswered this long is sent again (same msg_id while young). Well above a normal round trip even on slow
 * mobile links, and short enough that an answer lost to a corrupted frame or a forgotten session does not look like
 * a hang. A server that still runs the request ignores the duplicate or answers msg_detailed_info.
 */
export const DEFAULT_RESEND_AFTER_MS = 10_000
/** How many salts to ask for (the spec's maximum is 64; 32 covers more than a day). */
export const FUTURE_SALTS_COUNT = 32
/** Largest request body accepted: Telegram refuses encrypted messages near 1 MiB; leave room for header and wrappers. */
export const MAX_REQUEST_BYTES = 1024 * 1024 - 4096
