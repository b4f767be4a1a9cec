/**
 * TLS record framing for the FakeTLS data phase: application-data records (0x17 0x03 0x03 + 2-byte BE length)
 * carrying the obfuscated2 stream. The client's first record is preceded by a change_cipher_spec record
 * (14 03 03 00 01 01), as a TLS 1.3 client in middlebox-compatibility mode sends; the decoder skips such records.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports#mtproxy (FakeTLS),
 * https://www.rfc-editor.org/rfc/rfc8446#section-5.1 (record layer).
 */
import { TransportError } from '../errors.js'
import { ByteQueue } from './byte-queue.js'

/** The change_cipher_spec record a TLS 1.3 client sends before its first encrypted record. */
export const CHANGE_CIPHER_SPEC = Uint8Array.of(0x14, 0x03, 0x03, 0x00, 0x01, 0x01)
/** Record size tdesktop's FakeTLS client uses for its application data, so ours looks the same on the wire. */
export const CLIENT_RECORD_SIZE = 2878
/** The TLS plaintext limit (2^14): the record size our server writes. */
export const SERVER_RECORD_SIZE = 16384
/** The largest record a TLS 1.3 peer may send: 2^14 plus 256 bytes of AEAD expansion. */
export const MAX_RECORD_SIZE = 16384 + 256
const HEADER = 5

/** Wraps and unwraps application-data records. */
export class TlsRecordCodec {
  readonly #queue = new ByteQueue()
  readonly #recordSize: number
  #ccsPending: boolean

  /**
   * @param recordSize largest record body written ({@link CLIENT_RECORD_SIZE} or {@link SERVER_RECORD_SIZE}).
   * @param changeCipherSpec prefix the first output with {@link CHANGE_CIPHER_SPEC} (client side).
   */
  constructor(recordSize: number, changeCipherSpec: boolean) {
    this.#recordSize = recordSize
    this.#ccsPending = changeCipherSpec
  }

  /** Bytes of incomplete records buffered. */
  get buffered(): number {
    return this.#queue.length
  }

  /** Splits `data` into application-data records. */
  wrap(data: Uint8Array): Uint8Array {
    const records = Math.ceil(data.length / this.#recordSize)
    const ccs = this.#ccsPending ? CHANGE_CIPHER_SPEC.length : 0
    this.#ccsPending = false
    const out = new Uint8Array(ccs + records * HEADER + data.length)
    if (ccs) out.set(CHANGE_CIPHER_SPEC)
    let pos = ccs
    for (let off = 0; off < data.length; off += this.#recordSize) {
      const n = Math.min(this.#recordSize, data.length - off)
      out[pos] = 0x17
      out[pos + 1] = 0x03
      out[pos + 2] = 0x03
      out[pos + 3] = n >>> 8
      out[pos + 4] = n & 0xff
      out.set(data.subarray(off, off + n), pos + HEADER)
      pos += HEADER + n
    }
    return out
  }

  /** Feeds received bytes; returns the bodies of the complete application-data records. Throws 'bad-tls'. */
  unwrap(chunk: Uint8Array): Uint8Array[] {
    const q = this.#queue
    q.push(chunk)
    const out: Uint8Array[] = []
    while (q.length >= HEADER) {
      const type = q.byteAt(0)
      if (q.byteAt(1) !== 0x03 || q.byteAt(2) !== 0x03 || (type !== 0x17 && type !== 0x14)) {
        throw new TransportError('bad-tls', `unexpected TLS record header ${type.toString(16)} ${q.byteAt(1)} ${q.byteAt(2)}`, { type })
      }
      const len = (q.byteAt(3) << 8) | q.byteAt(4)
      if (len > MAX_RECORD_SIZE) throw new TransportError('bad-tls', `TLS record of ${len} bytes exceeds ${MAX_RECORD_SIZE}`, { size: len })
      if (type === 0x14 && (len !== 1 || (q.length >= 6 && q.byteAt(5) !== 1))) {
        throw new TransportError('bad-tls', 'malformed change_cipher_spec record', { size: len })
      }
      if (q.length < HEADER + len) break
      q.skip(HEADER)
      const body = q.read(len)
      if (type === 0x17 && len > 0) out.push(body)
    }
    return out
  }
}
