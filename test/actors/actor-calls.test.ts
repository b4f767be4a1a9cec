import { describe, expect, it } from 'vitest'
import { CallSlots, RoomWaiters } from '../../src/actors/actor-calls.js'
import { CancelledError } from '../../src/errors.js'

const sink = { resolve: () => undefined, reject: () => undefined }

describe('CallSlots', () => {
  it('hands out slots up to the capacity, reuses freed ones last-in first-out, and takes a call only by its id', () => {
    const t = new CallSlots(3)
    let cleaned = 0
    const add = (id: number): number => {
      const slot = t.claim()
      t.set({ id, slot, sink, cleanup: () => cleaned++ })
      return slot
    }
    expect([add(10), add(11), add(12)]).toEqual([0, 1, 2])
    expect(t.room).toBe(0)
    expect(t.take(99, 1)).toBeUndefined()
    expect(t.take(11, 1)?.id).toBe(11)
    expect(t.take(11, 1)).toBeUndefined()
    expect(cleaned).toBe(1)
    expect(t.take(10, 0)?.id).toBe(10)
    expect(t.room).toBe(2)
    expect(add(13)).toBe(0)
    expect(t.holds(13, 0)).toBe(true)
    expect(t.holds(10, 0)).toBe(false)
    expect(t.unsettled().map((c) => c.id)).toEqual([13, 12])
    expect(t.count).toBe(2)
  })
})

describe('RoomWaiters', () => {
  it('wakes the oldest waiters first, as many as asked; an aborted wait leaves the queue with CancelledError', async () => {
    const w = new RoomWaiters()
    const order: number[] = []
    const ac = new AbortController()
    const waits = [0, 1, 2, 3].map((i) => w.wait(i === 1 ? ac.signal : undefined, () => undefined).then(() => order.push(i)))
    expect(w.length).toBe(4)
    ac.abort()
    await expect(waits[1]).rejects.toBeInstanceOf(CancelledError)
    expect(w.length).toBe(3)
    w.wake(2)
    await Promise.all([waits[0], waits[2]])
    expect(order).toEqual([0, 2])
    w.wakeAll()
    await waits[3]
    expect(order).toEqual([0, 2, 3])
    expect(w.length).toBe(0)
    const aborted = AbortSignal.abort()
    await expect(w.wait(aborted, () => undefined)).rejects.toBeInstanceOf(CancelledError)
  })
})
