/**
 * TlReader: bounds-checked reading of TL primitives, vectors and boxed objects from a byte buffer.
 *
 * Spec: https://core.telegram.org/mtproto/serialize (int, long, double, int128/int256, bytes/string with 1- or
 * 4-byte length prefix and padding to 4, boxed and bare vectors, Bool), https://core.telegram.org/mtproto/TL-abstract-types
 * (gzip_packed #3072cfa1, unwrapped transparently one level deep).
 *
 * Every read checks the remaining length first and throws {@link TlError} with the offset; vector counts are checked
 * against the remaining bytes (count x minimum element size) before any array is built, and nesting is capped at
 * {@link MAX_DEPTH}. Bytes are returned as copies (the input buffer may be reused by the transport); longs as
 * bigint; strings are decoded as UTF-8 (invalid sequences become U+FFFD, as the Telegram clients do).
 */
import { unzipSync } from 'node:zlib'
import { ArgumentError } from '../../errors.js'
import { TlError, hexId } from '../errors.js'
import { type IdTable, type ReadFn, idSlot, idTableFor, registry } from './registry.js'

/** Nesting limit for boxed objects: the deepest real schema path (rich text / page blocks) is far below 64. */
export const MAX_DEPTH = 64
/**
 * Cap on the inflated size of one gzip_packed payload. Telegram's largest answers (getDifference, big
 * dialog lists, file parts are never gzipped) stay well below 16 MiB; a "zip bomb" beyond it is rejected.
 */
export const DEFAULT_MAX_GZIP_OUTPUT = 16 * 1024 * 1024

/** Constructor ids the reader handles itself. */
export const ID_VECTOR = 0x1cb5c415
export const ID_GZIP_PACKED = 0x3072cfa1
export const ID_BOOL_TRUE = 0x997275b5
export const ID_BOOL_FALSE = 0xbc799737

/** Node's Buffer#utf8Slice (what toString('utf8') calls after argument checks); feature-detected. */
type Utf8Slice = (this: Buffer, start: number, end: number) => string
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice?: Utf8Slice }).utf8Slice

/** Decodes `buf[start, end)` as UTF-8: the direct native slice when present (~7 ns less per call), else toString. */
function utf8(buf: Buffer, start: number, end: number): string {
  return utf8Slice !== undefined ? utf8Slice.call(buf, start, end) : buf.toString('utf8', start, end)
}

/** Strings up to this many bytes are decoded by a JS loop when ASCII (measured faster below ~12 bytes). */
const SHORT_ASCII = 12

/** Scratch for combining two 32-bit halves into a bigint (platform byte order; see LITTLE_ENDIAN). */
const s32 = new Int32Array(2)
const s64 = new BigInt64Array(s32.buffer)
/** Typed arrays use the platform byte order; the scratch trick needs little-endian (every Node target is). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

const f64 = new Float64Array(1)
const f64b = new Uint8Array(f64.buffer)

/** Options for {@link TlReader}. */
export interface TlReaderOptions {
  /** Readers table (defaults to the live registry). */
  readonly readers?: ReadonlyMap<number, ReadFn>
  /** Maximum inflated size of a gzip_packed payload. */
  readonly maxGzipOutput?: number
  /** Whether gzip_packed may be unwrapped at all (false inside an unwrapped payload: one level only). */
  readonly allowGzip?: boolean
}

/** Sequential reader over a TL-encoded buffer. `pos` is public so protocol code can seek and inspect. */
export class TlReader {
  /** Current read position (absolute index into `buf`). */
  pos: number
  /** End of the readable region (exclusive). */
  readonly end: number
  /** Current object nesting depth. */
  depth = 0
  readonly readers: ReadonlyMap<number, ReadFn>
  private readonly table: IdTable
  readonly maxGzipOutput: number
  readonly allowGzip: boolean
  /**
   * Buffer view of `buf` (same indices): its native UTF-8 decoding beats TextDecoder by ~2x on short strings. Made on
   * the first string: most readers (service messages, small results) read none, and the view costs an allocation.
   */
  private nbView: Buffer | undefined

  constructor(
    /** The buffer to read. */
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
    opts: TlReaderOptions = {},
  ) {
    if (!(start >= 0 && start <= buf.length && end >= start)) {
      throw new ArgumentError(`invalid reader window [${start}, ${end}) over ${buf.length} bytes`, 'start')
    }
    this.pos = start
    this.end = Math.min(end, buf.length)
    this.readers = opts.readers ?? registry.readers
    this.table = idTableFor(this.readers)
    this.maxGzipOutput = opts.maxGzipOutput ?? DEFAULT_MAX_GZIP_OUTPUT
    this.allowGzip = opts.allowGzip ?? true
    this.nbView = undefined
  }

  private get nb(): Buffer {
    const b = this.buf
    this.nbView ??= Buffer.from(b.buffer, b.byteOffset, b.byteLength)
    return this.nbView
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.pos
  }

