import { describe, expect, it } from 'vitest'
import { AckQueue, MAX_IDS_PER_SERVICE_MESSAGE } from '../../../src/protocol/mtp/acks.js'
import { SALT_REFRESH_MARGIN_SECONDS, SaltStore } from '../../../src/protocol/mtp/salts.js'

describe('SaltStore', () => {
  it('moves to announced salts as they become valid and asks for more before the last expires', () => {
    const s = new SaltStore(1n)
    expect(s.needsRefresh(0)).toBe(true)
    s.addFuture([
      { validSince: 100, validUntil: 1900, salt: 2n },
      { validSince: 1800, validUntil: 3600, salt: 3n },
    ])
    expect(s.current(50)).toBe(1n)
    expect(s.current(150)).toBe(2n)
    expect(s.current(1850)).toBe(3n)
    expect(s.needsRefresh(1850)).toBe(false)
    expect(s.refreshAt(1850)).toBe(3600 - SALT_REFRESH_MARGIN_SECONDS)
    expect(s.needsRefresh(3600 - SALT_REFRESH_MARGIN_SECONDS + 1)).toBe(true)
    s.set(9n)
    expect(s.current(1850)).toBe(3n)
    expect(s.current(4000)).toBe(3n)
    s.set(9n)
    expect(s.current(4000)).toBe(9n)
  })
})

describe('AckQueue', () => {
  it('is due by count or by age, and takes at most 8192 ids at once', () => {
    const q = new AckQueue({ maxPending: 3, maxDelayMs: 100 })
    expect(q.deadline()).toBeUndefined()
    q.add(1n, 0)
    expect(q.due(50)).toBe(false)
    expect(q.deadline()).toBe(100)
    expect(q.due(100)).toBe(true)
    q.add(2n, 60)
    q.add(3n, 70)
    expect(q.due(70)).toBe(true)
    expect(q.take()).toEqual([1n, 2n, 3n])
    const big = new AckQueue()
    for (let i = 0; i < MAX_IDS_PER_SERVICE_MESSAGE + 5; i++) big.add(BigInt(i), 0)
    expect(big.take()).toHaveLength(MAX_IDS_PER_SERVICE_MESSAGE)
    expect(big.take()).toHaveLength(5)
  })

  it('by default goes alone only with a full msgs_ack owed (or by age): fewer ride along with the next message', () => {
    const q = new AckQueue()
    for (let i = 0; i < MAX_IDS_PER_SERVICE_MESSAGE - 1; i++) q.add(BigInt(i), 0)
    expect(q.due(499)).toBe(false)
    expect(q.due(500)).toBe(true)
    q.add(-1n, 0)
    expect(q.due(0)).toBe(true)
  })
})
