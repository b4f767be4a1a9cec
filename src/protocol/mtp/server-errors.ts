/**
 * Errors of the server side of an MTProto session (the loopback DC cluster): every protocol violation a client can
 * commit that makes the server answer with a transport error code and close the connection.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports#transport-errors (-404: no such auth key or a message
 * that cannot be decrypted; -429: too many connections or transport flood; -444: invalid DC in an MTProxy header or
 * a test/production mismatch).
 */
import { type ErrorField, MtError, registerError } from '../../errors.js'

/** Why the server dropped a connection. */
export type ServerViolation =
  /** A plain (unencrypted) message with a bad header or length. */
  | 'bad-plain-message'
  /** An encrypted message under an auth key the server does not know. */
  | 'unknown-auth-key'
  /** An encrypted message that failed a security check (forged msg_key, bad length, padding...). */
  | 'decrypt-failed'
  /** The key exchange failed (bad nonce, bad RSA payload, a DC the server refuses...). */
  | 'handshake-failed'
  /** A frame smaller than any MTProto message. */
  | 'short-frame'

/** Transport error codes the server sends before closing. */
export const TRANSPORT_CODE = {
  /** No such auth key, or a message that cannot be decrypted or parsed. */
  notFound: -404,
  /** Too many connections, or a flood of bytes beyond the per-connection buffer cap. */
  flood: -429,
  /** An unknown DC in an MTProxy header, or a test/production DC mismatch in the key exchange. */
  badDc: -444,
} as const

/** A client broke the protocol; the server sends `code` as a transport error and closes the connection. */
export class ServerProtocolError extends MtError {
  override readonly kind: string = 'ServerProtocolError'

  constructor(
    readonly reason: ServerViolation,
    message: string,
    /** The transport error code sent to the client (-404, -429 or -444). */
    readonly code: number,
  ) {
    super(message)
  }

  override fields(): Record<string, ErrorField> {
    return { reason: this.reason, code: this.code }
  }
}
registerError('ServerProtocolError', (m, f) => new ServerProtocolError(f.reason as ServerViolation, m, Number(f.code)))

/** An RPC handler's failure, sent to the client as `rpc_error` (code and message as Telegram would send them). */
export class RpcFailure extends MtError {
  override readonly kind: string = 'RpcFailure'

  constructor(
    readonly code: number,
    readonly text: string,
  ) {
    super(`${code} ${text}`)
  }

  override fields(): Record<string, ErrorField> {
    return { code: this.code, text: this.text }
  }
}
registerError('RpcFailure', (_m, f) => new RpcFailure(Number(f.code), String(f.text)))
