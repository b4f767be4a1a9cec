/**
 * A single-producer single-consumer byte ring over a SharedArrayBuffer: the data plane between a DC actor's worker
 * thread and the main thread. One thread writes records, the other reads them, neither blocks; what a record means
 * is ring-records.ts's business.
 *
 * ```
 *  SharedArrayBuffer
 *  +------------------------ header (3 cache lines, Int32 words) ------------------------+------- data -------+
 *  | head ... | tail, counter ... | armed, waiting, bell ...                                 | records ...        |
 *  +--------------------------------------------------------------------------------------+--------------------+
 *  record (8-byte aligned):  | u32 length | payload (length bytes) | pad to 8 |
 *  wrap marker:              | u32 0xffffffff |   (the rest up to the end is skipped; the next record starts at 0)
 * ```
 * - `head` / `tail`: bytes written / read so far, wrapping at 2^32 (the capacity is a power of two below 2^31, so
 *   `head - tail` is always the bytes in use). Only the writer moves `head`, only the reader moves `tail`; both are
 *   published with Atomics stores after the payload is written / read, so a reader that sees a head sees its bytes.
 * - `armed`: the reader is idle and wants a doorbell (a port message) when something arrives. The writer clears it
 *   with an atomic exchange, so one idle period costs one doorbell however many records follow.
 * - `waiting`: the writer found no room (or its caller waits for back-pressure) and wants a doorbell once the reader
 *   has freed some.
 * - `counter`: one word the two sides agree on the meaning of (the request ring counts invokes taken by the worker).
 * - `bell`: the doorbell itself. An idle reader waits on it with `Atomics.waitAsync` (its event loop runs meanwhile);
 *   the writer bumps it and calls `Atomics.notify`, a futex wake (a port message cost the writer ~10 us more).
 * - The writer's word, the reader's words and the flags sit on separate cache lines, and each side keeps the other's
 *   position as last seen, reloading it only when that runs out: with both threads busy at once (pipelined calls),
 *   a shared line written per record by both sides went back and forth between the cores on every record.
 *
 * Spec: none in MTProto; this is the thread boundary of the design (ECMAScript memory model: Atomics operations are
 * sequentially consistent, https://tc39.es/ecma262/#sec-memory-model).
 */
import { ArgumentError } from '../errors.js'

/** Int32 words of the header: one 64-byte cache line for the writer's word, one for the reader's, one for the flags. */
const HEAD = 0
const TAIL = 16
const COUNTER = 17
const ARMED = 32
const WAITING = 33
const BELL = 34
/** Header bytes before the data area (three cache lines, so the data shares none with them). */
const HEADER_BYTES = 192
const WRAP = 0xffffffff

/** `Atomics.waitAsync` (ES2024; in Node since 16): not in the TypeScript lib this project targets. */
interface AtomicsWaitAsync {
  waitAsync(a: Int32Array, index: number, value: number): { readonly async: false; readonly value: string } | { readonly async: true; readonly value: Promise<string> }
}

/** Bytes a record of `len` payload bytes takes in the ring: 4 bytes of length, the payload, padding to 8. */
export function recordBytes(len: number): number {
  return (len + 4 + 7) & ~7
}

/** Creates the shared memory of a ring with `capacity` data bytes (a power of two, 1 KiB .. 1 GiB). */
export function createRingBuffer(capacity: number): SharedArrayBuffer {
  if (!Number.isInteger(capacity) || capacity < 1024 || capacity > 2 ** 30 || (capacity & (capacity - 1)) !== 0) {
    throw new ArgumentError('ring capacity must be a power of two from 1 KiB to 1 GiB', 'capacity')
  }
  return new SharedArrayBuffer(HEADER_BYTES + capacity)
}

/** The views both ends use. */
class RingViews {
  readonly header: Int32Array
  readonly bytes: Uint8Array
  readonly view: DataView
  readonly capacity: number
  readonly mask: number

  constructor(readonly sab: SharedArrayBuffer) {
    const capacity = sab.byteLength - HEADER_BYTES
    if (capacity < 1024 || (capacity & (capacity - 1)) !== 0) throw new ArgumentError('not a ring buffer', 'sab')
    this.header = new Int32Array(sab, 0, HEADER_BYTES / 4)
    this.bytes = new Uint8Array(sab, HEADER_BYTES, capacity)
    this.view = new DataView(sab, HEADER_BYTES, capacity)
    this.capacity = capacity
    this.mask = capacity - 1
  }

  /** Bytes written and not yet read. */
  used(): number {
    return (Atomics.load(this.header, HEAD) - Atomics.load(this.header, TAIL)) >>> 0
  }

  /** The shared counter word. */
  counter(): number {
    return Atomics.load(this.header, COUNTER)
  }
}

/** The writing end. Records are reserved, filled through {@link bytes}/{@link view}, then committed. */
export class RingWriter extends RingViews {
  #head: number
  /** The reader's position as last loaded (reloaded when the room it leaves runs out). */
  #tailSeen: number
  #pending = 0
  /** Largest payload one record may carry (a quarter of the ring, so a full ring always drains to room). */
  readonly maxPayload: number

  constructor(sab: SharedArrayBuffer) {
    super(sab)
    this.#head = Atomics.load(this.header, HEAD)
    this.#tailSeen = Atomics.load(this.header, TAIL)
    this.maxPayload = this.capacity / 4 - 8
  }

