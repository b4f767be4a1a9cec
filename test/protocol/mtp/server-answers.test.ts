import { describe, expect, it } from 'vitest'
import { AnswerCache, type CachedAnswer } from '../../../src/protocol/mtp/server-answers.js'
import { seededRandom } from '../../../src/protocol/random.js'

const answer = (n: number): CachedAnswer => ({ sessionId: 1n, msgId: BigInt(n * 4 + 1), seqno: n * 2 + 1, body: Uint8Array.of(n & 255, 0, 0, 0) })

describe('AnswerCache', () => {
  it('keeps answers by request id, replaces a repeated id, and forgets the lowest ids beyond its capacity', () => {
    const c = new AnswerCache(3)
    for (const n of [10, 20, 30]) c.set(BigInt(n), answer(n))
    c.set(20n, answer(21))
    expect(c.get(20n)).toEqual(answer(21))
    c.set(15n, answer(15))
    expect(c.size).toBe(3)
    expect(c.get(10n)).toBeUndefined()
    expect([...c.values()].map((a) => a.seqno)).toEqual([31, 43, 61])
  })

  it('matches a naive sorted model over mostly ascending ids with stragglers and compactions (seeded)', () => {
    const random = seededRandom(19)
    const word = (): number => {
      const b = new Uint8Array(2)
      random(b)
      return (b[0] ?? 0) | ((b[1] ?? 0) << 8)
    }
    const capacity = 64
    const c = new AnswerCache(capacity)
    let model: Array<[bigint, CachedAnswer]> = []
    let next = 1000
    for (let i = 0; i < 3000; i++) {
      const r = word()
      const n = r % 8 === 0 ? next - (r % 150) : next++
      const id = BigInt(n) * 4n
      const a = answer(i)
      c.set(id, a)
      model = model.filter(([k]) => k !== id)
      model.push([id, a])
      model.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
      if (model.length > capacity) model.shift()
      const probe = BigInt(next - (r % 200)) * 4n
      expect(c.get(probe)).toBe(model.find(([k]) => k === probe)?.[1])
      expect(c.size).toBe(model.length)
    }
    expect([...c.values()]).toEqual(model.map(([, a]) => a))
  })
})
