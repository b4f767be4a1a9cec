/**
 * TlWriter: writes TL primitives, vectors and boxed objects into ONE exactly sized buffer, plus the size
 * functions used by the size pre-pass.
 *
 * Spec: https://core.telegram.org/mtproto/serialize (int, long, double, int128/int256, bytes/string with a
 * 1-byte length below 254 or 0xfe + 3-byte length, zero padding to a multiple of 4, boxed and bare vectors).
 *
 * Protocol code can also use a writer directly (`new TlWriter(size)` then `int`/`long`/`raw`/`object`).
 */
import { ArgumentError } from '../../errors.js'
import { ID_BOOL_FALSE, ID_BOOL_TRUE, ID_VECTOR } from './reader.js'
import { type SizeFn, type TlObject, type WriteFn, registry } from './registry.js'

/** 2^32 as a double, to split a safe integer into two 32-bit halves. */
const TWO_32 = 4294967296
/** Longest string (in UTF-16 units) whose UTF-8 form surely fits a 1-byte length: 84 * 3 = 252 < 254. */
const SHORT_STRING = 84
/** Bounds of a TL long: signed 64-bit, and unsigned 64-bit values are accepted as the same bits. */
const LONG_MIN = -(2n ** 63n)
const LONG_END = 2n ** 64n

const f64 = new Float64Array(1)
const f64b = new Uint8Array(f64.buffer)

/**
 * A Buffer over the same memory as `u8` (same indices): Buffer's native UTF-8 write is 3x faster than a JS loop
 * for 100 characters.
 */
function nodeView(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength)
}

/** UTF-8 byte length of a string (lone surrogates count 3: encoders write U+FFFD). Native, ~10 ns. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

/** Serialized size of a TL bytes value of `len` bytes: header + payload + padding. */
export function sizeBytesLen(len: number): number {
  return len < 254 ? (len + 4) & ~3 : (len + 7) & ~3
}

/** Serialized size of a TL `bytes` value. */
export function sizeBytes(b: Uint8Array): number {
  return sizeBytesLen(b.length)
}

/** Serialized size of a TL `string` value. */
export function sizeString(s: string): number {
  return sizeBytesLen(Buffer.byteLength(s, 'utf8'))
}

/** Size of any boxed object (looked up in the registry by `_`), a Bool, or a boxed vector of objects. */
export function sizeObject(o: unknown): number {
  if (typeof o === 'boolean') return 4
  if (Array.isArray(o)) return sizeVecObject(o)
  const fn = registry.sizes.get((o as TlObject)._) as ((o: unknown) => number) | undefined
  if (fn === undefined) throw unknownName(o)
  return fn(o)
}

/** Size of a boxed vector of boxed objects. */
export function sizeVecObject(a: readonly unknown[]): number {
  let n = 8
  for (let i = 0; i < a.length; i++) n += sizeObject(a[i])
  return n
}

/** Size of a boxed `Vector<string>`. */
export function sizeVecString(a: readonly string[]): number {
  let n = 8
  for (let i = 0; i < a.length; i++) n += sizeString(a[i] as string)
  return n
}

/** Size of a boxed `Vector<bytes>`. */
export function sizeVecBytes(a: readonly Uint8Array[]): number {
  let n = 8
  for (let i = 0; i < a.length; i++) n += sizeBytes(a[i] as Uint8Array)
  return n
}

function unknownName(o: unknown): ArgumentError {
  const name = typeof o === 'object' && o !== null ? String((o as { _?: unknown })._) : typeof o
  return new ArgumentError(`cannot serialize: no TL constructor named "${name}" is registered`, '_')
}

/** Throws the error generated size functions raise for a missing or mistyped required field. */
export function badField(o: TlObject, field: string, expected: string): never {
  throw new ArgumentError(`${o._}.${field} must be ${expected}`, `${o._}.${field}`)
}

/** Sequential writer into a fixed buffer. */
export class TlWriter {
  /** Current write position. */
  pos: number
  /** The buffer written into. */
  buf: Uint8Array
  /** Buffer view of `buf` for native UTF-8 writes, made on the first string (most messages carry none). */
  private nbView: Buffer | undefined
  private dataView: DataView | undefined

  constructor(sizeOrBuffer: number | Uint8Array, start = 0) {
    this.buf = typeof sizeOrBuffer === 'number' ? new Uint8Array(sizeOrBuffer) : sizeOrBuffer
    this.nbView = undefined
    this.dataView = undefined
    this.pos = start
  }

  private get nb(): Buffer {
    this.nbView ??= nodeView(this.buf)
    return this.nbView
  }

  /** DataView over `buf`, made on the first long. */
  private get view(): DataView {
    const b = this.buf
    this.dataView ??= new DataView(b.buffer, b.byteOffset, b.byteLength)
    return this.dataView
  }

  /** Points this writer at another buffer (lets `serializeObject` reuse one writer over its slab). */
  rebind(buf: Uint8Array, pos: number): void {
    if (buf !== this.buf) {
      this.buf = buf
      this.nbView = undefined
      this.dataView = undefined
    }
    this.pos = pos
  }

  /** 32-bit int (signed or unsigned values give the same bytes). */
  int(v: number): void {
    const b = this.buf
    const p = this.pos
    b[p] = v
    b[p + 1] = v >>> 8
    b[p + 2] = v >>> 16
    b[p + 3] = v >>> 24
    this.pos = p + 4
  }

