import { describe, expect, it } from 'vitest'
import { SessionError } from '../../../src/protocol/mtp/client-errors.js'
import { decodeContainer, encodeContainer, MAX_CONTAINER_MESSAGES } from '../../../src/protocol/mtp/container.js'
import { seededRandom } from '../../../src/protocol/random.js'

describe('msg_container framing', () => {
  it('round-trips seeded random containers', () => {
    const rnd = seededRandom(11)
    const b = new Uint8Array(2)
    for (let i = 0; i < 100; i++) {
      rnd(b)
      const n = (b[0] ?? 0) % 20
      const msgs = Array.from({ length: n }, (_, j) => {
        const body = new Uint8Array(4 * (1 + ((j * 7 + i) % 9)))
        rnd(body)
        return { msgId: BigInt(i * 1000 + j) * 4n + 1n, seqNo: j * 2 + 1, body }
      })
      const got = decodeContainer(encodeContainer(msgs))
      expect(got.map((m) => [m.msgId, m.seqNo, [...m.body]])).toEqual(msgs.map((m) => [m.msgId, m.seqNo, [...m.body]]))
    }
  })

  it('rejects truncated, oversized and misaligned containers with SessionError', () => {
    const ok = encodeContainer([{ msgId: 5n, seqNo: 1, body: new Uint8Array(8) }])
    const bad = (f: Uint8Array): boolean => {
      try {
        decodeContainer(f)
        return false
      } catch (e) {
        return e instanceof SessionError && e.reason === 'malformed'
      }
    }
    expect(bad(ok.subarray(0, 6))).toBe(true)
    expect(bad(ok.subarray(0, ok.length - 4))).toBe(true)
    const count = ok.slice()
    new DataView(count.buffer).setUint32(4, MAX_CONTAINER_MESSAGES + 1, true)
    expect(bad(count)).toBe(true)
    const odd = ok.slice()
    new DataView(odd.buffer).setUint32(20, 6, true)
    expect(bad(odd)).toBe(true)
    const rnd = seededRandom(12)
    for (let i = 0; i < 300; i++) {
      const f = ok.slice()
      const pos = new Uint8Array(1)
      rnd(pos)
      const at = (pos[0] ?? 0) % f.length
      f[at] = (f[at] ?? 0) ^ 0xff
      try {
        decodeContainer(f)
      } catch (e) {
        expect(e).toBeInstanceOf(SessionError)
      }
    }
  })
})