  /** Throws a `truncated` TlError unless `n` more bytes are available. */
  need(n: number): void {
    if (this.pos + n > this.end) {
      throw new TlError(`need ${n} bytes at offset ${this.pos}, only ${this.end - this.pos} left`, 'truncated', this.pos)
    }
  }

  /** Signed 32-bit little-endian int. */
  int(): number {
    const p = this.pos
    if (p + 4 > this.end) this.need(4)
    const b = this.buf
    this.pos = p + 4
    return (b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)
  }

  /** Unsigned 32-bit little-endian int (constructor ids). */
  uint(): number {
    return this.int() >>> 0
  }

  /**
   * Signed 64-bit little-endian long as bigint: two 32-bit reads, combined through a BigInt64Array scratch
   * (3x faster than building the bigint arithmetically).
   */
  long(): bigint {
    const p = this.pos
    if (p + 8 > this.end) this.need(8)
    const b = this.buf
    this.pos = p + 8
    const lo = (b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)
    const hi = (b[p + 4] as number) | ((b[p + 5] as number) << 8) | ((b[p + 6] as number) << 16) | ((b[p + 7] as number) << 24)
    if (LITTLE_ENDIAN) {
      s32[0] = lo
      s32[1] = hi
      return s64[0] as bigint
    }
    return (BigInt(hi) << 32n) | BigInt(lo >>> 0)
  }

  /** IEEE-754 double, little-endian. */
  double(): number {
    const p = this.pos
    if (p + 8 > this.end) this.need(8)
    const b = this.buf
    for (let i = 0; i < 8; i++) f64b[i] = b[p + i] as number
    this.pos = p + 8
    return f64[0] as number
  }

