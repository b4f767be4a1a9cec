/**
 * How each data-plane message (actor-messages.ts) is laid out as one record of a shared ring (shared-ring.ts).
 * Little-endian; offsets within the record's payload:
 *
 * ```
 *  0      1       2          4            8            16
 *  | tag | flags | method u16 | bodyLen u32 | id (f64)   | ...per tag...                           | body |
 *  invoke: 16 slot u32, 20 unused u32, [timeoutMs f64], [resend msgId i64, seqNo i32, pad]       body
 *  method: the name's bytes from 8 (a definition: later invokes name the method by its number)
 *  fault: flags 1 = crash, 0 = block for `id` ms
 *  cancel: 16 slot u32, 20 unused u32
 *  result, error: 16 slot u32, 20 unused u32, body from 24 (error: the v8-serialized SerializedError)
 *  echo: body from 16
 *  update, event: body (event: the v8-serialized WireEvent) from 16
 * ```
 * flags: PORT (the body is the next port 'body' message, not inline), TIMEOUT, RESEND.
 *
 * Method names are interned per ring: the first invoke of a method is preceded by a definition record, later ones
 * carry its number, so the hot path writes no strings.
 *
 * Spec: https://core.telegram.org/mtproto/serialize (the bodies are serialized TL; this framing only carries them).
 */
import { deserialize, serialize } from 'node:v8'
import { InternalError, type SerializedError } from '../errors.js'
import type { FromWorker, ToWorker, WireEvent } from './actor-messages.js'
import type { RingReader, RingWriter } from './shared-ring.js'

const T_INVOKE = 1
const T_METHOD = 2
const T_CANCEL = 3
const T_ECHO = 4
const T_RESULT = 5
const T_ERROR = 6
const T_UPDATE = 7
const T_EVENT = 8
const T_FAULT = 9

const F_PORT = 1
const F_TIMEOUT = 2
const F_RESEND = 4

/** Most interned method names per ring (then names go inline as a definition before each use). */
const MAX_METHODS = 0xffff

/** Returned by a decoder whose record's body has not arrived on the port yet: read it again later. */
export const STALL = Symbol('stall')

/** How one direction's messages become records and back. */
export interface RecordCodec<Out, In> {
  /** The bytes that travel with `m` (a body, or its serialized error/event), if any. */
  body(m: Out): Uint8Array | undefined
  /**
   * Writes `m` as a record (and any definition it needs): false, with nothing of `m` committed, when the ring has
   * no room. `viaPort`: the body went on the port instead of inline; `bodyLen` is its length either way.
   */
  write(w: RingWriter, m: Out, body: Uint8Array | undefined, bodyLen: number, viaPort: boolean): boolean
  /** Reads the record at `off`; `portBody` takes the next body from the port (undefined: not there yet). */
  read(r: RingReader, off: number, portBody: () => Uint8Array | undefined): In | typeof STALL | undefined
}

/** Writes the common header; returns the body offset. */
function header(w: RingWriter, off: number, tag: number, flags: number, bodyLen: number, id: number): void {
  const v = w.view
  v.setUint8(off, tag)
  v.setUint8(off + 1, flags)
  v.setUint32(off + 4, bodyLen, true)
  v.setFloat64(off + 8, id, true)
}

/**
 * Writes a record with a body: at offset 16 (echo, update, event), or at 24 after the call's `slot` at 16 (result,
 * error; `slot` given).
 */
function writeBody(w: RingWriter, tag: number, id: number, slot: number | undefined, body: Uint8Array | undefined, bodyLen: number, viaPort: boolean): boolean {
  const at = slot === undefined ? 16 : 24
  const inline = body !== undefined && !viaPort ? bodyLen : 0
  const off = w.reserve(at + inline)
  if (off < 0) return false
  header(w, off, tag, viaPort ? F_PORT : 0, bodyLen, id)
  if (slot !== undefined) w.view.setUint32(off + 16, slot, true)
  if (inline > 0 && body !== undefined) w.bytes.set(body, off + at)
  w.commit()
  return true
}

/**
 * Copies bodies out of the ring (its space is reused once released). A small body lands in a slab: views of one
 * 64 KiB ArrayBuffer, never reused, so bodies never alias and a slab is freed when its last view is; an ArrayBuffer
 * per body costs ~0.5 us in V8 (off-heap backing store), ~20x the copy. Larger bodies get a buffer of their own.
 */
