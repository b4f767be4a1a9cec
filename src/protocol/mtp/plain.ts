/**
 * Plain (unencrypted) messages, used only by the auth key exchange.
 *
 * Spec: https://core.telegram.org/mtproto/description#unencrypted-message
 * Layout: auth_key_id = 0 (int64) + message_id (int64) + message_data_length (int32) + message_data.
 */
import { ArgumentError } from '../../errors.js'
import { SecurityError } from '../errors.js'

/** auth_key_id (8) + msg_id (8) + length (4). */
export const PLAIN_HEADER_BYTES = 20

/**
 * Largest body a plain message may announce. The biggest key-exchange message (server_DH_params_ok with a 2048-bit
 * prime, encrypted) is under 700 bytes; 64 KiB leaves ample room while refusing absurd lengths before any copy.
 */
export const MAX_PLAIN_BODY_BYTES = 64 * 1024

/** Wraps a TL body as a plain message with auth_key_id 0 and the given msg_id. */
export function encodePlainMessage(body: Uint8Array, msgId: bigint): Uint8Array {
  if (body.length % 4 !== 0) throw new ArgumentError(`plain message body length ${body.length} is not a multiple of 4`, 'body')
  if (body.length > MAX_PLAIN_BODY_BYTES) throw new ArgumentError(`plain message body of ${body.length} bytes is too large`, 'body')
  const out = new Uint8Array(PLAIN_HEADER_BYTES + body.length)
  const v = new DataView(out.buffer)
  // bytes 0..7 stay zero: auth_key_id of an unencrypted message
  v.setBigInt64(8, BigInt.asIntN(64, msgId), true)
  v.setUint32(16, body.length, true)
  out.set(body, PLAIN_HEADER_BYTES)
  return out
}

/**
 * Reads a plain message. Trailing bytes after the announced body are ignored (the padded intermediate transport adds
 * up to 15 random bytes). Throws {@link SecurityError}: 'auth-key-id-mismatch' when auth_key_id is not 0,
 * 'bad-message-length' when the frame is shorter than the header or than the announced body, or the length is not a
 * multiple of 4 or too large.
 */
export function decodePlainMessage(frame: Uint8Array): { msgId: bigint; body: Uint8Array } {
  if (frame.length < PLAIN_HEADER_BYTES) {
    throw new SecurityError('bad-message-length', `plain message of ${frame.length} bytes is shorter than its header`, { length: frame.length })
  }
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  if (v.getBigUint64(0, true) !== 0n) throw new SecurityError('auth-key-id-mismatch', 'plain message has a non-zero auth_key_id')
  const msgId = v.getBigInt64(8, true)
  const length = v.getUint32(16, true)
  if (length % 4 !== 0 || length > MAX_PLAIN_BODY_BYTES || length > frame.length - PLAIN_HEADER_BYTES) {
    throw new SecurityError('bad-message-length', `plain message announces ${length} bytes, frame has ${frame.length - PLAIN_HEADER_BYTES}`, {
      length,
      available: frame.length - PLAIN_HEADER_BYTES,
    })
  }
  return { msgId, body: frame.subarray(PLAIN_HEADER_BYTES, PLAIN_HEADER_BYTES + length) }
}
