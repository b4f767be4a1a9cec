import { describe, expect, it } from 'vitest'
import { MsgIdGenerator, SeqNoCounter, msgIdSeconds } from '../../../src/protocol/mtp/msg-id.js'
import { seededRandom } from '../../../src/protocol/random.js'

/** The rule in plain BigInt arithmetic, as the spec states it: time-based, strictly increasing, low bits by kind. */
function referenceIds(side: 'client' | 'server') {
  let last = 0n
  let offset = 0
  return {
    setOffset: (s: number) => {
      offset = s
    },
    next(nowMs: number, kind: 'answer' | 'other'): bigint {
      const t = nowMs / 1000 + offset
      const sec = Math.floor(t)
      let id = ((BigInt(sec) << 32n) | BigInt(Math.floor((t - sec) * 2 ** 32))) & ~3n
      if (id <= (last & ~3n)) id = (last & ~3n) + 4n
      id |= side === 'client' ? 0n : kind === 'answer' ? 1n : 3n
      last = id
      return id
    },
  }
}

describe('MsgIdGenerator', () => {
  it('matches the BigInt rule over bursts, clock steps back and forth, offsets and fraction carries (seeded)', () => {
    const random = seededRandom(3)
    const byte = (): number => {
      const b = new Uint8Array(1)
      random(b)
      return b[0] ?? 0
    }
    for (const side of ['client', 'server'] as const) {
      const g = new MsgIdGenerator(side)
      const ref = referenceIds(side)
      // Starts 1 ms before a whole second with a fraction close to 2^32, so bursts carry into the next second.
      let now = 1_700_000_000_999.9998
      for (let i = 0; i < 3000; i++) {
        const r = byte()
        if (r < 40) now += r
        else if (r < 50) now -= 2000 // the clock steps back: ids must still grow
        else if (r === 50) {
          g.setTimeOffset(-3.5)
          ref.setOffset(-3.5)
        }
        const kind = r % 2 === 0 ? 'answer' : 'other'
        expect(g.next(now, kind)).toBe(ref.next(now, kind))
      }
    }
  })
  it('makes client ids divisible by 4, strictly increasing even at the same instant', () => {
    const g = new MsgIdGenerator('client')
    const now = 1_700_000_000_123
    let prev = 0n
    for (let i = 0; i < 1000; i++) {
      const id = g.next(now)
      expect(id % 4n).toBe(0n)
      expect(id > prev).toBe(true)
      prev = id
    }
    expect(Math.abs(msgIdSeconds(prev) - now / 1000)).toBeLessThan(0.01)
  })
  it('makes server answer ids 1 mod 4 and other ids 3 mod 4, monotonic across both', () => {
    const g = new MsgIdGenerator('server')
    const a = g.next(1000_000, 'answer')
    const b = g.next(1000_000, 'other')
    const c = g.next(1000_000, 'answer')
    expect([a % 4n, b % 4n, c % 4n]).toEqual([1n, 3n, 1n])
    expect(a < b && b < c).toBe(true)
  })
  it('corrects to server time from the offset and from a server msg_id', () => {
    const g = new MsgIdGenerator('client')
    g.setTimeOffset(100)
    expect(Math.round(msgIdSeconds(g.next(1_000_000)))).toBe(1100)
    const server = new MsgIdGenerator('server')
    server.setTimeOffset(-50)
    const sid = server.next(2_000_000)
    g.syncWithServerMsgId(sid, 2_000_000)
    expect(g.timeOffset).toBeCloseTo(-50, 3)
    // Never goes backwards after a resync to an earlier time.
    const before = g.last
    expect(g.next(2_000_000) > before).toBe(true)
  })
})

describe('SeqNoCounter', () => {
  it('gives odd numbers to content-related messages and even to others', () => {
    const s = new SeqNoCounter()
    expect([s.next(false), s.next(true), s.next(true), s.next(false), s.next(true)]).toEqual([0, 1, 3, 4, 5])
    s.adjust(-100)
    expect(s.next(true)).toBe(1)
    s.reset()
    expect(s.next(false)).toBe(0)
  })
})
