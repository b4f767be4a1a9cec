/**
 * The abridged transport: a 0xef marker once, then each payload behind a length/4 prefix of 1 byte (< 0x7f) or
 * 0x7f + 3 bytes little-endian. The high bit of the first byte asks for a quick ack (client to server) or marks a
 * 4-byte quick-ack token sent big-endian (server to client).
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports#abridged,
 * https://core.telegram.org/mtproto/mtproto-transports#quick-ack.
 */
import { ArgumentError } from '../../errors.js'
import { TransportError } from '../errors.js'
import { ByteQueue } from './byte-queue.js'
import {
  checkFrameSize,
  type EncodeOptions,
  errorCodeEvent,
  errorCodePayload,
  allocFrame,
  type FramingCodec,
  type FramingOptions,
  resolveMaxFrameSize,
  type Side,
  type TransportEvent,
} from './codec.js'

/** The marker a client sends once before its first abridged frame. */
export const ABRIDGED_MARKER = 0xef
/** length/4 values below this fit in the one-byte header; this value introduces the 3-byte form. */
const LONG_FORM = 0x7f
/** The 3-byte form holds length/4 up to 2^24 - 1. */
const MAX_WORDS = 0xffffff

/** Abridged framing codec (client or server side). */
export class AbridgedCodec implements FramingCodec {
  readonly transport = 'abridged' as const
  readonly #side: Side
  readonly #max: number
  readonly #queue = new ByteQueue()
  #markerPending: boolean
  #markerExpected: boolean

  constructor(options: FramingOptions = {}) {
    this.#side = options.side ?? 'client'
    this.#max = resolveMaxFrameSize(options.maxFrameSize)
    const marker = options.marker ?? true
    this.#markerPending = marker && this.#side === 'client'
    this.#markerExpected = marker && this.#side === 'server'
  }

  get buffered(): number {
    return this.#queue.length
  }

  encode(payload: Uint8Array, options: EncodeOptions = {}): Uint8Array {
    if (payload.length % 4 !== 0) {
      throw new ArgumentError(`abridged payload length ${payload.length} is not a multiple of 4`, 'payload')
    }
    const words = payload.length / 4
    if (words > MAX_WORDS) throw new ArgumentError(`abridged payload of ${payload.length} bytes is too large`, 'payload')
    const ack = options.quickAck === true && this.#side === 'client' ? 0x80 : 0
    const marker = this.#markerPending ? 1 : 0
    this.#markerPending = false
    const header = words < LONG_FORM ? 1 : 4
    const out = allocFrame(marker + header + payload.length)
    if (marker) out[0] = ABRIDGED_MARKER
    if (header === 1) {
      out[marker] = words | ack
    } else {
      out[marker] = LONG_FORM | ack
      out[marker + 1] = words & 0xff
      out[marker + 2] = (words >>> 8) & 0xff
      out[marker + 3] = (words >>> 16) & 0xff
    }
    out.set(payload, marker + header)
    return out
  }

  /** Server side: a transport error code frame (a 4-byte negative int32). */
  encodeErrorCode(code: number): Uint8Array {
    return this.encode(errorCodePayload(code))
  }

  /** Server side: the 4 bytes that acknowledge a message, token sent big-endian with its high bit set. */
  encodeQuickAck(token: number): Uint8Array {
    const t = (token | 0x80000000) >>> 0
    return new Uint8Array([t >>> 24, (t >>> 16) & 0xff, (t >>> 8) & 0xff, t & 0xff])
  }

  push(chunk: Uint8Array): TransportEvent[] {
    const q = this.#queue
    q.push(chunk)
    const events: TransportEvent[] = []
    if (this.#markerExpected) {
      if (q.length === 0) return events
      const m = q.byteAt(0)
      if (m !== ABRIDGED_MARKER) throw new TransportError('unknown-transport', `abridged stream must start with 0xef, got 0x${m.toString(16)}`, { got: m })
      q.skip(1)
      this.#markerExpected = false
    }
    for (;;) {
      if (q.length < 1) break
      const first = q.byteAt(0)
      const high = (first & 0x80) !== 0
      if (high && this.#side === 'client') {
        // Server to client: a quick-ack token, 4 bytes big-endian with the high bit set.
        if (q.length < 4) break
        events.push({ type: 'quick-ack', token: q.u32be(0) })
        q.skip(4)
        continue
      }
      const short = first & 0x7f
      let words: number
      let header: number
      if (short < LONG_FORM) {
        words = short
        header = 1
      } else {
        if (q.length < 4) break
        words = q.byteAt(1) | (q.byteAt(2) << 8) | (q.byteAt(3) << 16)
        header = 4
        // The long form is only for lengths the short form cannot hold; servers reject overlong encodings too.
        if (words < LONG_FORM) throw new TransportError('bad-length', `abridged length ${words * 4} uses the overlong 4-byte form`, { length: words * 4 })
      }
      const size = words * 4
      checkFrameSize(size, this.#max)
      if (q.length < header + size) break
      q.skip(header)
      const payload = q.read(size)
      const err = this.#side === 'client' ? errorCodeEvent(payload) : undefined
      if (err) events.push(err)
      else events.push(high ? { type: 'frame', payload, quickAck: true } : { type: 'frame', payload })
    }
    return events
  }
}