class SlabCopier {
  static readonly SIZE = 64 * 1024
  static readonly MAX = 4 * 1024
  #slab = new Uint8Array(0)
  #pos = 0

  copy(src: Uint8Array, start: number, len: number): Uint8Array {
    if (len > SlabCopier.MAX) return src.slice(start, start + len)
    if (this.#pos + len > this.#slab.length) {
      this.#slab = new Uint8Array(SlabCopier.SIZE)
      this.#pos = 0
    }
    const at = this.#pos
    const slab = this.#slab
    // Small bodies byte by byte: a subarray of the source would be one more object per body for the GC.
    if (len <= 64) for (let i = 0; i < len; i++) slab[at + i] = src[start + i] as number
    else slab.set(src.subarray(start, start + len), at)
    // Each body starts 8-byte aligned, like the TL codec's slab.
    this.#pos = (at + len + 7) & ~7
    return this.#slab.subarray(at, at + len)
  }
}

/** The record's body: a copy of the inline bytes (the ring space is reused), or the next port body. */
function readBody(r: RingReader, off: number, at: number, portBody: () => Uint8Array | undefined, slab: SlabCopier): Uint8Array | typeof STALL {
  const v = r.view
  const len = v.getUint32(off + 4, true)
  if ((v.getUint8(off + 1) & F_PORT) !== 0) return portBody() ?? STALL
  return slab.copy(r.bytes, off + at, len)
}

/** main -> worker records, with the method table of one ring. */
export class ToWorkerCodec implements RecordCodec<ToWorker, ToWorker> {
  readonly #slab = new SlabCopier()
  readonly #ids = new Map<string, number>()
  readonly #names: string[] = []

  body(m: ToWorker): Uint8Array | undefined {
    return m.t === 'cancel' || m.t === 'fault' ? undefined : m.body
  }

  write(w: RingWriter, m: ToWorker, body: Uint8Array | undefined, bodyLen: number, viaPort: boolean): boolean {
    switch (m.t) {
      case 'cancel':
        return writeBody(w, T_CANCEL, m.id, m.slot, undefined, 0, false)
      case 'echo':
        return writeBody(w, T_ECHO, m.id, undefined, body, bodyLen, viaPort)
      case 'fault': {
        const off = w.reserve(16)
        if (off < 0) return false
        header(w, off, T_FAULT, m.kind === 'crash' ? 1 : 0, 0, m.ms)
        w.commit()
        return true
      }
      case 'invoke':
        return this.#writeInvoke(w, m, body, bodyLen, viaPort)
    }
  }

  #writeInvoke(w: RingWriter, m: Extract<ToWorker, { t: 'invoke' }>, body: Uint8Array | undefined, bodyLen: number, viaPort: boolean): boolean {
    let method = this.#ids.get(m.method)
    if (method === undefined) {
      method = this.#ids.size < MAX_METHODS ? this.#ids.size : MAX_METHODS
      if (!this.#define(w, method, m.method)) return false
      if (method < MAX_METHODS) this.#ids.set(m.method, method)
    }
    let flags = viaPort ? F_PORT : 0
    let size = 24
    if (m.timeoutMs !== undefined) {
      flags |= F_TIMEOUT
      size += 8
    }
    if (m.resend !== undefined) {
      flags |= F_RESEND
      size += 16
    }
    const inline = viaPort || body === undefined ? 0 : bodyLen
    const off = w.reserve(size + inline)
    if (off < 0) return false
    const v = w.view
    header(w, off, T_INVOKE, flags, bodyLen, m.id)
    v.setUint16(off + 2, method, true)
    v.setUint32(off + 16, m.slot, true)
    let at = off + 24
    if (m.timeoutMs !== undefined) {
      v.setFloat64(at, m.timeoutMs, true)
      at += 8
    }
    if (m.resend !== undefined) {
      v.setBigInt64(at, m.resend.msgId, true)
      v.setInt32(at + 8, m.resend.seqNo, true)
      at += 16
    }
    if (inline > 0 && body !== undefined) w.bytes.set(body, at)
    w.commit()
    return true
  }