  /**
   * Reserves a record of `len` payload bytes: returns the payload's offset in {@link bytes}, or -1 when the ring has
   * no room now. Nothing is visible to the reader until {@link commit}.
   */
  reserve(len: number): number {
    if (len > this.maxPayload) throw new ArgumentError(`record of ${len} bytes exceeds the ring's ${this.maxPayload}`, 'len')
    const need = recordBytes(len)
    let idx = this.#head & this.mask
    const toEnd = this.capacity - idx
    // A record that does not fit before the end wraps: the bytes up to the end are skipped too.
    const skip = need > toEnd ? toEnd : 0
    if (need + skip > this.#room()) {
      this.#tailSeen = Atomics.load(this.header, TAIL)
      if (need + skip > this.#room()) return -1
    }
    if (skip > 0) {
      this.view.setUint32(idx, WRAP, true)
      idx = 0
    }
    this.view.setUint32(idx, len, true)
    this.#pending = skip + need
    return idx + 4
  }

  /** Free bytes as of the reader's position last seen. */
  #room(): number {
    return this.capacity - ((this.#head - this.#tailSeen) >>> 0)
  }

  /** Publishes the reserved record. */
  commit(): void {
    this.#head = (this.#head + this.#pending) | 0
    this.#pending = 0
    Atomics.store(this.header, HEAD, this.#head)
  }

  /**
   * Clears the reader's `armed` flag; true when it was set (the reader is idle: ring its doorbell). Cheap when it
   * was not (a plain load first).
   */
  takeArmed(): boolean {
    return Atomics.load(this.header, ARMED) === 1 && Atomics.exchange(this.header, ARMED, 0) === 1
  }

  /** Rings the reader's doorbell (after {@link takeArmed} said it waits). */
  ringBell(): void {
    Atomics.add(this.header, BELL, 1)
    Atomics.notify(this.header, BELL, 1)
  }

  /** Asks the reader for a doorbell once it frees room. */
  setWaiting(): void {
    Atomics.store(this.header, WAITING, 1)
  }
}

/** The reading end. */
export class RingReader extends RingViews {
  #tail: number
  /** The writer's position as last loaded (reloaded when the records it covers are read). */
  #headSeen: number
  /** Whether {@link #tail} moved since it was last published. */
  #unpublished = false
  /** Counter increments not yet added to the shared word. */
  #counterPending = 0
  #bell = 0
  #len = 0
  #skip = 0

  constructor(sab: SharedArrayBuffer) {
    super(sab)
    this.#tail = Atomics.load(this.header, TAIL)
    this.#headSeen = Atomics.load(this.header, HEAD)
  }

  /** The next record's payload offset in {@link bytes} (its length in {@link length}), or -1 when there is none. */
  peek(): number {
    if (this.#tail === this.#headSeen) {
      this.#headSeen = Atomics.load(this.header, HEAD)
      if (this.#tail === this.#headSeen) return -1
    }
    let idx = this.#tail & this.mask
    let len = this.view.getUint32(idx, true)
    this.#skip = 0
    if (len === WRAP) {
      this.#skip = this.capacity - idx
      idx = 0
      len = this.view.getUint32(0, true)
    }
    this.#len = len
    return idx + 4
  }

  /** Payload length of the record {@link peek} returned. */
  get length(): number {
    return this.#len
  }

  /**
   * Frees the record {@link peek} returned: at once, or with `publish` false when the caller calls {@link publish}
   * later (after a batch: the writer sees the room then).
   */
  release(publish = true): void {
    this.#tail = (this.#tail + this.#skip + recordBytes(this.#len)) | 0
    if (publish) Atomics.store(this.header, TAIL, this.#tail)
    else this.#unpublished = true
  }

  /** Makes released records' room and counter increments visible to the writer. */
  publish(): void {
    if (this.#unpublished) {
      this.#unpublished = false
      Atomics.store(this.header, TAIL, this.#tail)
    }
    if (this.#counterPending !== 0) {
      Atomics.add(this.header, COUNTER, this.#counterPending)
      this.#counterPending = 0
    }
  }

  /**
   * Marks the reader idle (the writer's next record rings the doorbell). Returns false when records arrived
   * meanwhile: the flag is cleared again and the caller reads on instead of waiting.
   */
  arm(): boolean {
    this.publish()
    this.#bell = Atomics.load(this.header, BELL)
    Atomics.store(this.header, ARMED, 1)
    if (this.#tail === Atomics.load(this.header, HEAD)) return true
    Atomics.store(this.header, ARMED, 0)
    return false
  }

  /**
   * After {@link arm}: a promise that settles when the writer rings the doorbell (at once if it rang since the arm).
   * Pending, it does not keep the event loop alive; the owner's port or sockets do.
   */
  waitBell(): Promise<unknown> {
    const r = (Atomics as unknown as AtomicsWaitAsync).waitAsync(this.header, BELL, this.#bell)
    return r.async ? r.value : Promise.resolve(r.value)
  }

  /** Clears the writer's `waiting` flag; true when it was set (the writer wants a doorbell: room was freed). */
  takeWaiting(): boolean {
    return Atomics.load(this.header, WAITING) === 1 && Atomics.exchange(this.header, WAITING, 0) === 1
  }

  /** Adds to the shared counter word (with the next {@link publish}). */
  addCounter(n: number): void {
    this.#counterPending += n
  }
}
