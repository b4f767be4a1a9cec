import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { SecurityError } from '../../../src/protocol/errors.js'
import { SessionError } from '../../../src/protocol/mtp/client-errors.js'
import type { SessionEvent } from '../../../src/protocol/mtp/client-session.js'
import { SEQ_LOWER_STEP, SEQ_RAISE_STEP } from '../../../src/protocol/mtp/bad-msg.js'
import { RpcError } from '../../../src/protocol/rpc-error.js'
import { rpcResult, svc } from './fake-server.js'
import { getUsers, type Rig, resultFor, rig, T0 } from './session-helpers.js'

/** Sends `n` requests and returns their msg_ids as the server saw them. */
function sendSome(r: Rig, n: number, nowMs = T0): bigint[] {
  for (let i = 0; i < n; i++) r.s.send({ body: getUsers(i), method: 'users.getUsers', requestId: i })
  return r
    .flush(nowMs)
    .flatMap((e) => e.messages)
    .filter((m) => m.name === 'users.getUsers')
    .map((m) => m.msgId)
}

function only<T extends SessionEvent['type']>(events: SessionEvent[], type: T): Extract<SessionEvent, { type: T }>[] {
  return events.filter((e): e is Extract<SessionEvent, { type: T }> => e.type === type)
}

const RPC_ERROR = (code: number, message: string): Uint8Array => svc({ _: 'rpc_error', errorCode: code, errorMessage: message })

