/**
 * The data plane's pieces without threads: ownedForTransfer, every record kind through the codecs (method names
 * interned), the link's doorbells, full-ring waiting and large bodies through the port, and the shared mirror.
 */
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { type FromWorker, ownedForTransfer, type ToWorker } from '../../src/actors/actor-messages.js'
import { INLINE_MAX, RingLink } from '../../src/actors/ring-link.js'
import { FromWorkerCodec, STALL, ToWorkerCodec } from '../../src/actors/ring-records.js'
import { createMirrorBuffer, SharedMirror } from '../../src/actors/shared-mirror.js'
import { createRingBuffer, RingReader, RingWriter } from '../../src/actors/shared-ring.js'
import { serializeError, TimeoutError } from '../../src/errors.js'

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5))

describe('ownedForTransfer', () => {
  it('transfers whole owned buffers as they are and copies views of shared memory once', () => {
    const whole = new Uint8Array([1, 2, 3])
    expect(ownedForTransfer(whole)).toBe(whole)
    const pooled = Buffer.from([4, 5])
    const own = ownedForTransfer(pooled)
    expect(own).not.toBe(pooled)
    expect([...own]).toEqual([4, 5])
    expect(own.buffer.byteLength).toBe(2)
    const slice = whole.subarray(1)
    expect(ownedForTransfer(slice).buffer).not.toBe(whole.buffer)
    const shared = new Uint8Array(new SharedArrayBuffer(4))
    expect(ownedForTransfer(shared).buffer).toBeInstanceOf(ArrayBuffer)
  })
})

describe('ring records', () => {
  function roundTrip<M>(codec: { write: ToWorkerCodec['write'] | FromWorkerCodec['write'] }, dec: { read(r: RingReader, off: number, pb: () => Uint8Array | undefined): unknown }, body: (m: M) => Uint8Array | undefined, msgs: M[]): { out: unknown[]; records: number } {
    const sab = createRingBuffer(64 * 1024)
    const w = new RingWriter(sab)
    const r = new RingReader(sab)
    for (const m of msgs) {
      const b = body(m)
      expect((codec.write as (w: RingWriter, m: M, b: Uint8Array | undefined, n: number, p: boolean) => boolean)(w, m, b, b?.byteLength ?? 0, false)).toBe(true)
    }
    const out: unknown[] = []
    let records = 0
    for (let off = r.peek(); off >= 0; off = r.peek()) {
      const m = dec.read(r, off, () => undefined)
      r.release()
      records++
      if (m !== undefined) out.push(m)
    }
    return { out, records }
  }

  it('main -> worker: invokes with and without timeout/resend, cancel, echo; a method name goes once', () => {
    const enc = new ToWorkerCodec()
    const msgs: ToWorker[] = [
      { t: 'invoke', id: 1, slot: 0, body: new Uint8Array([1, 2, 3]), method: 'users.getUsers', timeoutMs: undefined, resend: undefined },
      { t: 'invoke', id: 2 ** 40, slot: 7, body: new Uint8Array(0), method: 'users.getUsers', timeoutMs: 250, resend: { msgId: -(2n ** 62n), seqNo: 9 } },
      { t: 'invoke', id: 3, slot: 1, body: new Uint8Array([9]), method: 'help.getConfig', timeoutMs: undefined, resend: { msgId: 5n, seqNo: 1 } },
      { t: 'cancel', id: 2 ** 40, slot: 16_383 },
      { t: 'echo', id: 4, body: new Uint8Array([4, 4]) },
    ]
    const { out, records } = roundTrip(enc, new ToWorkerCodec(), (m: ToWorker) => enc.body(m), msgs)
    expect(records).toBe(msgs.length + 2)
    expect(out).toEqual(msgs)
  })

  it('worker -> main: results, errors (as their class data), updates, events, echoes', () => {
    const enc = new FromWorkerCodec()
    const error = serializeError(new TimeoutError('slow', 50))
    const msgs: FromWorker[] = [
      { t: 'result', id: 10, slot: 3, body: new Uint8Array([7, 7, 7]) },
      { t: 'error', id: 11, slot: (1 << 20) - 1, error },
      { t: 'update', body: new Uint8Array([1]) },
      { t: 'event', event: { type: 'session', snapshot: { sessionId: -1n, serverSalt: 2n, timeOffset: -3, seqNo: 4, lastMsgId: 5n } } },
      { t: 'echo', id: 12, body: new Uint8Array(0) },
    ]
    const { out } = roundTrip(enc, new FromWorkerCodec(), (m: FromWorker) => enc.body(m), msgs)
    expect(out).toEqual(msgs)
  })

  it('a record whose body is on the port stalls until that body is there', () => {
    const sab = createRingBuffer(1024)
    const w = new RingWriter(sab)
    const r = new RingReader(sab)
    const enc = new FromWorkerCodec()
    expect(enc.write(w, { t: 'result', id: 1, slot: 0, body: new Uint8Array() }, undefined, 100_000, true)).toBe(true)
    const off = r.peek()
    expect(new FromWorkerCodec().read(r, off, () => undefined)).toBe(STALL)
    const body = new Uint8Array(100_000)
    expect(new FromWorkerCodec().read(r, off, () => body)).toEqual({ t: 'result', id: 1, slot: 0, body })
  })
})

