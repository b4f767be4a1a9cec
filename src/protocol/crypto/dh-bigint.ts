/**
 * Big-endian byte strings <-> bigint, as MTProto carries big numbers (pq, p, q, dh_prime, g_a, g_b, SRP values).
 *
 * Spec: https://core.telegram.org/mtproto/auth_key (numbers are TL `bytes` holding big-endian unsigned integers),
 * https://core.telegram.org/api/srp (values padded to 256 bytes).
 */
import { ArgumentError } from '../../errors.js'

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Reads `bytes` as a big-endian unsigned integer (empty input is 0). */
export function bigIntFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n
  let hex = ''
  for (const b of bytes) hex += HEX[b]
  return BigInt(`0x${hex}`)
}

/**
 * Writes a non-negative `value` big-endian. Without `length` the result has no leading zero bytes (0 is one zero
 * byte); with `length` it is left-padded, and a value that does not fit is an {@link ArgumentError}.
 */
export function bigIntToBytes(value: bigint, length?: number): Uint8Array {
  if (value < 0n) throw new ArgumentError('cannot encode a negative integer as unsigned bytes', 'value')
  let hex = value.toString(16)
  if (hex.length % 2 === 1) hex = `0${hex}`
  const raw = Buffer.from(hex, 'hex')
  if (length === undefined) return new Uint8Array(raw.buffer, raw.byteOffset, raw.length)
  if (raw.length > length) throw new ArgumentError(`integer needs ${raw.length} bytes, more than ${length}`, 'value')
  const out = new Uint8Array(length)
  out.set(raw, length - raw.length)
  return out
}

/** Number of significant bits of a non-negative integer (0 for 0). */
export function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length
}
