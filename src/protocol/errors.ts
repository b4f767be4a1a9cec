/**
 * Errors of the protocol layer: transport framing, security checks on received data, and the key exchange.
 * Each carries a machine-readable `reason` and optional numeric details, and registers itself for the cross-thread
 * registry in ../errors.ts.
 *
 * Spec: https://core.telegram.org/mtproto/description (security checks),
 * https://core.telegram.org/mtproto/mtproto-transports (transport errors),
 * https://core.telegram.org/mtproto/security_guidelines (DH and message checks).
 */
import { ReasonedError, registerReasonedError } from '../errors.js'

export type { ErrorDetails } from '../errors.js'

/** Why a transport-level operation failed. */
export type TransportErrorReason =
  /** A length prefix announced more than the codec's maximum frame size. */
  | 'frame-too-large'
  /** A length prefix that no valid frame can have (not a multiple of 4, too short). */
  | 'bad-length'
  /** The full transport's CRC32 did not match. */
  | 'bad-crc'
  /** The full transport's sequence number was not the expected one. */
  | 'bad-seq-no'
  /** The server sent a 4-byte transport error code (-404, -429, -444...). */
  | 'server-error-code'
  /** An obfuscated2 init carried an unknown protocol tag or a forbidden prefix. */
  | 'bad-init'
  /** A FakeTLS record or hello failed validation. */
  | 'bad-tls'
  /** An MTProxy secret or link could not be parsed. */
  | 'bad-secret'
  /** A FakeTLS client hello was seen before or is outside the time window. */
  | 'replayed'
  /** The first bytes of a connection match no known transport. */
  | 'unknown-transport'

/** A failure in transport framing, obfuscation or a server transport error code. */
export class TransportError extends ReasonedError<TransportErrorReason> {
  override readonly kind: string = 'TransportError'

  /** The transport error code (-404, -429, ...) when `reason` is `server-error-code`. */
  get code(): number | undefined {
    const c = this.details.code
    return typeof c === 'number' ? c : undefined
  }

}
registerReasonedError<TransportErrorReason>('TransportError', (r, m, d) => new TransportError(r, m, d))

/** Why received data was rejected by a security check. */
export type SecurityErrorReason =
  | 'auth-key-id-mismatch'
  | 'bad-ciphertext-length'
  | 'msg-key-mismatch'
  | 'session-id-mismatch'
  | 'msg-id-parity'
  | 'bad-message-length'
  | 'bad-padding'
  | 'msg-id-replayed'
  | 'msg-id-too-old'
  | 'msg-id-too-new'
  | 'bad-nonce'
  | 'bad-answer-hash'
  | 'bad-new-nonce-hash'
  | 'bad-dh-prime'
  | 'bad-dh-g'
  | 'bad-dh-range'
  | 'bad-rsa-key'
  | 'bad-rsa-data'
  | 'bad-srp'
  /** resPQ.pq is not a product of two factors below 2^64 that the factorizer can split. */
  | 'bad-pq'

/**
 * Received data failed a check that guards against forgery or tampering. The outward `message` is generic on purpose
 * for message decryption (it must not reveal which check failed); `reason` is for logs and tests.
 */
export class SecurityError extends ReasonedError<SecurityErrorReason> {
  override readonly kind: string = 'SecurityError'
}
registerReasonedError<SecurityErrorReason>('SecurityError', (r, m, d) => new SecurityError(r, m, d))

