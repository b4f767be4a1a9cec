/**
 * Errors of the client session: a request the server refused at the protocol level (bad_msg_notification codes
 * that resending cannot fix), a malformed service message, and a session that was reset under a request.
 *
 * Spec: https://core.telegram.org/mtproto/service_messages_about_messages#notice-of-ignored-error-message
 */
import { type ErrorField, MtError, registerError } from '../../errors.js'

/** Why the session failed a request or rejected a received message. */
export type SessionErrorReason =
  /** The server answered bad_msg_notification with a code the table marks as not retryable (18, 34, 35, unknown). */
  | 'bad-msg'
  /** A received service message or container could not be parsed (truncated, lengths out of bounds). */
  | 'malformed'
  /** The request was resent more often than the session allows (a server that keeps rejecting it). */
  | 'too-many-resends'
  /** The session was closed or its auth key dropped while the request was pending. */
  | 'session-closed'

/** A failure of the encrypted session itself (not an RPC error the server returned for a method). */
export class SessionError extends MtError {
  override readonly kind: string = 'SessionError'

  constructor(
    readonly reason: SessionErrorReason,
    message: string,
    /** The bad_msg_notification error code, for `bad-msg`. */
    readonly code?: number,
  ) {
    super(message)
  }

  override fields(): Record<string, ErrorField> {
    return { reason: this.reason, code: this.code ?? null }
  }
}
registerError('SessionError', (m, f) => new SessionError(f.reason as SessionErrorReason, m, typeof f.code === 'number' ? f.code : undefined))
