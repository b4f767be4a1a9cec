/**
 * One end of a DC actor's data plane: it writes its messages into the outgoing ring and reads the other end's from
 * the incoming ring (shared-ring.ts), and uses the port beside them only for room signals and large bodies:
 * - a record is visible to the other thread as soon as it is written (no structured clone, no transfer list);
 * - a doorbell (`Atomics.notify` on the ring's bell word, which an idle reader awaits with `Atomics.waitAsync`) goes
 *   out at most once per turn, and only when the reader said it is idle ('armed'), so a busy reader drains any number
 *   of records per wake-up;
 * - a body above {@link INLINE_MAX} goes on the port, transferred (never copied), before its record; the reader
 *   takes port bodies in record order and waits for one that has not arrived yet;
 * - when the outgoing ring is full, messages wait here in order and go out when the reader frees room (it rings the
 *   doorbell back: the 'waiting' flag);
 * - optionally a wake-up reads at most `recordsPerTurn` records and goes on in the next macrotask, so what the
 *   delivered records set off in this thread (callers' continuations, their new requests and the doorbell those ring)
 *   happens between the slices instead of after the whole backlog.
 *
 * Spec: none in MTProto (the thread boundary of the design); see shared-ring.ts for the memory layout.
 */
import type { MessagePort } from 'node:worker_threads'
import { ownedForTransfer, type PortMessage, ROOM } from './actor-messages.js'
import { type RecordCodec, STALL } from './ring-records.js'
import { RingReader, RingWriter } from './shared-ring.js'

/**
 * Largest body that goes inline through the ring (copied once into shared memory); larger ones are transferred on
 * the port. Measured (bench:actor-thread): a transfer costs a few microseconds whatever the size, a copy ~0.1 ns per
 * byte, so the two meet at a few tens of KiB.
 */
export const INLINE_MAX = 16 * 1024

/** Bytes of each ring (requests one way, results the other). */
export const RING_BYTES = 256 * 1024

/** Records read between two publications of the freed room (also at every pause: arm, slice end, stall). */
const PUBLISH_EVERY = 64

interface Waiting<Out> {
  readonly m: Out
  readonly body: Uint8Array | undefined
  readonly bodyLen: number
  readonly viaPort: boolean
}

/** Counters (tests and benches). */
export interface LinkStats {
  /** Records written into the outgoing ring. */
  readonly recordsOut: number
  /** Doorbells posted. */
  readonly doorbellsOut: number
  /** Wake-ups that drained the incoming ring. */
  readonly drains: number
  /** Messages waiting for room in the outgoing ring. */
  readonly overflow: number
  /** Bytes in the incoming ring not read yet. */
  readonly backlog: number
}

/** One end of the rings and the port. */
export class RingLink<Out, In> {
  readonly #out: RingWriter
  readonly #in: RingReader
  readonly #port: MessagePort
  readonly #codec: { readonly out: RecordCodec<Out, unknown>; readonly in: RecordCodec<unknown, In> }
  readonly #deliver: (m: In) => void
  readonly #onRoom: () => void
  readonly #perTurn: number
  #waiting: Waiting<Out>[] = []
  #bodies: Uint8Array[] = []
  #bodyHead = 0
  #doorbellQueued = false
  #stalled = false
  #sleeping = false
  #closed = false
  recordsOut = 0
  doorbellsOut = 0
  drains = 0

