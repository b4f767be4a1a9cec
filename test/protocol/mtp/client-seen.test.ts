import { describe, expect, it } from 'vitest'
import { SecurityError } from '../../../src/protocol/errors.js'
import { SeenIds } from '../../../src/protocol/mtp/client-seen.js'
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
