/**
 * bad_msg_notification error codes as data: what each means and what the session does about it.
 *
 * Spec: https://core.telegram.org/mtproto/service_messages_about_messages#notice-of-ignored-error-message
 * (codes 16-20, 32-35, 48 and 64). Every entry has its own test, so the table cannot silently become empty.
 */

/** What the session does when the server reports a code for one of our messages. */
export type BadMsgAction =
  /** Take server time from the notification's msg_id, then send the message again under a new msg_id. */
  | 'resync-time-and-resend'
  /** Send again under a new msg_id (and, for containers, a new container id). */
  | 'resend'
  /** Our content counter is behind the server's: move it forward, then resend. */
  | 'raise-seq-and-resend'
  /** Our content counter is ahead: move it back, then resend. */
  | 'lower-seq-and-resend'
  /** Take the salt from bad_server_salt, then resend. */
  | 'update-salt-and-resend'
  /** The container was rejected as a whole: resend its messages one by one. */
  | 'resend-unpacked'
  /** A bug on our side that resending cannot fix: fail the request with a typed error. */
  | 'fail'

/** One row of the table. */
export interface BadMsgCode {
  readonly code: number
  readonly meaning: string
  readonly action: BadMsgAction
  /** Whether the failed message can be retried automatically. */
  readonly retryable: boolean
}

/** All documented codes. */
export const BAD_MSG_CODES: ReadonlyMap<number, BadMsgCode> = new Map(
  (
    [
      [16, 'msg_id too low (client time is behind server time)', 'resync-time-and-resend', true],
      [17, 'msg_id too high (client time is ahead of server time)', 'resync-time-and-resend', true],
      [18, 'incorrect two lower order msg_id bits (must be divisible by 4)', 'fail', false],
      [19, 'container msg_id is the same as a previously received message', 'resend', true],
      [20, 'message too old: the server cannot tell whether it was received', 'resend', true],
      [32, 'msg_seqno too low', 'raise-seq-and-resend', true],
      [33, 'msg_seqno too high', 'lower-seq-and-resend', true],
      [34, 'even msg_seqno expected (not content-related), odd received', 'fail', false],
      [35, 'odd msg_seqno expected (content-related), even received', 'fail', false],
      [48, 'incorrect server salt (sent as bad_server_salt with the right one)', 'update-salt-and-resend', true],
      [64, 'invalid container', 'resend-unpacked', true],
    ] as const
  ).map(([code, meaning, action, retryable]) => [code, { code, meaning, action, retryable }]),
)

/** How far the content counter moves for 32/33: enough to clear the server's expectation in one step. */
export const SEQ_RAISE_STEP = 64
export const SEQ_LOWER_STEP = 16

/** Looks a code up; an undocumented code is treated as a non-retryable failure. */
export function badMsgCode(code: number): BadMsgCode {
  return BAD_MSG_CODES.get(code) ?? { code, meaning: `undocumented bad_msg_notification code ${code}`, action: 'fail', retryable: false }
}