  constructor(o: {
    readonly port: MessagePort
    readonly out: SharedArrayBuffer
    readonly in: SharedArrayBuffer
    readonly encode: RecordCodec<Out, unknown>
    readonly decode: RecordCodec<unknown, In>
    readonly deliver: (m: In) => void
    /** The other end freed room in our outgoing ring (back-pressure can move on). */
    readonly onRoom?: () => void
    /** Records one wake-up reads before it yields to the event loop and goes on in the next macrotask (default: all). */
    readonly recordsPerTurn?: number
  }) {
    this.#port = o.port
    this.#out = new RingWriter(o.out)
    this.#in = new RingReader(o.in)
    this.#codec = { out: o.encode, in: o.decode }
    this.#deliver = o.deliver
    this.#onRoom = o.onRoom ?? (() => undefined)
    this.#perTurn = o.recordsPerTurn ?? Number.POSITIVE_INFINITY
    this.#port.on('message', (m: PortMessage) => this.#onPort(m))
    // Idle from the start: the other end's first record rings the doorbell (or is read at once if already there).
    if (this.#in.arm()) this.#sleep()
    else queueMicrotask(() => this.#drainTurn())
  }

  /** Counters so far. */
  get stats(): LinkStats {
    return { recordsOut: this.recordsOut, doorbellsOut: this.doorbellsOut, drains: this.drains, overflow: this.#waiting.length, backlog: this.#in.used() }
  }

  /** The shared counter word of the outgoing ring. */
  get outCounter(): number {
    return this.#out.counter()
  }

  /** Adds to the incoming ring's counter (seen by the writer of that ring). */
  addInCounter(n: number): void {
    this.#in.addCounter(n)
  }

  /** Sends `m`: into the ring now, or after the messages already waiting for room. */
  send(m: Out): void {
    if (this.#closed) return
    const body = this.#codec.out.body(m)
    const bodyLen = body?.byteLength ?? 0
    const viaPort = body !== undefined && bodyLen > INLINE_MAX
    if (viaPort && body !== undefined) {
      const owned = ownedForTransfer(body)
      this.#port.postMessage({ t: 'body', body: owned } satisfies PortMessage, [owned.buffer as ArrayBuffer])
    }
    if (this.#waiting.length === 0 && this.#codec.out.write(this.#out, m, body, bodyLen, viaPort)) {
      this.recordsOut++
      this.#queueDoorbell()
      return
    }
    this.#waiting.push({ m, body, bodyLen, viaPort })
    this.#out.setWaiting()
    // The reader may have drained everything between the failed write and the flag: try again at once.
    this.#flushWaiting()
  }

  /** Asks the other end for a doorbell once it frees room in our outgoing ring (callers wait on back-pressure). */
  wantRoom(): void {
    this.#out.setWaiting()
  }

  /** Reads every record there is now (also used after the other thread died: the memory outlives it). */
  drain(): void {
    this.#read(Number.POSITIVE_INFINITY)
  }

  /** A wake-up's read: at most `recordsPerTurn` records, the rest in the next macrotask. */
  #drainTurn(): void {
    if (this.#read(this.#perTurn)) setImmediate(() => this.#drainTurn())
  }

  /**
   * Reads up to `limit` records, then sleeps once the ring is empty. Returns true when it stopped at the limit with
   * the ring not known to be empty (the caller reads on later; no doorbell comes meanwhile: the reader is not armed).
   */
  #read(limit: number): boolean {
    if (this.#closed) return false
    this.drains++
    let read = 0
    for (;;) {
      for (;;) {
        if (read === limit) {
          this.#pause()
          return true
        }
        const off = this.#in.peek()
        if (off < 0) break
        const m = this.#codec.in.read(this.#in, off, () => this.#takeBody())
        if (m === STALL) {
          // The record's body is still on its way through the port: its arrival drains again.
          this.#stalled = true
          this.#pause()
          return false
        }
        // Room and counters go to the writer in batches (publish), not per record.
        this.#in.release(false)
        if (++read % PUBLISH_EVERY === 0) this.#in.publish()
        if (m !== undefined) this.#deliver(m)
        if (this.#closed) return false
      }
      if (this.#in.arm()) {
        this.#sleep()
        break
      }
    }
    this.#stalled = false
    this.#pause()
    return false
  }

  /** Reading stops for now: the writer sees the room freed, and gets a doorbell if it waits for room. */
  #pause(): void {
    this.#in.publish()
    if (this.#in.takeWaiting()) this.#signalRoom()
  }

  /** Stops reading and writing (the port is left to its owner). */
  close(): void {
    this.#closed = true
    this.#waiting = []
    this.#bodies = []
  }

  #takeBody(): Uint8Array | undefined {
    if (this.#bodyHead >= this.#bodies.length) return undefined
    const b = this.#bodies[this.#bodyHead++]
    if (this.#bodyHead === this.#bodies.length) {
      this.#bodies = []
      this.#bodyHead = 0
    }
    return b
  }

  #onPort(m: PortMessage): void {
    if (m === ROOM) {
      if (this.#waiting.length > 0) this.#flushWaiting()
      this.#onRoom()
    } else {
      this.#bodies.push(m.body)
      if (this.#stalled) this.#drainTurn()
    }
  }

  #flushWaiting(): void {
    const w = this.#waiting
    let i = 0
    while (i < w.length) {
      const x = w[i] as Waiting<Out>
      if (!this.#codec.out.write(this.#out, x.m, x.body, x.bodyLen, x.viaPort)) break
      this.recordsOut++
      i++
    }
    if (i > 0) {
      this.#waiting = i === w.length ? [] : w.slice(i)
      this.#queueDoorbell()
    }
    if (this.#waiting.length > 0) this.#out.setWaiting()
  }

  #queueDoorbell(): void {
    if (this.#doorbellQueued) return
    this.#doorbellQueued = true
    queueMicrotask(() => {
      this.#doorbellQueued = false
      if (this.#closed || !this.#out.takeArmed()) return
      this.doorbellsOut++
      this.#out.ringBell()
    })
  }

  /** Idle: the next doorbell (or one rung since the arm) drains again. One wait at a time. */
  #sleep(): void {
    if (this.#sleeping) return
    this.#sleeping = true
    this.#in.waitBell().then(() => {
      this.#sleeping = false
      this.#drainTurn()
    })
  }

  /** Tells the writer of the incoming ring that room was freed (it waits on back-pressure). */
  #signalRoom(): void {
    if (this.#closed) return
    this.doorbellsOut++
    this.#port.postMessage(ROOM)
  }
}
