/**
 * The full transport: length (4, LE, counting the whole frame) + seq_no (4, LE, per direction from 0) + payload +
 * CRC32 (4, LE, over everything before it). No marker. The decoder checks the CRC and the expected seq_no.
 *
 * A length field that reads as a negative int32 is a bare transport error code (servers have been seen to send
 * -429 in the length position); the decoder reports it as an error event and discards the rest of the stream, since
 * nothing after it can be framed.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports#full.
 */
import { crc32 } from 'node:zlib'
import { ArgumentError } from '../../errors.js'
import { TransportError } from '../errors.js'
import { ByteQueue } from './byte-queue.js'
import {
  checkFrameSize,
  errorCodeEvent,
  errorCodePayload,
  allocFrame,
  writeU32le,
  type FramingCodec,
  type FramingOptions,
  resolveMaxFrameSize,
  type Side,
  serverErrorCode,
  type TransportEvent,
} from './codec.js'

/** length + seq_no + crc32. */
const OVERHEAD = 12

/** Full framing codec (client or server side; the format is the same both ways). */
export class FullCodec implements FramingCodec {
  readonly transport = 'full' as const
  readonly #side: Side
  readonly #max: number
  readonly #queue = new ByteQueue()
  #sendSeq = 0
  #recvSeq = 0
  #closed = false

  constructor(options: FramingOptions = {}) {
    this.#side = options.side ?? 'client'
    this.#max = resolveMaxFrameSize(options.maxFrameSize)
  }

  get buffered(): number {
    return this.#queue.length
  }

  /** Frames a payload with the next outgoing seq_no. The full transport has no quick ack. */
  encode(payload: Uint8Array): Uint8Array {
    const total = payload.length + OVERHEAD
    if (total > 0x7fffffff) throw new ArgumentError(`payload of ${payload.length} bytes is too large`, 'payload')
    const out = allocFrame(total)
    writeU32le(out, 0, total)
    writeU32le(out, 4, this.#sendSeq)
    this.#sendSeq = (this.#sendSeq + 1) >>> 0
    out.set(payload, 8)
    writeU32le(out, total - 4, crc32(out.subarray(0, total - 4)))
    return out
  }

  /** Server side: a transport error code frame (a 4-byte negative int32 payload). */
  encodeErrorCode(code: number): Uint8Array {
    return this.encode(errorCodePayload(code))
  }

  push(chunk: Uint8Array): TransportEvent[] {
    const events: TransportEvent[] = []
    if (this.#closed) return events
    const q = this.#queue
    q.push(chunk)
    while (q.length >= 4) {
      const length = q.u32le(0) | 0
      if (length < 0) {
        events.push({ type: 'error', error: serverErrorCode(length) })
        q.clear()
        this.#closed = true
        break
      }
      if (length < OVERHEAD) throw new TransportError('bad-length', `full frame length ${length} is below the 12-byte minimum`, { length })
      checkFrameSize(length - OVERHEAD, this.#max)
      if (q.length < length) break
      const frame = q.read(length)
      const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
      const seq = dv.getUint32(4, true)
      const sent = dv.getUint32(length - 4, true)
      const computed = crc32(frame.subarray(0, length - 4))
      if (sent !== computed) {
        // `expected` is what the bytes hash to, `got` what the frame carried.
        throw new TransportError('bad-crc', `full frame CRC32 mismatch: frame carries ${sent}, bytes hash to ${computed}`, {
          expected: computed,
          got: sent,
        })
      }
      if (seq !== this.#recvSeq) {
        throw new TransportError('bad-seq-no', `full frame seq_no ${seq}, expected ${this.#recvSeq}`, { expected: this.#recvSeq, got: seq })
      }
      this.#recvSeq = (this.#recvSeq + 1) >>> 0
      const payload = frame.subarray(8, length - 4)
      const err = this.#side === 'client' ? errorCodeEvent(payload) : undefined
      events.push(err ?? { type: 'frame', payload })
    }
    return events
  }
}