describe('ring link', () => {
  function pair(ringBytes = 64 * 1024, recordsPerTurn?: number): { main: RingLink<ToWorker, FromWorker>; worker: RingLink<FromWorker, ToWorker>; got: ToWorker[]; back: FromWorker[]; rooms: { count: number } } {
    const ch = new MessageChannel()
    const toWorker = createRingBuffer(ringBytes)
    const fromWorker = createRingBuffer(ringBytes)
    const got: ToWorker[] = []
    const back: FromWorker[] = []
    const rooms = { count: 0 }
    const main = new RingLink<ToWorker, FromWorker>({ port: ch.port1, out: toWorker, in: fromWorker, encode: new ToWorkerCodec(), decode: new FromWorkerCodec(), deliver: (m) => back.push(m), onRoom: () => {
        rooms.count++
      },
    })
    const worker = new RingLink<FromWorker, ToWorker>({
      port: ch.port2,
      out: fromWorker,
      in: toWorker,
      encode: new FromWorkerCodec(),
      decode: new ToWorkerCodec(),
      deliver: (m) => got.push(m),
      ...(recordsPerTurn !== undefined ? { recordsPerTurn } : {}),
    })
    return { main, worker, got, back, rooms }
  }
  const echo = (id: number, len = 1): ToWorker => ({ t: 'echo', id, body: new Uint8Array(len).fill(id & 0xff) })

  it('a turn of sends to an idle reader costs one doorbell; a busy reader gets none', async () => {
    const { main, worker, got } = pair()
    for (let i = 0; i < 100; i++) main.send(echo(i))
    await tick()
    expect(got.map((m) => (m.t === 'echo' ? m.id : -1))).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(main.stats).toMatchObject({ recordsOut: 100, doorbellsOut: 1 })
    expect(worker.stats.drains).toBe(1)
    close(main, worker)
  })

  it('when the ring is full, messages wait in order and all arrive as the reader frees room', async () => {
    const { main, worker, got } = pair(1024)
    for (let i = 0; i < 300; i++) main.send(echo(i, 50))
    expect(main.stats.overflow).toBeGreaterThan(200)
    const deadline = Date.now() + 5_000
    while (got.length < 300 && Date.now() < deadline) await tick()
    expect(got.map((m) => (m.t === 'echo' ? m.id : -1))).toEqual(Array.from({ length: 300 }, (_, i) => i))
    expect(got.every((m) => m.t === 'echo' && m.body.length === 50 && m.body[0] === (m.id & 0xff))).toBe(true)
    expect(main.stats.overflow).toBe(0)
    close(main, worker)
  })

  it('bodies above INLINE_MAX go on the port transferred, and arrive in order among inline ones', async () => {
    const { main, worker, got } = pair()
    const big = new Uint8Array(INLINE_MAX + 1).fill(9)
    main.send(echo(1))
    main.send({ t: 'echo', id: 2, body: big })
    expect(big.byteLength).toBe(0)
    main.send(echo(3))
    await tick()
    expect(got.map((m) => (m.t === 'echo' ? [m.id, m.body.length] : []))).toEqual([
      [1, 1],
      [2, INLINE_MAX + 1],
      [3, 1],
    ])
    close(main, worker)
  })

  it('recordsPerTurn: a wake-up reads a slice, what the slice set off runs, then the next slice; drain() reads all', async () => {
    const { main, worker, got } = pair(64 * 1024, 10)
    // What each slice's first record sets off (a microtask) sees only that slice delivered.
    const seen: number[] = []
    const slices = pair(64 * 1024, 10)
    for (let i = 0; i < 100; i++) slices.main.send(echo(i))
    const deliverOf = slices.got
    const origPush = deliverOf.push.bind(deliverOf)
    deliverOf.push = (...items: ToWorker[]): number => {
      const n = origPush(...items)
      if ((n - 1) % 10 === 0) queueMicrotask(() => seen.push(deliverOf.length))
      return n
    }
    const deadline = Date.now() + 5_000
    while (deliverOf.length < 100 && Date.now() < deadline) await tick()
    expect(deliverOf.map((m) => (m.t === 'echo' ? m.id : -1))).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(seen).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    expect(slices.worker.stats.drains).toBeGreaterThanOrEqual(10)
    close(slices.main, slices.worker)
    // drain() (as after the writer's thread died) reads the whole backlog at once, whatever the slice.
    for (let i = 0; i < 100; i++) main.send(echo(i))
    worker.drain()
    expect(got).toHaveLength(100)
    close(main, worker)
  })

  it('a reader that freed room rings the waiting writer back', async () => {
    const { main, worker, rooms } = pair()
    const before = rooms.count
    main.wantRoom()
    main.send(echo(1))
    await tick()
    expect(worker.stats.doorbellsOut).toBeGreaterThanOrEqual(1)
    expect(rooms.count - before).toBeGreaterThanOrEqual(1)
    close(main, worker)
  })

  function close(main: RingLink<ToWorker, FromWorker>, worker: RingLink<FromWorker, ToWorker>): void {
    main.close()
    worker.close()
  }
})