  /** `n` raw bytes (a copy). */
  raw(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 0) throw new TlError(`invalid raw length ${n} at offset ${this.pos}`, 'bad-value', this.pos)
    if (this.pos + n > this.end) this.need(n)
    const out = this.buf.slice(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /** 128-bit value as 16 raw bytes. */
  int128(): Uint8Array {
    return this.raw(16)
  }

  /** 256-bit value as 32 raw bytes. */
  int256(): Uint8Array {
    return this.raw(32)
  }

  /**
   * Reads a TL bytes/string length header at the current position, checks the payload and padding fit, advances
   * past them and returns the payload start; the payload length is left in `lastLength`.
   */
  private span(): number {
    const p = this.pos
    if (p + 1 > this.end) this.need(1)
    const b = this.buf
    const first = b[p] as number
    let len: number
    let start: number
    let total: number
    if (first < 254) {
      len = first
      start = p + 1
      total = (len + 4) & ~3
    } else {
      if (p + 4 > this.end) this.need(4)
      len = (b[p + 1] as number) | ((b[p + 2] as number) << 8) | ((b[p + 3] as number) << 16)
      start = p + 4
      total = (len + 7) & ~3
    }
    if (p + total > this.end) {
      throw new TlError(
        `length ${len} at offset ${p} runs past the end (${this.end - start} bytes left)`,
        'length-out-of-range',
        p,
      )
    }
    this.pos = p + total
    this.lastLength = len
    return start
  }

  /** Payload length of the last {@link span}. */
  private lastLength = 0

  /** TL `bytes` (a copy). */
  bytes(): Uint8Array {
    const start = this.span()
    return this.buf.slice(start, start + this.lastLength)
  }

  /** TL `string`, decoded as UTF-8 (short-header fast path inline). */
  string(): string {
    const p = this.pos
    const b = this.buf
    const len = b[p] as number
    if (len < 254 && p + ((len + 4) & ~3) <= this.end) {
      this.pos = p + ((len + 4) & ~3)
      if (len <= SHORT_ASCII) {
        // short ASCII (names, usernames, codes): a JS loop beats the native call's fixed cost
        let out = ''
        for (let i = p + 1; i <= p + len; i++) {
          const c = b[i] as number
          if (c >= 0x80) return utf8(this.nb, p + 1, p + 1 + len)
          out += String.fromCharCode(c)
        }
        return out
      }
      return utf8(this.nb, p + 1, p + 1 + len)
    }
    const start = this.span()
    return this.lastLength === 0 ? '' : utf8(this.nb, start, start + this.lastLength)
  }

  /** Boxed Bool (boolTrue / boolFalse). */
  bool(): boolean {
    const at = this.pos
    const id = this.uint()
    if (id === ID_BOOL_TRUE) return true
    if (id === ID_BOOL_FALSE) return false
    throw new TlError(`expected Bool at offset ${at}, got ${hexId(id)}`, 'bad-bool', at, id)
  }

  /** The error for nesting beyond {@link MAX_DEPTH} (thrown by generated typed dispatchers too). */
  tooDeep(at: number, id: number): TlError {
    return new TlError(`objects nested deeper than ${MAX_DEPTH} at offset ${at}`, 'too-deep', at, id >>> 0)
  }

  /**
   * Reads a boxed object: dispatches on the constructor id, unwraps gzip_packed, and reads a boxed vector of
   * objects when it meets the vector id. boolTrue/boolFalse come back as booleans.
   */
  object(): unknown {
    const at = this.pos
    const sid = this.int()
    const t = this.table
    let h = idSlot(sid, t.mask)
    let fn = t.fns[h]
    while (fn !== undefined && t.ids[h] !== sid) {
      h = (h + 1) & t.mask
      fn = t.fns[h]
    }
    const id = sid >>> 0
    if (this.depth >= MAX_DEPTH) {
      throw new TlError(`objects nested deeper than ${MAX_DEPTH} at offset ${at}`, 'too-deep', at, id)
    }
    if (fn !== undefined) {
      this.depth++
      const v = fn(this)
      this.depth--
      return v
    }
    switch (id) {
      case ID_GZIP_PACKED:
        return this.gzipped(at, (r) => r.object())
      case ID_VECTOR: {
        this.depth++
        const n = this.count(4)
        const out: unknown[] = []
        for (let i = 0; i < n; i++) out.push(this.object())
        this.depth--
        return out
      }
      case ID_BOOL_TRUE:
        return true
      case ID_BOOL_FALSE:
        return false
    }
    throw new TlError(`unknown constructor ${hexId(id)} at offset ${at}`, 'unknown-constructor', at, id)
  }

  /**
   * Reads a gzip_packed payload (the id is already consumed) and runs `inner` on the inflated bytes with a reader
   * that refuses a second gzip level. Accepts both gzip and zlib headers; output is capped.
   */
  gzipped<T>(at: number, inner: (r: TlReader) => T): T {
    if (!this.allowGzip) throw new TlError(`nested gzip_packed at offset ${at}`, 'gzip-nested', at, ID_GZIP_PACKED)
    const packed = this.bytes()
    let plain: Buffer
    try {
      plain = unzipSync(packed, { maxOutputLength: this.maxGzipOutput })
    } catch (e) {
      const tooLarge = e instanceof RangeError || (e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE'
      throw new TlError(
        tooLarge
          ? `gzip_packed at offset ${at} inflates past ${this.maxGzipOutput} bytes`
          : `gzip_packed at offset ${at} is not valid gzip/zlib data`,
        tooLarge ? 'gzip-too-large' : 'gzip-invalid',
        at,
        ID_GZIP_PACKED,
      )
    }
    const sub = new TlReader(new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength), 0, plain.byteLength, {
      readers: this.readers,
      maxGzipOutput: this.maxGzipOutput,
      allowGzip: false,
    })
    sub.depth = this.depth
    return inner(sub)
  }

  /**
   * Reads a vector element count and checks that `count * minElemSize` bytes remain (at least 1 byte per element
   * is assumed, so zero-size elements cannot request unbounded arrays).
   */
  count(minElemSize: number): number {
    const at = this.pos
    const n = this.uint()
    const min = Math.max(minElemSize, 1)
    if (n * min > this.end - this.pos) {
      throw new TlError(
        `vector of ${n} elements (>= ${n * min} bytes) at offset ${at} exceeds the ${this.end - this.pos} bytes left`,
        'vector-too-long',
        at,
      )
    }
    return n
  }

  /** Reads the boxed vector id (0x1cb5c415) and the count; see {@link count}. */
  vector(minElemSize: number): number {
    const at = this.pos
    const id = this.uint()
    if (id !== ID_VECTOR) {
      throw new TlError(`expected vector id at offset ${at}, got ${hexId(id)}`, 'wrong-vector-id', at, id)
    }
    return this.count(minElemSize)
  }

  /** Boxed `Vector<int>`. */
  vecInt(): number[] {
    const n = this.vector(4)
    const out: number[] = []
    for (let i = 0; i < n; i++) out.push(this.int())
    return out
  }

  /** Boxed `Vector<long>`. */
  vecLong(): bigint[] {
    const n = this.vector(8)
    const out: bigint[] = []
    for (let i = 0; i < n; i++) out.push(this.long())
    return out
  }

  /** Boxed `Vector<double>`. */
  vecDouble(): number[] {
    const n = this.vector(8)
    const out: number[] = []
    for (let i = 0; i < n; i++) out.push(this.double())
    return out
  }

  /** Boxed `Vector<string>`. */
  vecString(): string[] {
    const n = this.vector(4)
    const out: string[] = []
    for (let i = 0; i < n; i++) out.push(this.string())
    return out
  }

  /** Boxed `Vector<bytes>`. */
  vecBytes(): Uint8Array[] {
    const n = this.vector(4)
    const out: Uint8Array[] = []
    for (let i = 0; i < n; i++) out.push(this.bytes())
    return out
  }

  /** Boxed `Vector<Bool>`. */
  vecBool(): boolean[] {
    const n = this.vector(4)
    const out: boolean[] = []
    for (let i = 0; i < n; i++) out.push(this.bool())
    return out
  }

  /** Boxed vector of boxed objects (`Vector<User>`). */
  vecObject(): unknown[] {
    const n = this.vector(4)
    const out: unknown[] = new Array(n)
    for (let i = 0; i < n; i++) out[i] = this.object()
    return out
  }
}
