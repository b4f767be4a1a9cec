import { describe, expect, it } from 'vitest'
import { SentIndex } from '../../../src/protocol/mtp/sent-index.js'
import { prng } from '../../actors/prng.js'

describe('SentIndex', () => {
  it('behaves as a Map under a seeded mix of appends, out-of-order answers, re-sends under old ids and lookups', () => {
    const rnd = prng(0x5e7d1d)
    const t = new SentIndex<{ v: number }>()
    const m = new Map<bigint, { v: number }>()
    let next = 1_000_000n
    const live: bigint[] = []
    for (let step = 0; step < 60_000; step++) {
      const r = rnd()
      if (r < 0.45) {
        // A send: mostly a new id above every other; sometimes an old id again (in place, or gone and back).
        const old = r > 0.43 && live.length > 0
        if (!old) next += 4n
        const id = old ? (live[Math.floor(rnd() * live.length)] as bigint) - (rnd() < 0.5 ? 0n : 4n) : next
        const v = { v: step }
        t.set(id, v)
        m.set(id, v)
        if (!live.includes(id)) live.push(id)
      } else if (r < 0.9 && live.length > 0) {
        // Answers arrive roughly in send order, with stragglers left for a long time.
        const idx = rnd() < 0.8 ? 0 : Math.floor(rnd() * live.length)
        const id = live.splice(idx, 1)[0] as bigint
        expect(t.delete(id)).toBe(m.delete(id))
      } else {
        const id = live.length > 0 && rnd() < 0.7 ? (live[Math.floor(rnd() * live.length)] as bigint) : next + 8n
        expect(t.get(id)).toBe(m.get(id))
        expect(t.delete(id + 1n)).toBe(m.delete(id + 1n))
      }
      expect(t.size).toBe(m.size)
    }
    const seen = new Map<bigint, { v: number }>()
    t.some((id, v) => {
      seen.set(id, v)
      return false
    })
    expect(seen).toEqual(m)
    t.clear()
    expect(t.size).toBe(0)
    expect(t.get(next)).toBeUndefined()
  })

  it('visits ascending ids and stops where the callback says; a freed slot holds nothing', () => {
    const t = new SentIndex<string>()
    for (let i = 1n; i <= 600n; i++) t.set(i * 4n, `m${i}`)
    for (let i = 1n; i <= 590n; i++) t.delete(i * 4n)
    const ids: bigint[] = []
    const upTo = (id: bigint): boolean => {
      ids.push(id)
      return id === 2372n
    }
    expect(t.some(upTo)).toBe(true)
    expect(ids).toEqual([2364n, 2368n, 2372n])
    // Appends past the arrays' end move the live entries to the front instead of growing.
    for (let i = 601n; i <= 900n; i++) t.set(i * 4n, `m${i}`)
    expect(t.size).toBe(310)
    expect(t.get(2400n)).toBe('m600')
    expect(t.get(2360n)).toBeUndefined()
  })
})
