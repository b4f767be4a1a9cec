/**
 * The intermediate transport (marker 0xeeeeeeee, 4-byte little-endian length) and padded intermediate (marker
 * 0xdddddddd, 0..15 random bytes appended to each payload and counted in the length).
 *
 * Padded intermediate: the receiver cannot tell padding from payload, so decoded payloads INCLUDE the padding; the
 * MTProto layer reads its own message length and ignores trailing bytes. A frame of exactly 4 bytes holding a negative
 * int32 is a transport error code (servers never pad those).
 *
 * Quick ack: a client sets the length's high bit to ask for one; the server answers with 4 bytes, the token
 * little-endian with its high bit set, in place of a length.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports#intermediate,
 * https://core.telegram.org/mtproto/mtproto-transports#padded-intermediate.
 */
import { ArgumentError } from '../../errors.js'
import type { RandomSource } from '../random.js'
import { TransportError } from '../errors.js'
import { ByteQueue } from './byte-queue.js'
import {
  checkFrameSize,
  type EncodeOptions,
  errorCodeEvent,
  errorCodePayload,
  allocFrame,
  writeU32le,
  type FramingCodec,
  type FramingOptions,
  resolveMaxFrameSize,
  type Side,
  type TransportEvent,
} from './codec.js'

/** The 4-byte marker of the intermediate transport. */
export const INTERMEDIATE_MARKER = 0xeeeeeeee
/** The 4-byte marker of the padded intermediate transport. */
export const PADDED_MARKER = 0xdddddddd
/** Padding is 0..15 bytes: less than one AES block, as the spec prescribes. */
const MAX_PADDING = 15
const HIGH_BIT = 0x80000000

/** Options of the padded intermediate codec: it needs randomness for the padding. */
export interface PaddedOptions extends FramingOptions {
  readonly random: RandomSource
}

/** Intermediate framing codec, optionally padded (use {@link PaddedIntermediateCodec} for that). */
export class IntermediateCodec implements FramingCodec {
  readonly transport: 'intermediate' | 'padded' = 'intermediate'
  readonly #side: Side
  readonly #max: number
  readonly #queue = new ByteQueue()
  readonly #markerValue: number
  #markerPending: boolean
  #markerExpected: boolean

  constructor(options: FramingOptions = {}, marker = INTERMEDIATE_MARKER) {
    this.#side = options.side ?? 'client'
    this.#max = resolveMaxFrameSize(options.maxFrameSize)
    this.#markerValue = marker
    const m = options.marker ?? true
    this.#markerPending = m && this.#side === 'client'
    this.#markerExpected = m && this.#side === 'server'
  }

  get buffered(): number {
    return this.#queue.length
  }

  /** Number of padding bytes to append to the next frame (0 for plain intermediate). */
  protected paddingLength(): number {
    return 0
  }

  /** Fills the padding bytes (only called when {@link paddingLength} returned more than 0). */
  protected fillPadding(_out: Uint8Array): void {}

  encode(payload: Uint8Array, options: EncodeOptions = {}): Uint8Array {
    return this.#encode(payload, options, this.paddingLength())
  }

  /** Server side: a transport error code frame (4-byte negative int32, never padded). */
  encodeErrorCode(code: number): Uint8Array {
    return this.#encode(errorCodePayload(code), {}, 0)
  }

  #encode(payload: Uint8Array, options: EncodeOptions, pad: number): Uint8Array {
    const length = payload.length + pad
    if (length >= HIGH_BIT) throw new ArgumentError(`payload of ${payload.length} bytes is too large`, 'payload')
    const marker = this.#markerPending ? 4 : 0
    this.#markerPending = false
    const out = allocFrame(marker + 4 + length)
    if (marker) writeU32le(out, 0, this.#markerValue)
    const ack = options.quickAck === true && this.#side === 'client' ? HIGH_BIT : 0
    writeU32le(out, marker, (length | ack) >>> 0)
    out.set(payload, marker + 4)
    if (pad > 0) this.fillPadding(out.subarray(marker + 4 + payload.length))
    return out
  }

  /** Server side: the 4 bytes that acknowledge a message (token little-endian, high bit set). */
  encodeQuickAck(token: number): Uint8Array {
    const out = new Uint8Array(4)
    new DataView(out.buffer).setUint32(0, (token | HIGH_BIT) >>> 0, true)
    return out
  }

  push(chunk: Uint8Array): TransportEvent[] {
    const q = this.#queue
    q.push(chunk)
    const events: TransportEvent[] = []
    if (this.#markerExpected) {
      if (q.length < 4) return events
      const m = q.u32le(0)
      if (m !== this.#markerValue) {
        throw new TransportError('unknown-transport', `${this.transport} stream must start with its marker, got 0x${m.toString(16)}`, { got: m })
      }
      q.skip(4)
      this.#markerExpected = false
    }
    while (q.length >= 4) {
      const word = q.u32le(0)
      const high = word >= HIGH_BIT
      if (high && this.#side === 'client') {
        events.push({ type: 'quick-ack', token: word })
        q.skip(4)
        continue
      }
      const size = high ? word - HIGH_BIT : word
      checkFrameSize(size, this.#max)
      if (q.length < 4 + size) break
      q.skip(4)
      const payload = q.read(size)
      const err = this.#side === 'client' ? errorCodeEvent(payload) : undefined
      if (err) events.push(err)
      else events.push(high ? { type: 'frame', payload, quickAck: true } : { type: 'frame', payload })
    }
    return events
  }
}

/** Padded intermediate framing codec: 0..15 random bytes after each payload. */
export class PaddedIntermediateCodec extends IntermediateCodec {
  override readonly transport = 'padded' as const
  readonly #random: RandomSource
  readonly #one = new Uint8Array(1)

  constructor(options: PaddedOptions) {
    super(options, PADDED_MARKER)
    this.#random = options.random
  }

  protected override paddingLength(): number {
    this.#random(this.#one)
    return (this.#one[0] ?? 0) & MAX_PADDING
  }

  protected override fillPadding(out: Uint8Array): void {
    this.#random(out)
  }
}
