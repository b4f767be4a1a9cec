import { describe, expect, it } from 'vitest'
import { ServerProtocolError } from '../../../src/protocol/mtp/server-errors.js'
import { constructorOf, decodePlainFrame, encodePlainFrame, parseContainer, SERVER_IDS, writeContainer, writeRpcResult } from '../../../src/protocol/mtp/server-wire.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { deserializeObject, serializeObject } from '../../../src/tl/index.js'

describe('server wire helpers', () => {
  it('frames plain messages and rejects bad headers with -404', () => {
    const body = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)
    const frame = encodePlainFrame(body, 0x1234n << 32n)
    expect(decodePlainFrame(frame)).toEqual({ msgId: 0x1234n << 32n, body })
    expect(() => decodePlainFrame(frame.subarray(0, 19))).toThrow(ServerProtocolError)
    const lying = frame.slice()
    lying[16] = 200
    expect(() => decodePlainFrame(lying)).toThrow(expect.objectContaining({ reason: 'bad-plain-message', code: -404 }))
  })

  it('writes rpc_result with a raw result the generic reader understands', () => {
    const result = serializeObject({ _: 'pong', msgId: 5n, pingId: 6n })
    const obj = deserializeObject(writeRpcResult(77n, result))
    expect(obj).toEqual({ _: 'rpc_result', reqMsgId: 77n, result: { _: 'pong', msgId: 5n, pingId: 6n } })
  })

  it('round-trips containers and rejects every damaged one without throwing (seeded)', () => {
    const msgs = [1, 2, 3].map((i) => ({ msgId: BigInt(i) << 2n, seqno: i * 2 + 1, body: serializeObject({ _: 'ping', pingId: BigInt(i) }) }))
    const body = writeContainer(msgs)
    expect(constructorOf(body)).toBe(SERVER_IDS.msgContainer)
    const parsed = parseContainer(body)
    expect(parsed.ok && parsed.messages).toEqual(msgs)
    const rnd = seededRandom(44)
    const b = new Uint8Array(2)
    for (let i = 0; i < 2000; i++) {
      const bad = body.slice(0, body.length - (i % 9))
      rnd(b)
      const at = (b[0] ?? 0) % bad.length
      bad[at] = (bad[at] ?? 0) ^ ((b[1] ?? 0) | 1)
      const r = parseContainer(bad)
      if (r.ok) for (const m of r.messages) expect(m.body.length % 4).toBe(0)
      else expect(typeof r.why).toBe('string')
    }
    const huge = body.slice()
    new DataView(huge.buffer).setUint32(4, 5000, true)
    expect(parseContainer(huge)).toEqual({ ok: false, why: '5000 messages' })
  })
})
