/**
 * Byte-level helpers of the client session: reading the fixed-layout service messages on the hot path (rpc_result,
 * rpc_error, gzip_packed) without building objects, and writing the wrappers the session adds (gzip_packed,
 * invokeAfterMsg).
 *
 * Spec: https://core.telegram.org/mtproto/service_messages (rpc_result, rpc_error, gzip_packed),
 * https://core.telegram.org/api/invoking#invokeaftermsg (ordering), https://core.telegram.org/mtproto/serialize.
 */
import { gzipSync } from 'node:zlib'
import { serializeObject, TlReader } from '../../tl/service.js'
import { SessionError } from './client-errors.js'
import { ID_INVOKE_AFTER_MSG, SID } from './service-ids.js'

/**
 * Requests at least this large are tried with gzip_packed. Below ~512 bytes the gzip header and the TL bytes
 * wrapper eat most of the gain, and deflate costs more than the bytes it saves on a fast link.
 */
export const GZIP_MIN_BYTES = 512

/** gzip_packed is used only when it saves at least this fraction of the request (else the server inflates for little). */
export const GZIP_MIN_SAVING = 0.1

/** Unsigned 32-bit little-endian value at `off` (constructor ids), or -1 past the end. */
export function u32At(b: Uint8Array, off: number): number {
  if (off + 4 > b.length) return -1
  return ((b[off] as number) | ((b[off + 1] as number) << 8) | ((b[off + 2] as number) << 16) | ((b[off + 3] as number) << 24)) >>> 0
}

/** Signed 64-bit little-endian value at `off`; the caller has checked the bounds. */
export function i64At(b: Uint8Array, off: number): bigint {
  if (off < 0 || off + 8 > b.length) throw new RangeError(`no 8-byte long at offset ${off} of ${b.length} bytes`)
  // Through one module-level 8-byte scratch: a DataView per read was an allocation per received message.
  for (let i = 0; i < 8; i++) SCRATCH_BYTES[i] = b[off + i] as number
  return SCRATCH_VIEW.getBigInt64(0, true)
}

const SCRATCH_BYTES = new Uint8Array(8)
const SCRATCH_VIEW = new DataView(SCRATCH_BYTES.buffer)

/** Checks that a service message has at least `n` bytes. */
export function need(body: Uint8Array, n: number, what: string): void {
  if (body.length < n) throw new SessionError('malformed', `${what} truncated (${body.length} of ${n} bytes)`)
}

/** Splits rpc_result into the request's msg_id and the raw result bytes (a subarray). */
export function readRpcResult(body: Uint8Array): { reqMsgId: bigint; result: Uint8Array } {
  need(body, 16, 'rpc_result')
  return { reqMsgId: i64At(body, 4), result: body.subarray(12) }
}

/** If `body` is gzip_packed, the inflated bytes (capped by the reader's limit); otherwise `body` itself. */
export function unwrapGzip(body: Uint8Array): Uint8Array {
  if (u32At(body, 0) !== SID.gzipPacked) return body
  const r = new TlReader(body, 4)
  return r.gzipped(0, (inner) => inner.buf.subarray(inner.pos, inner.end))
}

/** Reads rpc_error's code and message. */
export function readRpcError(body: Uint8Array): { code: number; message: string } {
  need(body, 12, 'rpc_error')
  const r = new TlReader(body, 4)
  const code = r.int()
  const message = r.string()
  return { code, message }
}

/**
 * Wraps a serialized request in gzip_packed (gzip format, as the spec's `packed_data` is described; servers also take
 * zlib, which mtcute sends) when it is large enough and the result is smaller by {@link GZIP_MIN_SAVING};
 * otherwise returns the body unchanged.
 */
export function maybeGzip(body: Uint8Array, minBytes = GZIP_MIN_BYTES): Uint8Array {
  if (body.length < minBytes) return body
  const limit = Math.floor(body.length * (1 - GZIP_MIN_SAVING))
  let packed: Buffer
  try {
    packed = gzipSync(body, { maxOutputLength: limit })
  } catch {
    // ERR_BUFFER_TOO_LARGE: the data does not compress enough to be worth it.
    return body
  }
  const wrapped = serializeObject({ _: 'gzip_packed', packedData: packed }, { ownBuffer: true })
  return wrapped.length < body.length ? wrapped : body
}

/** `invokeAfterMsg msg_id:long query:!X` around an already serialized query. */
export function wrapInvokeAfter(afterMsgId: bigint, query: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + query.length)
  const v = new DataView(out.buffer)
  v.setUint32(0, ID_INVOKE_AFTER_MSG, true)
  v.setBigInt64(4, BigInt.asIntN(64, afterMsgId), true)
  out.set(query, 12)
  return out
}
