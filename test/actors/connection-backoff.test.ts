import { describe, expect, it } from 'vitest'
import { BackoffSleep, backoffDelay, randomUnit } from '../../src/actors/connection-backoff.js'
import { DEFAULT_RECONNECT } from '../../src/actors/connection-types.js'
import { seededRandom } from '../../src/protocol/random.js'

describe('reconnect backoff', () => {
  const p = { ...DEFAULT_RECONNECT, minDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.25 }

  it('grows exponentially, is capped, and spreads by +-jitter', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay({ ...p, jitter: 0 }, a, 0.9))).toEqual([100, 200, 400, 800, 1000])
    expect(backoffDelay(p, 2, 0)).toBe(150)
    expect(backoffDelay(p, 2, 0.5)).toBe(200)
    expect(backoffDelay(p, 2, 0.999999)).toBe(250)
    expect(backoffDelay(p, 9, 0.999999)).toBe(1000)
    const rnd = seededRandom(7)
    const seen = new Set<number>()
    for (let i = 0; i < 200; i++) {
      const u = randomUnit(rnd)
      expect(u >= 0 && u < 1).toBe(true)
      const d = backoffDelay(p, 3, u)
      expect(d >= 300 && d <= 500).toBe(true)
      seen.add(d)
    }
    expect(seen.size).toBeGreaterThan(50)
  })

  it('wake() ends a sleep early', async () => {
    const b = new BackoffSleep()
    const t0 = performance.now()
    const done = b.sleep(10_000)
    expect(b.sleeping).toBe(true)
    b.wake()
    await done
    expect(b.sleeping).toBe(false)
    expect(performance.now() - t0).toBeLessThan(5_000)
  })
})
