import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { MAX_CONTAINER_BYTES, MAX_CONTAINER_MESSAGES } from '../../../src/protocol/mtp/container.js'
import { ID_INVOKE_AFTER_MSG } from '../../../src/protocol/mtp/service-ids.js'
import { RESEND_SAME_ID_MAX_AGE_SECONDS } from '../../../src/protocol/mtp/client-session.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { rpcResult, svc } from './fake-server.js'
import { getUsers, resultFor, rig, T0 } from './session-helpers.js'

describe('client session: outgoing', () => {
  it('sends one request alone, with salt, session id, client msg_id and odd seq_no', () => {
    const r = rig()
    r.s.send({ body: getUsers(1), method: 'users.getUsers', requestId: 1 })
    const [env, ...rest] = r.flush()
    expect(rest).toHaveLength(0)
    expect(env?.salt).toBe(0x1122334455667788n)
    expect(env?.sessionId).toBe(r.s.sessionId)
    expect(env?.messages).toHaveLength(1)
    expect(env?.msgId && env.msgId % 4n).toBe(0n)
    expect(env?.seqNo).toBe(1)
    expect(env?.messages[0]?.name).toBe('users.getUsers')
    expect(r.s.firstMsgId).toBe(env?.msgId)
  })

  it('packs small requests into containers: id above the inner ids, even seq_no not below theirs', () => {
    const r = rig()
    for (let i = 0; i < 10; i++) r.s.send({ body: getUsers(i), method: 'users.getUsers', requestId: i })
    const envs = r.flush()
    expect(envs).toHaveLength(1)
    const env = envs[0]
    if (env === undefined) throw new Error('no payload')
    expect(env.messages).toHaveLength(10)
    expect(env.seqNo % 2).toBe(0)
    for (const m of env.messages) {
      expect(env.msgId > m.msgId).toBe(true)
      expect(m.seqNo % 2).toBe(1)
      expect(env.seqNo >= m.seqNo).toBe(true)
    }
    const seqs = env.messages.map((m) => m.seqNo)
    expect(seqs).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19])
  })

  it('respects the message count and byte limits; a big message goes alone', () => {
    const r = rig({ gzipMinBytes: Number.POSITIVE_INFINITY })
    for (let i = 0; i < 2500; i++) r.s.send({ body: new Uint8Array(4).fill(i & 0xff), method: 'x', requestId: i })
    const counts = r.flush().map((e) => e.messages.length)
    expect(counts.every((c) => c <= MAX_CONTAINER_MESSAGES)).toBe(true)
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2500)
    const r2 = rig({ gzipMinBytes: Number.POSITIVE_INFINITY })
    const rnd = seededRandom(3)
    const big = new Uint8Array(MAX_CONTAINER_BYTES + 4096)
    rnd(big)
    r2.s.send({ body: new Uint8Array(8000), method: 'a', requestId: 1 })
    r2.s.send({ body: big, method: 'big', requestId: 2 })
    for (let i = 3; i < 12; i++) r2.s.send({ body: new Uint8Array(8000), method: 'a', requestId: i })
    const envs = r2.flush()
    for (const e of envs) if (e.messages.length > 1) expect(e.body.length).toBeLessThanOrEqual(MAX_CONTAINER_BYTES)
    const alone = envs.find((e) => e.messages.some((m) => m.body.length === big.length))
    expect(alone?.messages).toHaveLength(1)
    expect(envs.flatMap((e) => e.messages)).toHaveLength(11)
  })

  it('gzips a large compressible request and leaves incompressible ones alone', () => {
    const r = rig()
    const text = new Uint8Array(4000).map((_, i) => 65 + (i % 7))
    r.s.send({ body: text, method: 't', requestId: 1 })
    const noise = new Uint8Array(4000)
    seededRandom(5)(noise)
    r.s.send({ body: noise, method: 'n', requestId: 2 })
    const msgs = r.flush().flatMap((e) => e.messages)
    expect(msgs[0]?.gzipped).toBe(true)
    expect([...(msgs[0]?.body ?? [])]).toEqual([...text])
    expect(msgs[1]?.gzipped).toBe(false)
    // The wire format is gzip (1f 8b), as the spec describes packed_data.
    const r2 = rig()
    r2.s.send({ body: text, method: 't', requestId: 1 })
    const wire = r2.server.cipher.decrypt(r2.s.flush(T0)[0] as Uint8Array, { sender: 'client', sessionId: null }).body
    expect(wire.length).toBeLessThan(text.length)
    const at = (wire[4] ?? 0) < 254 ? 5 : 8
    expect([wire[at], wire[at + 1]]).toEqual([0x1f, 0x8b])
  })

  it('wraps a request in invokeAfterMsg with the msg_id of the request it follows', () => {
    const r = rig()
    r.s.send({ body: getUsers(1), method: 'users.getUsers', requestId: 1 })
    r.s.send({ body: getUsers(2), method: 'users.getUsers', requestId: 2, after: 1 })
    const [first, second] = r.flush().flatMap((e) => e.messages)
    const v = new DataView(second?.body.buffer ?? new ArrayBuffer(12), second?.body.byteOffset)
    expect(v.getUint32(0, true)).toBe(ID_INVOKE_AFTER_MSG)
    expect(v.getBigInt64(4, true)).toBe(first?.msgId)
    expect([...(second?.body.subarray(12) ?? [])]).toEqual([...getUsers(2)])
  })

  it('piggybacks acks on outgoing messages and flushes them alone when due, 8192 ids per msgs_ack', () => {
    const r = rig({ ack: { maxPending: 10_000, maxDelayMs: 500 } })
    r.deliver(svc({ _: 'msgs_ack', msgIds: [1n] }))
    expect(r.flush()).toHaveLength(0)
    r.s.send({ body: getUsers(1), method: 'users.getUsers', requestId: 1 })
    const names = r.flush().flatMap((e) => e.messages.map((m) => m.name))
    expect(names).toEqual(['msgs_ack', 'users.getUsers'])
    r.deliver(svc({ _: 'msgs_ack', msgIds: [2n] }))
    expect(r.s.nextDeadline()).toBe(T0 + 500)
    expect(r.flush(T0 + 499)).toHaveLength(0)
    const late = r.flush(T0 + 500)
    expect(late.flatMap((e) => e.messages.map((m) => m.name))).toEqual(['msgs_ack'])
    expect((late[0]?.seqNo ?? 1) % 2).toBe(0)
    const r2 = rig({ ack: { maxPending: 9000 } })
    for (let i = 0; i < 9000; i++) r2.s.acks.add(BigInt(i * 4 + 1), T0)
    const batches = r2.flush().flatMap((e) => e.messages)
    expect(batches.map((m) => m.name)).toEqual(['msgs_ack', 'msgs_ack'])
  })

  it('resends unanswered requests after a reconnect with their original msg_id and seq_no', () => {
    const r = rig()
    for (let i = 0; i < 5; i++) r.s.send({ body: getUsers(i), method: 'users.getUsers', requestId: i })
    const first = r.flush()[0]?.messages ?? []
    r.s.receive(r.server.seal(rpcResult(first[0]?.msgId ?? 0n, resultFor(0)), T0), T0)
    r.s.onReconnect(T0 + 1000)
    const again = r.flush(T0 + 1000).flatMap((e) => e.messages.filter((m) => m.name === 'users.getUsers'))
    expect(again.map((m) => m.msgId)).toEqual(first.slice(1).map((m) => m.msgId))
    expect(again.map((m) => m.seqNo)).toEqual(first.slice(1).map((m) => m.seqNo))
    // Beyond the window the server still tracks, a request gets a new msg_id.
    const later = T0 + (RESEND_SAME_ID_MAX_AGE_SECONDS + 10) * 1000
    r.s.onReconnect(later)
    const fresh = r.flush(later).flatMap((e) => e.messages.filter((m) => m.name === 'users.getUsers'))
    expect(fresh).toHaveLength(4)
    for (const m of fresh) expect(first.some((f) => f.msgId === m.msgId)).toBe(false)
  })

  it('resends a request left unanswered past resendAfterMs under its original msg_id', () => {
    const r = rig({ resendAfterMs: 1000 })
    r.s.send({ body: getUsers(1), method: 'users.getUsers', requestId: 1 })
    const [first] = r.flush(T0).flatMap((e) => e.messages)
    r.s.send({ body: getUsers(2), method: 'users.getUsers', requestId: 2 })
    const [second] = r.flush(T0 + 500).flatMap((e) => e.messages)
    expect(r.s.nextDeadline()).toBe(T0 + 1000)
    r.s.onTimer(T0 + 1000)
    const again = r.flush(T0 + 1000).flatMap((e) => e.messages.filter((m) => m.name === 'users.getUsers'))
    expect(again.map((m) => [m.msgId, m.seqNo])).toEqual([[first?.msgId, first?.seqNo]])
    // The second request is now the oldest unanswered one.
    expect(r.s.nextDeadline()).toBe(T0 + 1500)
    expect(second).toBeDefined()
  })

  it('an answer to an earlier send completes a request waiting to be resent, and it is not sent again', () => {
    const r = rig()
    r.s.send({ body: getUsers(1), method: 'users.getUsers', requestId: 1 })
    const [m] = r.flush(T0).flatMap((e) => e.messages)
    // bad_server_salt moves it back to the queue under a new msg_id...
    r.deliver(svc({ _: 'bad_server_salt', badMsgId: m?.msgId ?? 0n, badMsgSeqno: 1, errorCode: 48, newServerSalt: 3n }), { contentRelated: false })
    // ...but the answer to the first send arrives before the resend goes out.
    const ev = r.deliver(rpcResult(m?.msgId ?? 0n, resultFor(1)))
    expect(ev.filter((e) => e.type === 'result')).toHaveLength(1)
    expect(r.flush(T0 + 10).flatMap((e) => e.messages.filter((x) => x.name === 'users.getUsers'))).toHaveLength(0)
    expect(r.s.outbox.byRequest.size).toBe(0)
  })

  it('rejects bad requests with ArgumentError', () => {
    const r = rig()
    expect(() => r.s.send({ body: new Uint8Array(3), method: 'x', requestId: 1 })).toThrow(ArgumentError)
    expect(() => r.s.send({ body: new Uint8Array(4), method: 'x', requestId: -1 })).toThrow(ArgumentError)
    r.s.send({ body: new Uint8Array(4), method: 'x', requestId: 1 })
    expect(() => r.s.send({ body: new Uint8Array(4), method: 'x', requestId: 1 })).toThrow(ArgumentError)
    expect(() => r.s.send({ body: new Uint8Array(2 * 1024 * 1024), method: 'x', requestId: 2 })).toThrow(ArgumentError)
  })

  it('cancels a request: unsent ones are dropped, late answers ignored', () => {
    const r = rig()
    r.s.send({ body: getUsers(1), method: 'users.getUsers', requestId: 1 })
    r.s.send({ body: getUsers(2), method: 'users.getUsers', requestId: 2 })
    expect(r.s.cancel(2)).toBe(true)
    const [m] = r.flush().flatMap((e) => e.messages)
    expect(r.s.cancel(1)).toBe(true)
    expect(r.deliver(rpcResult(m?.msgId ?? 0n, resultFor(1)))).toEqual([])
    expect(r.s.cancel(1)).toBe(false)
  })

  it('pipelines 10,000 distinct requests through the fake server, each answered exactly once', () => {
    const r = rig()
    const n = 10_000
    for (let i = 0; i < n; i++) r.s.send({ body: getUsers(i), method: 'users.getUsers', requestId: i })
    const envs = r.flush()
    const answers: Uint8Array[] = []
    const seen = new Set<bigint>()
    for (const e of envs) {
      for (const m of e.messages) {
        if (m.name !== 'users.getUsers') continue
        expect(seen.has(m.msgId)).toBe(false)
        seen.add(m.msgId)
        const id = Number(new DataView(m.body.buffer, m.body.byteOffset).getBigInt64(16, true))
        answers.push(rpcResult(m.msgId, resultFor(id)))
      }
    }
    expect(seen.size).toBe(n)
    const got = new Map<number, number>()
    for (let i = 0; i < answers.length; i += 200) {
      const chunk = answers.slice(i, i + 200).map((body) => ({ body, contentRelated: true }))
      for (const ev of r.s.receive(r.server.container(chunk, T0), T0)) {
        if (ev.type !== 'result') continue
        got.set(ev.requestId, new DataView(ev.body.buffer, ev.body.byteOffset).getInt32(4, true))
      }
    }
    expect(got.size).toBe(n)
    for (const [req, value] of got) expect(value).toBe(req)
    expect(r.s.outbox.sent.size).toBe(0)
  })
})
