import { describe, expect, it } from 'vitest'
import { ReplayGuard } from '../../../src/protocol/mtp/replay.js'
import { seededRandom } from '../../../src/protocol/random.js'

const id = (sec: number, n = 0): bigint => (BigInt(sec) << 32n) | (BigInt(n) << 2n) | 1n

describe('ReplayGuard', () => {
  it('rejects a duplicate msg_id', () => {
    const g = new ReplayGuard()
    expect(g.check(id(1000, 1), 1000).ok).toBe(true)
    expect(g.check(id(1000, 1), 1000)).toEqual({ ok: false, reason: 'msg-id-replayed' })
  })
  it('rejects ids more than 300 s old or 30 s ahead and accepts the edges', () => {
    const g = new ReplayGuard()
    expect(g.check(id(700, 1), 1000).ok).toBe(true)
    expect(g.check(id(1030, 1), 1000).ok).toBe(true)
    expect(g.check(id(699, 1), 1000)).toMatchObject({ ok: false, reason: 'msg-id-too-old' })
    expect(g.check(id(1031, 1), 1000)).toMatchObject({ ok: false, reason: 'msg-id-too-new' })
  })
  it('remembers a window of 500 and rejects ids below a full window', () => {
    const g = new ReplayGuard()
    for (let i = 1; i <= 600; i++) expect(g.check(id(1000, i), 1000).ok).toBe(true)
    // id(1000, 50) left the window: too old to tell, so rejected.
    expect(g.check(id(1000, 50), 1000)).toEqual({ ok: false, reason: 'msg-id-replayed' })
    // An unseen id above the window's minimum is accepted.
    expect(g.check(id(1000, 700), 1000).ok).toBe(true)
  })
  it('reports a resync after consistent time rejections and not after scattered ones', () => {
    const g = new ReplayGuard()
    // Local clock 1000 s ahead: authentic messages look 1000 s old.
    expect(g.check(id(1000, 1), 2000)).toEqual({ ok: false, reason: 'msg-id-too-old' })
    expect(g.check(id(1001, 2), 2001)).toEqual({ ok: false, reason: 'msg-id-too-old' })
    const third = g.check(id(1002, 3), 2002)
    expect(third).toMatchObject({ ok: false, reason: 'msg-id-too-old' })
    expect(third.ok === false && third.resync).toBeCloseTo(-1000, 0)
    const h = new ReplayGuard()
    h.check(id(1000, 1), 2000)
    h.check(id(1000, 2), 3000)
    expect(h.check(id(1000, 3), 1500)).toEqual({ ok: false, reason: 'msg-id-too-old' })
  })
  it('judges a stream with stragglers and container-style ids like a naive model of the highest N ids (seeded)', () => {
    const random = seededRandom(7)
    const byte = (): number => {
      const b = new Uint8Array(1)
      random(b)
      return b[0] ?? 0
    }
    const window = 16
    const g = new ReplayGuard({ window })
    // Reference: the highest `window` accepted ids, kept sorted by brute force.
    let kept: bigint[] = []
    let next = 100
    for (let i = 0; i < 4000; i++) {
      const r = byte()
      // Mostly the next id; sometimes a jump ahead (a container id before its inner ids) or one from the recent past.
      const n = r < 160 ? next++ : r < 200 ? next + 3 : next - 1 - (r % 24)
      const msgId = id(1000, Math.max(1, n))
      const dup = kept.includes(msgId)
      const below = kept.length >= window && (kept[0] as bigint) > msgId
      const want = !dup && !below
      expect(g.check(msgId, 1000).ok).toBe(want)
      if (want) {
        kept = [...kept, msgId].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        if (kept.length > window) kept.shift()
      }
    }
  })
})
