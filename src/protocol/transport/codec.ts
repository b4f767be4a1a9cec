/**
 * Shared contract of the sans-IO transport codecs: what a decoder hands back, the size limit every decoder enforces
 * at the header, and the helpers for transport error codes.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports (framing, quick ack, transport errors).
 *
 * Error policy (one rule for every codec): bytes that cannot belong to a valid stream (an oversized or impossible
 * length, a bad CRC or sequence number, a bad TLS record) make `push` THROW a {@link TransportError}; the stream is
 * unrecoverable and the driver closes the connection. A transport error code sent by the peer (-404, -429, -444...)
 * is valid data, so `push` RETURNS it as an `error` event in order with the frames around it; nothing is lost.
 */
import { ArgumentError } from '../../errors.js'
import { TransportError } from '../errors.js'

/**
 * Default maximum frame size: 16 MiB. Far above the largest legitimate MTProto packets (512 KiB file parts, a few
 * MiB of getDifference or gzip_packed replies) yet small enough that a hostile length prefix cannot make a codec
 * reserve unbounded memory. Every codec takes a `maxFrameSize` option to override it.
 */
export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024

/** Which side of the connection a codec serves: it decides who sends the marker and how the high length bit reads. */
export type Side = 'client' | 'server'

/** What a decoder produced from the bytes pushed so far, in stream order. */
export type TransportEvent =
  /**
   * One complete payload. For padded intermediate it includes the random padding (the MTProto layer reads its own
   * lengths and ignores trailing bytes). `quickAck` is set on the server side when the client asked for a quick ack.
   */
  | { readonly type: 'frame'; readonly payload: Uint8Array; readonly quickAck?: boolean }
  /** A quick-ack token from the server (the value as sent, with its high bit set). */
  | { readonly type: 'quick-ack'; readonly token: number }
  /** The peer sent a transport error code; `error.reason` is `server-error-code` and `error.code` the code. */
  | { readonly type: 'error'; readonly error: TransportError }

/** Options every framing codec accepts. */
export interface FramingOptions {
  /** Which side this codec serves (default 'client'). */
  readonly side?: Side
  /**
   * Whether the stream carries the plain transport marker (0xef, 0xeeeeeeee, 0xdddddddd): the client sends it before
   * its first frame and the server expects and strips it. Default true; false inside obfuscated2 and FakeTLS, where
   * the tag travels in the encrypted init instead.
   */
  readonly marker?: boolean
  /** Largest frame accepted by the decoder, checked at the length prefix (default {@link DEFAULT_MAX_FRAME_SIZE}). */
  readonly maxFrameSize?: number
}

/** Per-frame encode options. */
export interface EncodeOptions {
  /** Client side: ask the server for a quick ack of this (encrypted) message by setting the length's high bit. */
  readonly quickAck?: boolean
}

/** A framing codec for one direction pair of one connection. */
export interface FramingCodec {
  /** The transport name. */
  readonly transport: 'abridged' | 'intermediate' | 'padded' | 'full'
  /** Frames one payload; the first frame of a client with `marker` is prefixed by the marker. */
  encode(payload: Uint8Array, options?: EncodeOptions): Uint8Array
  /** Feeds received bytes; returns every event now complete. Throws {@link TransportError} on an invalid stream. */
  push(chunk: Uint8Array): TransportEvent[]
  /** Bytes received but not yet part of a complete frame. */
  readonly buffered: number
}

/** Frames up to this size are carved out of a shared slab instead of getting their own ArrayBuffer. */
const SLAB_MAX_FRAME = 16 * 1024
/** Slab size: 256 KiB amortizes one ArrayBuffer allocation over at least 16 slab-sized frames. */
const SLAB_SIZE = 256 * 1024
let slab = uninitialized(SLAB_SIZE)
let slabPos = 0

/** A plain Uint8Array over fresh, NOT zero-filled memory (Node skips the memset; we overwrite every byte). */
function uninitialized(n: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(n)
  return new Uint8Array(b.buffer, b.byteOffset, n)
}

/**
 * An output array of `n` bytes whose contents are unspecified: encoders overwrite every byte. Small arrays are
 * disjoint views into a shared slab (as Node's Buffer pool does), so encoding many small frames does not allocate one
 * ArrayBuffer each; a region is never handed out twice. Consumers must respect `byteOffset`/`byteLength` rather than
 * use (or transfer) `.buffer` whole.
 */
export function allocFrame(n: number): Uint8Array {
  if (n > SLAB_MAX_FRAME) return uninitialized(n)
  if (slabPos + n > SLAB_SIZE) {
    slab = uninitialized(SLAB_SIZE)
    slabPos = 0
  }
  const out = slab.subarray(slabPos, slabPos + n)
  // Keep each view 8-byte aligned so typed views over it stay cheap.
  slabPos = (slabPos + n + 7) & ~7
  return out
}

/** Writes a little-endian uint32 at `pos`. */
export function writeU32le(out: Uint8Array, pos: number, v: number): void {
  out[pos] = v & 0xff
  out[pos + 1] = (v >>> 8) & 0xff
  out[pos + 2] = (v >>> 16) & 0xff
  out[pos + 3] = (v >>> 24) & 0xff
}

/** The 4-byte payload a server sends for transport error `code` (a negative int32, little-endian). */
export function errorCodePayload(code: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setInt32(0, code, true)
  return out
}

/** The error event for a 4-byte payload holding a negative int32, or undefined for anything else. */
export function errorCodeEvent(payload: Uint8Array): TransportEvent | undefined {
  if (payload.length !== 4) return undefined
  const code = ((payload[0] ?? 0) | ((payload[1] ?? 0) << 8) | ((payload[2] ?? 0) << 16) | ((payload[3] ?? 0) << 24)) | 0
  if (code >= 0) return undefined
  return { type: 'error', error: serverErrorCode(code) }
}

/** The typed error for a transport error code sent by the peer. */
export function serverErrorCode(code: number): TransportError {
  return new TransportError('server-error-code', `server sent transport error code ${code}`, { code })
}

/** Throws 'frame-too-large' when a header announces more than `max` bytes. */
export function checkFrameSize(size: number, max: number): void {
  if (size > max) throw new TransportError('frame-too-large', `frame of ${size} bytes exceeds the ${max}-byte limit`, { size, max })
}

/** Validates a `maxFrameSize` option. */
export function resolveMaxFrameSize(value: number | undefined): number {
  const v = value ?? DEFAULT_MAX_FRAME_SIZE
  if (!Number.isInteger(v) || v < 4 || v > 0x7fffffff) {
    throw new ArgumentError(`maxFrameSize must be an integer in [4, 2^31), got ${v}`, 'maxFrameSize')
  }
  return v
}
