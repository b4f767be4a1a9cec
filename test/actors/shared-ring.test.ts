/**
 * The shared SPSC ring: records of every size through wraparound and a full ring (one seeded loop), the armed and
 * waiting flags, and a writer in a real second thread against a reader here (the memory model, not just the logic).
 */
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../src/errors.js'
import { tsxEsmApiUrl } from '../../src/workers/worker-file.js'
import { createRingBuffer, recordBytes, RingReader, RingWriter } from '../../src/actors/shared-ring.js'
import { prng } from './prng.js'

function fill(len: number, seq: number): Uint8Array {
  const b = new Uint8Array(len)
  for (let i = 0; i < len; i++) b[i] = (seq * 131 + i * 7) & 0xff
  return b
}

describe('shared ring', () => {
  it('rejects capacities that are not powers of two in range, and records over a quarter of the ring', () => {
    expect(() => createRingBuffer(1000)).toThrow(ArgumentError)
    expect(() => createRingBuffer(512)).toThrow(ArgumentError)
    const w = new RingWriter(createRingBuffer(1024))
    expect(w.maxPayload).toBe(248)
    expect(() => w.reserve(249)).toThrow(ArgumentError)
    expect(recordBytes(0)).toBe(8)
    expect(recordBytes(5)).toBe(16)
  })

  it('carries 50,000 records of random sizes through wraparound and full rings, in order and intact (seeded)', () => {
    const sab = createRingBuffer(4096)
    const w = new RingWriter(sab)
    const r = new RingReader(sab)
    const rand = prng(1234)
    let written = 0
    let read = 0
    let fullSeen = 0
    const lens: number[] = []
    while (read < 50_000) {
      // Write a burst until the ring is full or the burst ends, then read a random part of what is there.
      const burst = Math.floor(rand() * 40)
      for (let k = 0; k < burst && written < 50_000; k++) {
        const len = Math.floor(rand() * (w.maxPayload + 1))
        const off = w.reserve(len)
        if (off < 0) {
          fullSeen++
          break
        }
        w.bytes.set(fill(len, written), off)
        w.commit()
        lens.push(len)
        written++
      }
      const take = Math.floor(rand() * 40)
      for (let k = 0; k < take; k++) {
        const off = r.peek()
        if (off < 0) break
        expect(r.length).toBe(lens[read])
        expect(Buffer.compare(r.bytes.subarray(off, off + r.length), fill(r.length, read))).toBe(0)
        r.release()
        read++
      }
      expect(w.used()).toBeLessThanOrEqual(w.capacity)
    }
    expect(r.peek()).toBe(-1)
    expect(fullSeen).toBeGreaterThan(100)
    expect(w.used()).toBe(0)
  })

  it('armed: the reader asks for one doorbell, the writer takes it once; arm fails while records wait', () => {
    const sab = createRingBuffer(1024)
    const w = new RingWriter(sab)
    const r = new RingReader(sab)
    expect(w.takeArmed()).toBe(false)
    expect(r.arm()).toBe(true)
    expect(w.takeArmed()).toBe(true)
    expect(w.takeArmed()).toBe(false)
    w.reserve(3)
    w.commit()
    expect(r.arm()).toBe(false)
    expect(w.takeArmed()).toBe(false)
    r.peek()
    r.release()
    expect(r.arm()).toBe(true)
    w.setWaiting()
    expect(r.takeWaiting()).toBe(true)
    expect(r.takeWaiting()).toBe(false)
    // Counter increments and room freed without publishing reach the writer with the next publish (or arm).
    r.addCounter(5)
    expect(w.counter()).toBe(0)
    w.reserve(3)
    w.commit()
    const used = w.used()
    r.peek()
    r.release(false)
    expect(w.used()).toBe(used)
    r.publish()
    expect(w.counter()).toBe(5)
    expect(w.used()).toBe(0)
  })

  it('a writer in another thread and a reader here: 200,000 records in order and intact', async () => {
    const sab = createRingBuffer(8192)
    const n = 200_000
    const url = new URL('../../src/actors/shared-ring.ts', import.meta.url).href
    // The writer spins on a full ring (no doorbells here): the reader keeps draining until all arrived.
    const code = `
      const { workerData } = require('node:worker_threads')
      import(${JSON.stringify(tsxEsmApiUrl())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}) }).then(({ RingWriter }) => {
        const w = new RingWriter(workerData.sab)
        for (let i = 0; i < workerData.n; i++) {
          const len = (i * 37) % 200
          let off
          while ((off = w.reserve(len)) < 0) {}
          for (let k = 0; k < len; k++) w.bytes[off + k] = (i + k) & 0xff
          w.commit()
        }
      })`
    const worker = new Worker(code, { eval: true, workerData: { sab, n } })
    let failed: Error | undefined
    worker.on('error', (e) => {
      failed = e
    })
    const r = new RingReader(sab)
    let got = 0
    let bad = 0
    const deadline = Date.now() + 30_000
    while (got < n && Date.now() < deadline && failed === undefined) {
      const off = r.peek()
      if (off < 0) {
        await new Promise((res) => setImmediate(res))
        continue
      }
      const len = r.length
      if (len !== (got * 37) % 200) bad++
      else for (let k = 0; k < len; k++) if (r.bytes[off + k] !== ((got + k) & 0xff)) bad++
      r.release()
      got++
    }
    await worker.terminate()
    expect(failed).toBeUndefined()
    expect(got).toBe(n)
    expect(bad).toBe(0)
  }, 40_000)
})
