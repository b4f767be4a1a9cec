import { describe, expect, it } from 'vitest'
import { IdTable } from '../../src/protocol/id-table.js'
import { prng } from '../actors/prng.js'

describe('IdTable', () => {
  it('behaves as a Map under a seeded mix of sequential, old, negative and huge ids', () => {
    const rnd = prng(0x1d7ab1e)
    const t = new IdTable<{ v: number }>(16)
    const m = new Map<number, { v: number }>()
    let next = 1
    const live: number[] = []
    for (let step = 0; step < 50_000; step++) {
      const r = rnd()
      if (r < 0.45) {
        // A new request: mostly the next id, sometimes a negative (internal) or a huge one.
        const id = r < 0.42 ? next++ : r < 0.44 ? -Math.floor(rnd() * 1000) - 1 : 2 ** 40 + Math.floor(rnd() * 1e6)
        const v = { v: step }
        t.set(id, v)
        m.set(id, v)
        live.push(id)
      } else if (r < 0.9 && live.length > 0) {
        // Answers arrive roughly in order, with stragglers left behind for a long time.
        const idx = rnd() < 0.8 ? 0 : Math.floor(rnd() * live.length)
        const id = live.splice(idx, 1)[0] as number
        expect(t.delete(id)).toBe(m.delete(id))
      } else {
        const id = live.length > 0 && rnd() < 0.7 ? (live[Math.floor(rnd() * live.length)] as number) : next + 5
        expect(t.get(id)).toBe(m.get(id))
        expect(t.has(id)).toBe(m.has(id))
        expect(t.delete(id + 0.5)).toBe(false)
      }
      expect(t.size).toBe(m.size)
    }
    const ids = [...m.keys()].sort((a, b) => a - b)
    expect(t.keys()).toEqual(ids)
    expect(t.values()).toEqual(ids.map((id) => m.get(id)))
    t.clear()
    expect(t.size).toBe(0)
    expect(t.get(ids[0] ?? 1)).toBeUndefined()
  })

  it('overwrites an id in place and keeps colliding ids apart', () => {
    const t = new IdTable<string>(16)
    t.set(1, 'a').set(17, 'b').set(33, 'c')
    t.set(17, 'B')
    expect([t.get(1), t.get(17), t.get(33)]).toEqual(['a', 'B', 'c'])
    expect(t.delete(1)).toBe(true)
    expect(t.get(17)).toBe('B')
    expect(t.keys()).toEqual([17, 33])
  })
})