  /** 64-bit long from a bigint in [-2^63, 2^64). */
  long(v: bigint): void {
    if (typeof v === 'bigint' && v >= LONG_MIN && v < LONG_END) {
      // DataView's BigInt store is ~15 ns; splitting a large BigInt (msg_ids are ~2^62) by hand made three BigInts.
      // Values at or above 2^63 wrap to the same bytes as the unsigned long.
      this.view.setBigInt64(this.pos, v, true)
      this.pos += 8
      return
    }
    const n = Number(v)
    let lo: number
    let hi: number
    if (Number.isSafeInteger(n)) {
      lo = n >>> 0
      hi = Math.floor(n / TWO_32) | 0
    } else {
      if (typeof v !== 'bigint' || v < LONG_MIN || v >= LONG_END) {
        throw new ArgumentError(`long value ${String(v)} is out of the 64-bit range`, 'long')
      }
      const u = BigInt.asUintN(64, v)
      lo = Number(u & 0xffffffffn)
      hi = Number(u >> 32n) | 0
    }
    this.int(lo)
    this.int(hi)
  }

  /** IEEE-754 double. */
  double(v: number): void {
    f64[0] = v
    const b = this.buf
    const p = this.pos
    for (let i = 0; i < 8; i++) b[p + i] = f64b[i] as number
    this.pos = p + 8
  }

  /** Raw bytes, no header or padding. */
  raw(v: Uint8Array): void {
    this.buf.set(v, this.pos)
    this.pos += v.length
  }

  /** 16 raw bytes. */
  int128(v: Uint8Array): void {
    if (v.length !== 16) throw new ArgumentError(`int128 must be 16 bytes, got ${v.length}`, 'int128')
    this.raw(v)
  }

  /** 32 raw bytes. */
  int256(v: Uint8Array): void {
    if (v.length !== 32) throw new ArgumentError(`int256 must be 32 bytes, got ${v.length}`, 'int256')
    this.raw(v)
  }

  /** Boxed Bool. */
  bool(v: boolean): void {
    this.int(v ? ID_BOOL_TRUE : ID_BOOL_FALSE)
  }

  private header(len: number): void {
    const b = this.buf
    const p = this.pos
    if (len < 254) {
      b[p] = len
      this.pos = p + 1
    } else {
      if (len > 0xffffff) throw new ArgumentError(`bytes value of ${len} bytes exceeds the TL limit of 16 MiB`, 'bytes')
      b[p] = 254
      b[p + 1] = len
      b[p + 2] = len >>> 8
      b[p + 3] = len >>> 16
      this.pos = p + 4
    }
  }

  private pad(len: number): void {
    const total = len < 254 ? len + 1 : len + 4
    const b = this.buf
    let p = this.pos
    for (let k = total & 3; k !== 0 && k < 4; k++) b[p++] = 0
    this.pos = p
  }

  /** TL `bytes`: length header, payload, zero padding. */
  bytes(v: Uint8Array): void {
    this.header(v.length)
    this.raw(v)
    this.pad(v.length)
  }

  /** TL `string` (UTF-8), encoded natively straight into the buffer. */
  string(s: string): void {
    const len = s.length
    if (len <= SHORT_STRING) {
      // at most 252 UTF-8 bytes: the 1-byte header is certain, so encode first and fill the header in after
      const at = this.pos
      const room = this.buf.length - at - 1
      const n = len === 0 ? 0 : this.nb.write(s, at + 1, room < SHORT_STRING * 3 ? room : SHORT_STRING * 3, 'utf8')
      this.buf[at] = n
      this.pos = at + 1 + n
      this.pad(n)
      return
    }
    const n = Buffer.byteLength(s, 'utf8')
    this.header(n)
    this.pos += this.nb.write(s, this.pos, n, 'utf8')
    this.pad(n)
  }

  /** Any boxed object by its `_` name (booleans as Bool, arrays as boxed vectors of objects). */
  object(o: unknown): void {
    if (typeof o === 'boolean') {
      this.bool(o)
      return
    }
    if (Array.isArray(o)) {
      this.vecObject(o)
      return
    }
    const fn = registry.writers.get((o as TlObject)._) as ((w: TlWriter, o: unknown) => void) | undefined
    if (fn === undefined) throw unknownName(o)
    fn(this, o)
  }

  /** Boxed vector header: id + count. */
  vectorHeader(n: number): void {
    this.int(ID_VECTOR)
    this.int(n)
  }

  /** Boxed `Vector<int>`. */
  vecInt(a: readonly number[]): void {
    this.vectorHeader(a.length)
    for (let i = 0; i < a.length; i++) this.int(a[i] as number)
  }

  /** Boxed `Vector<long>`. */
  vecLong(a: readonly bigint[]): void {
    this.vectorHeader(a.length)
    for (let i = 0; i < a.length; i++) this.long(a[i] as bigint)
  }

  /** Boxed `Vector<double>`. */
  vecDouble(a: readonly number[]): void {
    this.vectorHeader(a.length)
    for (let i = 0; i < a.length; i++) this.double(a[i] as number)
  }

  /** Boxed `Vector<string>`. */
  vecString(a: readonly string[]): void {
    this.vectorHeader(a.length)
    for (let i = 0; i < a.length; i++) this.string(a[i] as string)
  }

  /** Boxed `Vector<bytes>`. */
  vecBytes(a: readonly Uint8Array[]): void {
    this.vectorHeader(a.length)
    for (let i = 0; i < a.length; i++) this.bytes(a[i] as Uint8Array)
  }

  /** Boxed `Vector<Bool>`. */
  vecBool(a: readonly boolean[]): void {
    this.vectorHeader(a.length)
    for (let i = 0; i < a.length; i++) this.bool(a[i] as boolean)
  }

  /** Boxed vector of boxed objects. */
  vecObject(a: readonly unknown[]): void {
    this.vectorHeader(a.length)
    for (let i = 0; i < a.length; i++) this.object(a[i])
  }
}

export type { SizeFn, WriteFn }