describe('client session: incoming', () => {
  it('matches rpc_result to its request, unwraps gzip and parses rpc_error', () => {
    const r = rig()
    const [a, b, c] = sendSome(r, 3)
    const ev1 = r.deliver(rpcResult(a ?? 0n, resultFor(7)))
    expect(ev1).toEqual([{ type: 'result', requestId: 0, body: resultFor(7) }])
    const packed = svc({ _: 'gzip_packed', packedData: gzipSync(resultFor(8)) })
    expect(r.deliver(rpcResult(b ?? 0n, packed))).toEqual([{ type: 'result', requestId: 1, body: resultFor(8) }])
    const [err] = only(r.deliver(rpcResult(c ?? 0n, RPC_ERROR(420, 'FLOOD_WAIT_17'))), 'rpc-error')
    expect(err?.requestId).toBe(2)
    expect(err?.error).toBeInstanceOf(RpcError)
    expect(err?.error.waitSeconds).toBe(17)
    expect(err?.error.method).toBe('users.getUsers')
    // A duplicate answer is ignored, and still acknowledged.
    expect(r.deliver(rpcResult(a ?? 0n, resultFor(7)))).toEqual([])
    expect(r.s.acks.size).toBe(4)
  })

  it('bad_server_salt: takes the salt and resends under a new msg_id', () => {
    const r = rig()
    const [a] = sendSome(r, 1)
    const ev = r.deliver(svc({ _: 'bad_server_salt', badMsgId: a ?? 0n, badMsgSeqno: 1, errorCode: 48, newServerSalt: 777n }), { contentRelated: false })
    expect(only(ev, 'state')[0]?.serverSalt).toBe(777n)
    const [env] = r.flush()
    expect(env?.salt).toBe(777n)
    const m = env?.messages.find((x) => x.name === 'users.getUsers')
    expect(m?.msgId).not.toBe(a)
  })

  it('bad_msg_notification 16/17: resyncs time from the notification msg_id, then resends', () => {
    for (const code of [16, 17]) {
      const r = rig()
      const [a] = sendSome(r, 1)
      const skew = code === 16 ? 600 : -600
      const serverNow = T0 + skew * 1000
      const notif = r.server.seal(svc({ _: 'bad_msg_notification', badMsgId: a ?? 0n, badMsgSeqno: 1, errorCode: code }), serverNow, { contentRelated: false })
      // The notification itself is outside our replay window, so resync happens through the ids it carries:
      // deliver it with the session's clock already agreeing (a real server's clock), then check the new offset.
      r.s.msgIds.setTimeOffset(skew)
      const ev = r.s.receive(notif, T0)
      expect(only(ev, 'state')).toHaveLength(1)
      expect(Math.abs(r.s.timeOffset - skew)).toBeLessThan(1)
      const resent = r.flush().flatMap((e) => e.messages).find((m) => m.name === 'users.getUsers')
      expect(resent?.msgId).not.toBe(a)
      expect(Math.abs(Number((resent?.msgId ?? 0n) >> 32n) - serverNow / 1000)).toBeLessThan(2)
    }
  })

  it('bad_msg_notification 18/34/35 fail the request; 19/20 resend; 32/33 move the seq counter', () => {
    for (const code of [18, 34, 35]) {
      const r = rig()
      const [a] = sendSome(r, 1)
      const [f] = only(r.deliver(svc({ _: 'bad_msg_notification', badMsgId: a ?? 0n, badMsgSeqno: 1, errorCode: code })), 'failed')
      expect(f?.requestId).toBe(0)
      expect(f?.error).toBeInstanceOf(SessionError)
      expect(f?.error instanceof SessionError ? f.error.code : undefined).toBe(code)
      expect(r.flush().flatMap((e) => e.messages.filter((m) => m.name === 'users.getUsers'))).toHaveLength(0)
    }
    for (const code of [19, 20]) {
      const r = rig()
      const [a] = sendSome(r, 1)
      r.deliver(svc({ _: 'bad_msg_notification', badMsgId: a ?? 0n, badMsgSeqno: 1, errorCode: code }))
      const again = r.flush().flatMap((e) => e.messages.filter((m) => m.name === 'users.getUsers'))
      expect(again).toHaveLength(1)
      expect(again[0]?.msgId).not.toBe(a)
    }
    for (const [code, delta] of [
      [32, SEQ_RAISE_STEP],
      [33, -SEQ_LOWER_STEP],
    ] as const) {
      const r = rig()
      const ids = sendSome(r, 20)
      const before = r.s.seq.contentCount
      r.deliver(svc({ _: 'bad_msg_notification', badMsgId: ids[19] ?? 0n, badMsgSeqno: 39, errorCode: code }))
      const again = r.flush().flatMap((e) => e.messages.filter((m) => m.name === 'users.getUsers'))
      expect(again[0]?.seqNo).toBe((before + delta) * 2 + 1)
    }
  })

  it('bad_msg_notification 64 on a container resends its messages one per payload', () => {
    const r = rig()
    sendSome(r, 3)
    const cid = r.s.outbox.containers.keys().next().value ?? 0n
    r.deliver(svc({ _: 'bad_msg_notification', badMsgId: cid, badMsgSeqno: 6, errorCode: 64 }))
    const envs = r.flush()
    const withReq = envs.filter((e) => e.messages.some((m) => m.name === 'users.getUsers'))
    expect(withReq).toHaveLength(3)
    for (const e of withReq) expect(e.messages.filter((m) => m.name === 'users.getUsers')).toHaveLength(1)
  })

  it('keeps a container record only while a message in it has its latest send there', () => {
    const r = rig()
    const [a, b, c] = sendSome(r, 3)
    const [cid] = [...r.s.outbox.containers.keys()]
    expect(r.s.outbox.containers.get(cid ?? 0n)?.ids).toEqual([a, b, c])
    r.deliver(rpcResult(a ?? 0n, resultFor(1)))
    r.deliver(rpcResult(b ?? 0n, resultFor(2)))
    // One message is still out in it: a notification about the container still reaches that message.
    expect(r.s.outbox.containers.has(cid ?? 0n)).toBe(true)
    expect(r.s.outbox.sentAmong([cid ?? 0n]).map((q) => q.requestId)).toEqual([2])
    r.deliver(rpcResult(c ?? 0n, resultFor(3)))
    expect(r.s.outbox.containers.size).toBe(0)
    // Sent again elsewhere: the old container no longer names the message's latest send, and its record goes.
    const [d, e] = sendSome(r, 2)
    const [old] = [...r.s.outbox.containers.keys()]
    r.deliver(rpcResult(d ?? 0n, resultFor(4)))
    r.deliver(svc({ _: 'bad_server_salt', badMsgId: e ?? 0n, badMsgSeqno: 3, errorCode: 48, newServerSalt: 5n }), { contentRelated: false })
    const again = r.flush().flatMap((x) => x.messages.filter((m) => m.name === 'users.getUsers'))
    expect(again).toHaveLength(1)
    expect(r.s.outbox.containers.has(old ?? 0n)).toBe(false)
  })

  it('new_session_created: new salt, event, and earlier requests sent again under their original msg_id', () => {
    const r = rig()
    const [a] = sendSome(r, 1)
    const first = (a ?? 0n) + 4n
    const ev = r.deliver(svc({ _: 'new_session_created', firstMsgId: first, uniqueId: 5n, serverSalt: 99n }), { kind: 'other' })
    expect(only(ev, 'new-session')).toEqual([{ type: 'new-session', firstMsgId: first, serverSalt: 99n }])
    const [env] = r.flush()
    expect(env?.salt).toBe(99n)
    expect(env?.messages.some((m) => m.name === 'users.getUsers' && m.msgId === a)).toBe(true)
  })

  it('prefetches future salts, switches salt when one becomes valid, and schedules the next prefetch', () => {
    const r = rig({ futureSalts: true })
    const [env] = r.flush()
    const req = env?.messages.find((m) => m.name === 'get_future_salts')
    expect(req).toBeDefined()
    const now = T0 / 1000
    const salts = [
      { _: 'future_salt' as const, validSince: now - 10, validUntil: now + 1800, salt: 1001n },
      { _: 'future_salt' as const, validSince: now + 1800, validUntil: now + 3600, salt: 1002n },
    ]
    r.deliver(svc({ _: 'future_salts', reqMsgId: req?.msgId ?? 0n, now, salts }), { contentRelated: false })
    expect(r.s.currentSalt(T0)).toBe(1001n)
    expect(r.s.currentSalt(T0 + 1801_000)).toBe(1002n)
    expect(r.s.nextDeadline()).toBe((now + 3600 - 300) * 1000)
    const later = r.flush(T0 + (3600 - 299) * 1000)
    expect(later.flatMap((e) => e.messages.map((m) => m.name))).toContain('get_future_salts')
  })

  it('follows three salt rotations without a bad_server_salt, prefetching before the last one expires', () => {
    const r = rig({ futureSalts: true })
    const base = T0 / 1000
    const req = r.flush().flatMap((e) => e.messages).find((m) => m.name === 'get_future_salts')
    const salts = [0, 1, 2, 3].map((i) => ({ _: 'future_salt' as const, validSince: base + i * 1000, validUntil: base + (i + 1) * 1000 + 60, salt: 5000n + BigInt(i) }))
    r.deliver(svc({ _: 'future_salts', reqMsgId: req?.msgId ?? 0n, now: base, salts }), { contentRelated: false })
    const seen: bigint[] = []
    for (let i = 0; i < 4; i++) {
      // The last step lands inside the refresh margin (300 s) of the last salt, which ends at base + 4060.
      const now = T0 + (i < 3 ? i * 1000 + 10 : 3800) * 1000
      r.s.send({ body: getUsers(i), method: 'users.getUsers', requestId: 100 + i })
      const envs = r.flush(now)
      seen.push(envs[0]?.salt ?? -1n)
      const asked = envs.flatMap((e) => e.messages).some((m) => m.name === 'get_future_salts')
      // Only once the last known salt is within the refresh margin does the session ask again.
      expect(asked).toBe(i === 3)
    }
    expect(seen).toEqual([5000n, 5001n, 5002n, 5003n])
  })

  it('msgs_ack marks requests acknowledged', () => {
    const r = rig()
    const [a] = sendSome(r, 1)
    r.deliver(svc({ _: 'msgs_ack', msgIds: [a ?? 0n] }), { contentRelated: false })
    expect(r.s.outbox.sent.get(a ?? 0n)?.acked).toBe(true)
  })

  it('msg_detailed_info: resend request for a pending answer, ack for one we have', () => {
    const r = rig()
    const [a, b] = sendSome(r, 2)
    r.deliver(rpcResult(b ?? 0n, resultFor(1)))
    r.flush(T0 + 600)
    r.deliver(svc({ _: 'msg_detailed_info', msgId: a ?? 0n, answerMsgId: 0x123n * 4n + 1n, bytes: 8, status: 0 }), { contentRelated: false })
    r.deliver(svc({ _: 'msg_detailed_info', msgId: b ?? 0n, answerMsgId: 0x456n * 4n + 1n, bytes: 8, status: 0 }), { contentRelated: false })
    const msgs = r.flush(T0 + 1200).flatMap((e) => e.messages)
    const resend = msgs.find((m) => m.name === 'msg_resend_req')
    expect(resend).toBeDefined()
    const ack = msgs.find((m) => m.name === 'msgs_ack')
    expect(ack).toBeDefined()
    // msg_new_detailed_info for an answer never received -> resend request.
    r.deliver(svc({ _: 'msg_new_detailed_info', answerMsgId: 0x789n * 4n + 1n, bytes: 8, status: 0 }), { contentRelated: false })
    expect(r.flush(T0 + 1300).flatMap((e) => e.messages.map((m) => m.name))).toContain('msg_resend_req')
  })

  it('answers msgs_state_req with msgs_state_info', () => {
    const r = rig()
    const seenBody = svc({ _: 'msgs_ack', msgIds: [4n] })
    const sealed = r.server.seal(seenBody, T0, { contentRelated: false })
    r.s.receive(sealed, T0)
    const known = r.s.replay
    expect(known).toBeDefined()
    const recv = r.server.ids.last
    const stale = ((BigInt(T0 / 1000) - 1000n) << 32n) | 1n
    r.deliver(svc({ _: 'msgs_state_req', msgIds: [recv, recv + 4000n, stale] }))
    const info = r.flush().flatMap((e) => e.messages).find((m) => m.name === 'msgs_state_info')
    expect(info).toBeDefined()
    // body: id(4) reqMsgId(8) bytes: len(1) + 3 status bytes
    expect([...(info?.body.subarray(13, 16) ?? [])]).toEqual([4, 2, 3])
  })

  it('queryState then msgs_state_info: resends what the server never received, same msg_id', () => {
    const r = rig()
    const [a, b] = sendSome(r, 2)
    r.s.queryState()
    const q = r.flush().flatMap((e) => e.messages).find((m) => m.name === 'msgs_state_req')
    expect(q).toBeDefined()
    r.deliver(svc({ _: 'msgs_state_info', reqMsgId: q?.msgId ?? 0n, info: Uint8Array.of(4, 2) }), { contentRelated: false })
    const again = r.flush().flatMap((e) => e.messages.filter((m) => m.name === 'users.getUsers'))
    expect(again.map((m) => m.msgId)).toEqual([b])
    expect(r.s.outbox.sent.get(a ?? 0n)?.acked).toBe(true)
  })

  it('msg_resend_req resends the named messages with their ids', () => {
    const r = rig()
    const [a, b] = sendSome(r, 2)
    r.deliver(svc({ _: 'msg_resend_req', msgIds: [b ?? 0n] }))
    const again = r.flush().flatMap((e) => e.messages.filter((m) => m.name === 'users.getUsers'))
    expect(again.map((m) => m.msgId)).toEqual([b])
    expect(a).toBeDefined()
  })

  it('keepalive: ping_delay_disconnect on its interval, pong clears it, silence marks the link dead', () => {
    const r = rig({ pingIntervalMs: 1000, pingTimeoutMs: 500 })
    r.flush(T0)
    expect(r.s.nextDeadline()).toBe(T0 + 1000)
    expect(r.s.onTimer(T0 + 1000)).toBe('ok')
    const ping = r.flush(T0 + 1000).flatMap((e) => e.messages).find((m) => m.name === 'ping_delay_disconnect')
    expect(ping).toBeDefined()
    expect(r.s.nextDeadline()).toBe(T0 + 1500)
    const pingId = new DataView(ping?.body.buffer ?? new ArrayBuffer(16), ping?.body.byteOffset).getBigInt64(4, true)
    expect(r.deliver(svc({ _: 'pong', msgId: ping?.msgId ?? 0n, pingId }), { contentRelated: false })).toEqual([])
    expect(r.s.nextDeadline()).toBe(T0 + 2000)
    r.s.onTimer(T0 + 2000)
    r.flush(T0 + 2000)
    expect(r.s.onTimer(T0 + 2600)).toBe('dead')
  })

  it('routes a user ping, destroy_session answers and updates', () => {
    const r = rig()
    r.s.send({ body: svc({ _: 'ping', pingId: 5n }), method: 'ping', requestId: 1 })
    r.s.send({ body: svc({ _: 'destroy_session', sessionId: 9n }), method: 'destroy_session', requestId: 2 })
    const msgs = r.flush().flatMap((e) => e.messages)
    const pong = svc({ _: 'pong', msgId: msgs[0]?.msgId ?? 0n, pingId: 5n })
    expect(r.deliver(pong, { contentRelated: false })).toEqual([{ type: 'result', requestId: 1, body: pong }])
    const ok = svc({ _: 'destroy_session_ok', sessionId: 9n })
    expect(r.deliver(ok, { contentRelated: false })).toEqual([{ type: 'result', requestId: 2, body: ok }])
    const upd = Uint8Array.of(0x7e, 0xaf, 0x17, 0xe3) // updatesTooLong
    expect(r.deliver(upd, { kind: 'other' })).toEqual([{ type: 'update', body: upd }])
  })

  it('skips an unknown constructor inside a container and handles the rest', () => {
    const r = rig()
    const [a, b] = sendSome(r, 2)
    const unknown = Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4)
    const payload = r.server.container(
      [{ body: rpcResult(a ?? 0n, resultFor(1)) }, { body: unknown }, { body: rpcResult(b ?? 0n, resultFor(2)) }],
      T0,
    )
    const ev = r.s.receive(payload, T0)
    expect(only(ev, 'result').map((e) => e.requestId)).toEqual([0, 1])
    expect(r.s.skipped).toBe(1)
  })

  it('rejects replays and stale msg_ids, resyncs the clock on a consistent skew, and survives forgeries', () => {
    const r = rig()
    const body = svc({ _: 'msgs_ack', msgIds: [4n] })
    const sealed = r.server.seal(body, T0, { contentRelated: false })
    r.s.receive(sealed, T0)
    expect(() => r.s.receive(sealed, T0)).toThrow(SecurityError)
    const forged = r.server.seal(body, T0, { contentRelated: false })
    forged[40] = (forged[40] ?? 0) ^ 1
    expect(() => r.s.receive(forged, T0)).toThrow(SecurityError)
    // The server clock is 1000 s ahead of ours: three consistent rejections trigger a resync.
    const ahead = T0 + 1_000_000
    const reasons: string[] = []
    for (let i = 0; i < 3; i++) {
      try {
        r.s.receive(r.server.seal(body, ahead, { contentRelated: false }), T0)
      } catch (e) {
        reasons.push(e instanceof SecurityError ? e.reason : 'other')
      }
    }
    expect(reasons).toEqual(['msg-id-too-new', 'msg-id-too-new', 'msg-id-too-new'])
    expect(Math.round(r.s.timeOffset)).toBe(1000)
    const ev = r.s.receive(r.server.seal(body, ahead + 10, { contentRelated: false }), T0 + 10)
    expect(only(ev, 'state')).toHaveLength(1)
  })

  it('fails every pending request on close', () => {
    const r = rig()
    sendSome(r, 2)
    const ev = r.s.close()
    expect(ev.map((e) => e.type)).toEqual(['failed', 'failed'])
  })
})
