/** Resuming a session in another driver: state snapshot, counters, msg_id floor, resend unchanged, sent records. */
import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { MsgIdGenerator, SeqNoCounter } from '../../../src/protocol/mtp/msg-id.js'
import { getUsers, rig, T0 } from './session-helpers.js'

describe('client session: resume and resend', () => {
  it('reports its state and the records of requests put on the wire', () => {
    const r = rig({ recordSent: true })
    for (let i = 0; i < 3; i++) r.s.send({ body: getUsers(i), method: 'users.getUsers', requestId: 10 + i })
    const [env] = r.flush()
    const sent = r.s.takeSent()
    expect(sent.map((x) => x.requestId)).toEqual([10, 11, 12])
    expect(sent.map((x) => [x.msgId, x.seqNo])).toEqual(env?.messages.map((m) => [m.msgId, m.seqNo]))
    expect(r.s.takeSent()).toEqual([])
    const st = r.s.state(T0)
    expect(st).toMatchObject({ sessionId: r.s.sessionId, serverSalt: 0x1122334455667788n, seqNo: 3, lastMsgId: env?.msgId })
  })

  it('records nothing without recordSent', () => {
    const r = rig()
    r.s.send({ body: getUsers(1), method: 'users.getUsers', requestId: 1 })
    r.flush()
    expect(r.s.takeSent()).toEqual([])
  })

  it('a resumed session keeps the id, continues seq_no and makes msg_ids above the old ones even with a slow clock', () => {
    const a = rig({ recordSent: true })
    for (let i = 0; i < 4; i++) a.s.send({ body: getUsers(i), method: 'users.getUsers', requestId: i })
    a.flush(T0 + 60_000)
    const st = a.s.state(T0 + 60_000)
    const sent = a.s.takeSent()
    const b = rig({ sessionId: st.sessionId, serverSalt: st.serverSalt, timeOffset: st.timeOffset, resume: { seqNo: st.seqNo, lastMsgId: st.lastMsgId }, recordSent: true })
    expect(b.s.sessionId).toBe(a.s.sessionId)
    // Two requests go again unchanged, one new one joins them; the clock is a minute behind the first driver's.
    for (const rec of sent.slice(0, 2)) b.s.send({ body: getUsers(rec.requestId), method: 'users.getUsers', requestId: rec.requestId, resend: { msgId: rec.msgId, seqNo: rec.seqNo } })
    b.s.send({ body: getUsers(99), method: 'users.getUsers', requestId: 99 })
    const [env] = b.flush(T0)
    const ms = env?.messages ?? []
    expect(ms.slice(0, 2).map((m) => [m.msgId, m.seqNo])).toEqual(sent.slice(0, 2).map((x) => [x.msgId, x.seqNo]))
    const fresh = ms[2]
    expect(fresh !== undefined && fresh.msgId > st.lastMsgId).toBe(true)
    expect(fresh?.seqNo).toBe(2 * st.seqNo + 1)
    expect((env?.msgId ?? 0n) > st.lastMsgId).toBe(true)
    expect(b.s.takeSent().map((x) => x.requestId)).toEqual([0, 1, 99])
  })

  it('refuses a resend that is not a client msg_id', () => {
    const r = rig()
    expect(() => r.s.send({ body: getUsers(1), method: 'users.getUsers', requestId: 1, resend: { msgId: 5n, seqNo: 1 } })).toThrow(ArgumentError)
    expect(() => r.s.send({ body: getUsers(1), method: 'users.getUsers', requestId: 1, resend: { msgId: 8n, seqNo: -1 } })).toThrow(ArgumentError)
  })

  it('msg_id floor and seq_no start', () => {
    const g = new MsgIdGenerator('client')
    const floor = (BigInt(Math.floor(T0 / 1000) + 3600) << 32n) | 0x100n
    g.advancePast(floor)
    expect(g.next(T0) > floor).toBe(true)
    const c = new SeqNoCounter(5)
    expect(c.next(true)).toBe(11)
    expect(c.next(false)).toBe(12)
    expect(() => new SeqNoCounter(-1)).toThrow(ArgumentError)
  })
})
