import { describe, expect, it } from 'vitest'
import { searchSorted } from '../../../src/protocol/mtp/sorted-ids.js'
import { prng } from '../../actors/prng.js'

describe('searchSorted', () => {
  it('finds each id or its insertion point, in plain and typed arrays, within a sub-range (seeded)', () => {
    const rnd = prng(0x50f7ed)
    for (let round = 0; round < 300; round++) {
      const n = Math.floor(rnd() * 40)
      const set = new Set<bigint>()
      while (set.size < n) set.add(BigInt(Math.floor(rnd() * 200)) * 4n)
      const sorted = [...set].sort((a, b) => (a < b ? -1 : 1))
      const pad = [7n, 9n]
      const plain = [...pad, ...sorted]
      const typed = BigInt64Array.from(plain)
      for (let q = -4n; q < 820n; q += 2n) {
        const at = sorted.indexOf(q)
        const ins = sorted.filter((x) => x < q).length
        const want = at >= 0 ? at + pad.length : -(ins + pad.length) - 1
        expect(searchSorted(plain, pad.length, plain.length - 1, q)).toBe(want)
        expect(searchSorted(typed, pad.length, typed.length - 1, q)).toBe(want)
      }
    }
  })
})
