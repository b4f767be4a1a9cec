import { describe, expect, it } from 'vitest'
import { randomBytes, seededRandom } from '../../src/protocol/random.js'

describe('seededRandom', () => {
  it('is deterministic per seed and differs across seeds', () => {
    expect(randomBytes(seededRandom(1), 33)).toEqual(randomBytes(seededRandom(1), 33))
    expect(randomBytes(seededRandom(1), 33)).not.toEqual(randomBytes(seededRandom(2), 33))
  })
  it('produces roughly uniform bytes', () => {
    const buf = randomBytes(seededRandom(7), 65536)
    const counts = new Array<number>(256).fill(0)
    for (const b of buf) counts[b] = (counts[b] ?? 0) + 1
    expect(Math.min(...counts)).toBeGreaterThan(180)
    expect(Math.max(...counts)).toBeLessThan(340)
  })
})