describe('shared mirror', () => {
  it('keeps the session and each slot’s last send, double-buffered, matched to its request', () => {
    const sab = createMirrorBuffer(8)
    const w = new SharedMirror(sab)
    const r = new SharedMirror(sab)
    expect(r.readSession()).toBeUndefined()
    const s1 = { sessionId: 1n, serverSalt: -2n, timeOffset: 3.5, seqNo: 4, lastMsgId: 2n ** 62n }
    w.writeSession(s1)
    expect(r.readSession()).toEqual(s1)
    w.writeSession({ ...s1, seqNo: 5 })
    expect(r.readSession()?.seqNo).toBe(5)
    w.clearSlot(3)
    expect(r.readSent(3, 0)).toBeUndefined()
    w.writeSent(3, 42, 100n, 1)
    expect(r.readSent(3, 42)).toEqual({ requestId: 42, msgId: 100n, seqNo: 1 })
    w.writeSent(3, 42, 104n, 3)
    expect(r.readSent(3, 42)).toEqual({ requestId: 42, msgId: 104n, seqNo: 3 })
    // Another request in the slot (a stale write of a cancelled one): not taken for the new request.
    expect(r.readSent(3, 43)).toBeUndefined()
    w.clearSlot(3)
    expect(r.readSent(3, 42)).toBeUndefined()
    expect(r.readSent(99, 42)).toBeUndefined()
    expect(() => createMirrorBuffer(0)).toThrow()
  })
})