  /** A method definition record (number `id` names `name` from now on; MAX_METHODS: for the next invoke only). */
  #define(w: RingWriter, id: number, name: string): boolean {
    const n = Math.min(name.length, 1024)
    const off = w.reserve(8 + n)
    if (off < 0) return false
    const v = w.view
    v.setUint8(off, T_METHOD)
    v.setUint16(off + 2, id, true)
    v.setUint32(off + 4, n, true)
    // TL method names are ASCII; anything else is cut to its low byte (it only labels errors).
    for (let i = 0; i < n; i++) v.setUint8(off + 8 + i, name.charCodeAt(i) & 0xff)
    w.commit()
    return true
  }

  read(r: RingReader, off: number, portBody: () => Uint8Array | undefined): ToWorker | typeof STALL | undefined {
    const v = r.view
    const tag = v.getUint8(off)
    const id = v.getFloat64(off + 8, true)
    switch (tag) {
      case T_METHOD: {
        const n = v.getUint32(off + 4, true)
        this.#names[v.getUint16(off + 2, true)] = String.fromCharCode(...r.bytes.subarray(off + 8, off + 8 + n))
        return undefined
      }
      case T_CANCEL:
        return { t: 'cancel', id, slot: v.getUint32(off + 16, true) }
      case T_FAULT:
        return { t: 'fault', kind: v.getUint8(off + 1) === 1 ? 'crash' : 'block', ms: id }
      case T_ECHO: {
        const body = readBody(r, off, 16, portBody, this.#slab)
        return body === STALL ? STALL : { t: 'echo', id, body }
      }
      case T_INVOKE: {
        const flags = v.getUint8(off + 1)
        let at = 24
        let timeoutMs: number | undefined
        let resend: { msgId: bigint; seqNo: number } | undefined
        if ((flags & F_TIMEOUT) !== 0) {
          timeoutMs = v.getFloat64(off + at, true)
          at += 8
        }
        if ((flags & F_RESEND) !== 0) {
          resend = { msgId: v.getBigInt64(off + at, true), seqNo: v.getInt32(off + at + 8, true) }
          at += 16
        }
        const body = readBody(r, off, at, portBody, this.#slab)
        if (body === STALL) return STALL
        const method = this.#names[v.getUint16(off + 2, true)] ?? 'unknown'
        return { t: 'invoke', id, slot: v.getUint32(off + 16, true), body, method, timeoutMs, resend }
      }
      default:
        throw new InternalError(`unknown main -> worker record tag ${tag}`)
    }
  }
}

/** worker -> main records. */
export class FromWorkerCodec implements RecordCodec<FromWorker, FromWorker> {
  readonly #slab = new SlabCopier()

  body(m: FromWorker): Uint8Array | undefined {
    switch (m.t) {
      case 'error':
        return serialize(m.error)
      case 'event':
        return serialize(m.event)
      default:
        return m.body
    }
  }

  write(w: RingWriter, m: FromWorker, body: Uint8Array | undefined, bodyLen: number, viaPort: boolean): boolean {
    switch (m.t) {
      case 'result':
        return writeBody(w, T_RESULT, m.id, m.slot, body, bodyLen, viaPort)
      case 'error':
        return writeBody(w, T_ERROR, m.id, m.slot, body, bodyLen, viaPort)
      case 'echo':
        return writeBody(w, T_ECHO, m.id, undefined, body, bodyLen, viaPort)
      case 'update':
        return writeBody(w, T_UPDATE, 0, undefined, body, bodyLen, viaPort)
      case 'event':
        return writeBody(w, T_EVENT, 0, undefined, body, bodyLen, viaPort)
    }
  }

  read(r: RingReader, off: number, portBody: () => Uint8Array | undefined): FromWorker | typeof STALL | undefined {
    const v = r.view
    const tag = v.getUint8(off)
    const id = v.getFloat64(off + 8, true)
    const ofSlot = tag === T_RESULT || tag === T_ERROR
    const body = readBody(r, off, ofSlot ? 24 : 16, portBody, this.#slab)
    if (body === STALL) return STALL
    switch (tag) {
      case T_RESULT:
        return { t: 'result', id, slot: v.getUint32(off + 16, true), body }
      case T_ERROR:
        return { t: 'error', id, slot: v.getUint32(off + 16, true), error: deserialize(body) as SerializedError }
      case T_ECHO:
        return { t: 'echo', id, body }
      case T_UPDATE:
        return { t: 'update', body }
      case T_EVENT:
        return { t: 'event', event: deserialize(body) as WireEvent }
      default:
        throw new InternalError(`unknown worker -> main record tag ${tag}`)
    }
  }
}
