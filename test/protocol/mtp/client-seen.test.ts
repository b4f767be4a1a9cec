import { describe, expect, it } from 'vitest'
import { SecurityError } from '../../../src/protocol/errors.js'
import { SeenIds } from '../../../src/protocol/mtp/client-seen.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { rpcResult, svc } from './fake-server.js'
import { getUsers, resultFor, rig, T0 } from './session-helpers.js'

const id = (sec: number, n: number): bigint => (BigInt(sec) << 32n) | BigInt(n * 4 + 1)

describe('SeenIds', () => {
  it('remembers ids within the time window and forgets older ones', () => {
    const s = new SeenIds(300)
    s.add(id(1000, 1), 1000)
    expect(s.has(id(1000, 1))).toBe(true)
    expect(s.has(id(1000, 2))).toBe(false)
    s.add(id(1400, 1), 1400)
    expect(s.has(id(1000, 1))).toBe(false)
    expect(s.size).toBe(1)
  })

  it('beyond its capacity it turns strict: anything at or below the forgotten ids counts as seen', () => {
    const s = new SeenIds(300, 4)
    for (let i = 0; i < 6; i++) s.add(id(1000, i), 1000)
    expect(s.size).toBe(4)
    expect(s.has(id(1000, 0))).toBe(true)
    expect(s.has(id(1000, 1))).toBe(true)
    expect(s.has(id(1000, 9))).toBe(false)
  })

  it('moves its ids rarely once full: amortized O(1) per add at the capacity limit', () => {
    const cap = 1000
    const s = new SeenIds(300, cap)
    for (let i = 0; i < 20 * cap; i++) s.add(id(1000, i), 1000)
    expect(s.size).toBe(cap)
    // At most one move per cap/4 adds at the largest size, plus the growth steps on the way there.
    expect(s.relocations).toBeLessThanOrEqual(Math.ceil((20 * cap) / (cap / 4)) + 8)
  })

  it('takes containers as they come (the container id first, then its smaller inner ids) through growth', () => {
    const s = new SeenIds(300)
    const model = new Set<bigint>()
    let n = 0
    for (let c = 0; c < 700; c++) {
      const inner = 1 + (c % 7)
      const container = id(1000, n + inner + 1)
      for (const m of [container, ...Array.from({ length: inner }, (_, k) => id(1000, n + 1 + k))]) {
        expect(s.has(m)).toBe(model.has(m))
        s.add(m, 1000)
        model.add(m)
        expect(s.has(m)).toBe(true)
      }
      // A duplicate of the container and of an inner message is known.
      expect(s.has(container)).toBe(true)
      expect(s.has(id(1000, n + 1))).toBe(true)
      n += inner + 2
    }
    expect(s.size).toBe(model.size)
    expect(s.has(id(1000, n + 1))).toBe(false)
  })

  it('matches a naive model on a long, mostly ascending stream with stragglers, growth, age and cap (seeded)', () => {
    const random = seededRandom(11)
    const word = (): number => {
      const b = new Uint8Array(2)
      random(b)
      return (b[0] ?? 0) | ((b[1] ?? 0) << 8)
    }
    const cap = 1500
    const s = new SeenIds(300, cap)
    // Reference: a sorted list of kept ids, pruned by age, then the smallest ones beyond the cap.
    let kept: bigint[] = []
    let forgottenMax = -(1n << 63n)
    const knows = (m: bigint): boolean => m <= forgottenMax || kept.includes(m)
    let sec = 1000
    let n = 0
    for (let i = 0; i < 4000; i++) {
      const r = word()
      if (r % 500 === 0) sec += 200 // time moves on: older ids age out
      const m = r % 16 === 0 ? id(sec - (r % 3), Math.max(0, n - (r % 200))) : id(sec, n++)
      expect(s.has(m)).toBe(knows(m))
      s.add(m, sec)
      if (!kept.includes(m)) kept = [...kept, m].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      kept = kept.filter((k) => Number(k >> 32n) >= sec - 301)
      while (kept.length > cap) {
        const gone = kept.shift() as bigint
        if (gone > forgottenMax) forgottenMax = gone
      }
      expect(s.size).toBe(kept.length)
    }
    for (let k = 0; k < 400; k++) {
      const m = id(sec - (k % 3), n - k)
      expect(s.has(m)).toBe(knows(m))
    }
  })
})

describe('client session: messages re-sent under their original msg_id', () => {
  it('accepts an answer older than the 500-id window that was never received, and refuses it the second time', () => {
    const r = rig()
    r.s.send({ body: getUsers(1), method: 'users.getUsers', requestId: 1 })
    const [m] = r.flush().flatMap((e) => e.messages)
    // The answer is sealed now (its msg_id is old by the time it arrives) but lost on the way...
    const answer = r.server.seal(rpcResult(m?.msgId ?? 0n, resultFor(1)), T0)
    // ...while 600 newer messages go by.
    for (let i = 0; i < 600; i++) r.s.receive(r.server.seal(svc({ _: 'msgs_ack', msgIds: [4n] }), T0, { contentRelated: false }), T0)
    expect(r.s.receive(answer, T0).map((e) => e.type)).toEqual(['result'])
    expect(() => r.s.receive(answer, T0)).toThrow(SecurityError)
  })
})
