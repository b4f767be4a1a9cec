import { describe, expect, it } from 'vitest'
import { ByteQueue } from '../../../src/protocol/transport/byte-queue.js'
import { seededRandom } from '../../../src/protocol/random.js'

describe('ByteQueue', () => {
  it('returns zero-copy subarrays inside one chunk and copies across chunks', () => {
    const q = new ByteQueue()
    const a = new Uint8Array([1, 2, 3, 4, 5])
    q.push(a)
    q.push(new Uint8Array(0))
    q.push(new Uint8Array([6, 7, 8]))
    expect(q.length).toBe(8)
    expect(q.u32le(0)).toBe(0x04030201)
    expect(q.u32le(3)).toBe(0x07060504)
    expect(q.u32be(4)).toBe(0x05060708)
    const first = q.read(2)
    expect(first.buffer).toBe(a.buffer)
    expect([...q.read(4)]).toEqual([3, 4, 5, 6])
    expect(q.length).toBe(2)
    expect([...q.readAll()]).toEqual([7, 8])
    expect(q.length).toBe(0)
  })

  it('agrees with a flat model over seeded random pushes, reads and skips', () => {
    const rnd = seededRandom(7)
    const r = new Uint8Array(4)
    const next = (n: number): number => {
      rnd(r)
      return (((r[0] ?? 0) | ((r[1] ?? 0) << 8)) % n) | 0
    }
    const q = new ByteQueue()
    let model: number[] = []
    let counter = 0
    for (let step = 0; step < 3000; step++) {
      const op = next(4)
      if (op <= 1) {
        const chunk = new Uint8Array(next(9))
        for (let i = 0; i < chunk.length; i++) chunk[i] = counter++ & 0xff
        q.push(chunk)
        model.push(...chunk)
      } else if (op === 2 && model.length > 0) {
        const n = next(model.length + 1)
        expect([...q.read(n)]).toEqual(model.slice(0, n))
        model = model.slice(n)
      } else if (model.length > 0) {
        const i = next(model.length)
        expect(q.byteAt(i)).toBe(model[i])
        const n = next(model.length + 1)
        q.skip(n)
        model = model.slice(n)
      }
      expect(q.length).toBe(model.length)
    }
  })
})
