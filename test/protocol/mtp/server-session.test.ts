import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Cluster, startCluster } from '../../../src/testing/index.js'
import { writeContainer } from '../../../src/protocol/mtp/server-wire.js'
import { type Api, readResultByName, serializeObject, type Mt } from '../../../src/tl/index.js'
import { initWrap } from '../../testing/helpers/mini-client.js'
import { container, getUser, openClient } from '../../testing/helpers/setup.js'

let cluster: Cluster
beforeAll(async () => {
  cluster = await startCluster({ dcs: 1, saltLifetimeSeconds: 60, loginRequired: false })
})
afterAll(async () => {
  await cluster.close()
})

const field = <T>(o: object, k: string): T => (o as Record<string, T>)[k] as T

describe('server session', () => {
  it('answers bad_server_salt for a wrong salt, then executes with the new one', async () => {
    const c = await openClient(cluster)
    try {
      c.salt = 7n
      const bad = c.send(initWrap({ _: 'help.getConfig' }))
      const notice = await c.waitFor((m) => m.obj._ === 'bad_server_salt')
      expect(field(notice.obj, 'badMsgId')).toBe(bad)
      expect(field(notice.obj, 'errorCode')).toBe(48)
      c.salt = field<bigint>(notice.obj, 'newServerSalt')
      const good = c.send(initWrap({ _: 'help.getConfig' }))
      await c.waitResult(good)
      expect(c.result(bad)).toBeUndefined()
      expect(cluster.dc(1).executions.byMsgId.get(bad)).toBeUndefined()
    } finally {
      c.close()
    }
  })

  it('refuses calls before initConnection, remembers it per key (any session) with its layer, checks the layer', async () => {
    const c = await openClient(cluster)
    try {
      const before = c.send({ _: 'help.getNearestDc' })
      await c.waitFor(() => c.result(before) !== undefined)
      const err = readResultByName(c.result(before)?.raw ?? new Uint8Array(), 'help.getNearestDc') as unknown as Mt.rpc_error
      expect(err).toMatchObject({ _: 'rpc_error', errorCode: 400, errorMessage: 'CONNECTION_NOT_INITED' })
      const low = c.send(initWrap({ _: 'help.getNearestDc' }, 197))
      await c.waitFor(() => c.result(low) !== undefined)
      expect(readResultByName(c.result(low)?.raw ?? new Uint8Array(), 'help.getNearestDc')).toMatchObject({ errorMessage: 'LAYER_INVALID' })
      const ok = c.send(initWrap({ _: 'help.getNearestDc' }, 198))
      await c.waitFor(() => c.result(ok) !== undefined)
      expect(readResultByName(c.result(ok)?.raw ?? new Uint8Array(), 'help.getNearestDc')).toMatchObject({ _: 'nearestDc', thisDc: 1 })
      c.sessionId += 1n
      const other = c.send({ _: 'help.getNearestDc' })
      await c.waitFor(() => c.result(other) !== undefined)
      expect(readResultByName(c.result(other)?.raw ?? new Uint8Array(), 'help.getNearestDc')).toMatchObject({ _: 'nearestDc' })
    } finally {
      c.close()
    }
  })

  it('unpacks containers, answers each message, and acks content-related ones', async () => {
    const c = await openClient(cluster)
    try {
      c.send(initWrap({ _: 'help.getNearestDc' }))
      const { body, ids } = container(c, [{ body: getUser(11n) }, { body: getUser(12n) }, { body: { _: 'ping', pingId: 5n } }])
      c.send(body, { contentRelated: false })
      for (const id of ids.slice(0, 2)) await c.waitFor(() => c.result(id) !== undefined)
      const users = readResultByName(c.result(ids[1] ?? 0n)?.raw ?? new Uint8Array(), 'users.getUsers') as Api.User[]
      expect(users.map((u) => (u as Api.user).id)).toEqual([12n])
      await c.waitFor((m) => m.obj._ === 'pong' && field(m.obj, 'pingId') === 5n)
      const acks = c.received.filter((m) => m.obj._ === 'msgs_ack').flatMap((m) => field<bigint[]>(m.obj, 'msgIds'))
      expect(acks).toEqual(expect.arrayContaining(ids))
    } finally {
      c.close()
    }
  })

  it('never executes a duplicate msg_id: cached answer while unacked, msg_detailed_info after the ack', async () => {
    const c = await openClient(cluster)
    try {
      c.send(initWrap({ _: 'help.getNearestDc' }))
      const id = c.send(getUser(5000n))
      const first = await c.waitResult(id)
      const again = c.send(getUser(5000n), { msgId: id, seqno: first.seqno })
      expect(again).toBe(id)
      await c.waitFor(() => c.received.filter((m) => m.obj._ === 'rpc_result' && field(m.obj, 'reqMsgId') === id).length === 2)
      const answers = c.received.filter((m) => m.obj._ === 'rpc_result' && field(m.obj, 'reqMsgId') === id)
      expect(answers[1]?.msgId).toBe(answers[0]?.msgId)
      c.send({ _: 'msgs_ack', msgIds: [answers[0]?.msgId ?? 0n] }, { contentRelated: false })
      c.send(getUser(5000n), { msgId: id, seqno: 1 })
      const info = await c.waitFor((m) => m.obj._ === 'msg_detailed_info')
      expect(info.obj).toMatchObject({ msgId: id, answerMsgId: answers[0]?.msgId })
      expect(cluster.dc(1).executions.byMsgId.get(id)).toBe(1)
      expect(cluster.dc(1).executions.byArgument.get('users.getUsers:5000')).toBe(1)
      c.send({ _: 'msg_resend_req', msgIds: [answers[0]?.msgId ?? 0n] })
      await c.waitFor(() => c.received.filter((m) => m.obj._ === 'rpc_result' && field(m.obj, 'reqMsgId') === id).length === 3)
    } finally {
      c.close()
    }
  })

  it('emits bad_msg_notification codes 16, 17, 18, 19, 32, 33, 34, 35 and 64 where the client is wrong', async () => {
    const c = await openClient(cluster)
    const code = async (id: bigint): Promise<number> =>
      field<number>((await c.waitFor((m) => m.obj._ === 'bad_msg_notification' && field(m.obj, 'badMsgId') === id)).obj, 'errorCode')
    try {
      c.send(initWrap({ _: 'help.getNearestDc' }))
      const now = BigInt(Math.floor(Date.now() / 1000))
      expect(await code(c.send(getUser(1n), { msgId: (now - 400n) << 32n }))).toBe(16)
      expect(await code(c.send(getUser(1n), { msgId: (now + 60n) << 32n }))).toBe(17)
      expect(await code(c.send(getUser(1n), { msgId: c.msgIds.next(Date.now()) | 1n }))).toBe(18)
      expect(await code(c.send(container(c, [{ body: getUser(1n) }]).body, { seqno: 7 }))).toBe(34)
      expect(await code(c.send(getUser(1n), { seqno: 2 }))).toBe(35)
      const hi = c.send(getUser(2n), { seqno: 101 })
      await c.waitFor(() => c.result(hi) !== undefined)
      expect(await code(c.send(getUser(3n), { seqno: 51 }))).toBe(32)
      expect(await code(c.send(getUser(3n), { msgId: hi - 4000n, seqno: 201 }))).toBe(33)
      const nested = container(c, [{ body: getUser(4n) }])
      const inner = c.msgIds.next(Date.now())
      const wrapper = c.msgIds.next(Date.now())
      const twice = writeContainer([{ msgId: inner, seqno: 0, body: nested.body }])
      c.send(twice, { msgId: wrapper, seqno: 0 })
      expect(await code(inner)).toBe(64)
      const backwards = writeContainer([{ msgId: c.msgIds.next(Date.now()) + 4000n, seqno: c.seq.next(true), body: serializeObject(getUser(6n)) }])
      expect(await code(c.send(backwards, { contentRelated: false }))).toBe(64)
      c.seq.adjust(200)
      const cont = container(c, [{ body: getUser(5n) }])
      const cid = c.send(cont.body, { contentRelated: false })
      await c.waitFor(() => c.result(cont.ids[0] ?? 0n) !== undefined)
      expect(await code(c.send(cont.body, { msgId: cid, seqno: 0 }))).toBe(19)
    } finally {
      c.close()
    }
  })

  it('answers ping, get_future_salts, msgs_state_req, destroy_session and rpc_drop_answer', async () => {
    const c = await openClient(cluster)
    try {
      c.send(initWrap({ _: 'help.getNearestDc' }))
      const ping = c.send({ _: 'ping', pingId: 99n })
      expect((await c.waitFor((m) => m.obj._ === 'pong')).obj).toMatchObject({ msgId: ping, pingId: 99n })
      const fs = c.send({ _: 'get_future_salts', num: 3 })
      const salts = (await c.waitFor((m) => m.obj._ === 'future_salts')).obj as unknown as Mt.future_salts
      expect(salts.reqMsgId).toBe(fs)
      expect(salts.salts).toHaveLength(3)
      expect(salts.salts[1]?.validSince).toBe(salts.salts[0]?.validUntil)
      const answered = c.send(getUser(77n))
      await c.waitFor(() => c.result(answered) !== undefined)
      const unknownId = c.msgIds.next(Date.now()) + 400n
      c.send({ _: 'msgs_state_req', msgIds: [answered, unknownId] })
      const info = (await c.waitFor((m) => m.obj._ === 'msgs_state_info')).obj as unknown as Mt.msgs_state_info
      expect((info.info[0] ?? 0) & 4).toBe(4)
      expect(info.info[1]).toBe(2)
      c.send({ _: 'destroy_session', sessionId: 123n })
      expect((await c.waitFor((m) => m.obj._.startsWith('destroy_session'))).obj).toMatchObject({ _: 'destroy_session_none', sessionId: 123n })
      const other = c.sessionId
      c.sessionId = other + 1n
      await c.waitResult(c.send({ _: 'help.getNearestDc' }))
      c.send({ _: 'destroy_session', sessionId: other })
      expect((await c.waitFor((m) => m.obj._ === 'destroy_session_ok')).obj).toMatchObject({ sessionId: other })
      const drop = c.send(getUser(78n))
      await c.waitFor(() => c.result(drop) !== undefined)
      const dropReq = c.send({ _: 'rpc_drop_answer', reqMsgId: drop })
      await c.waitFor(() => c.result(dropReq) !== undefined)
      expect(readResultByName(c.result(dropReq)?.raw ?? new Uint8Array(), 'rpc_drop_answer')).toMatchObject({ _: 'rpc_answer_dropped' })
      const unk = c.send({ _: 'rpc_drop_answer', reqMsgId: 4n })
      await c.waitFor(() => c.result(unk) !== undefined)
      expect(readResultByName(c.result(unk)?.raw ?? new Uint8Array(), 'rpc_drop_answer')).toMatchObject({ _: 'rpc_answer_unknown' })
    } finally {
      c.close()
    }
  })

  it('resends unacknowledged answers on a new connection of the same session', async () => {
    const c = await openClient(cluster)
    try {
      c.send(initWrap({ _: 'help.getNearestDc' }))
      const id = c.send(getUser(31n))
      const first = await c.waitResult(id)
      await c.reconnect()
      c.received.length = 0
      c.send({ _: 'ping', pingId: 1n })
      const again = await c.waitResult(id)
      expect(again.msgId).toBe(first.msgId)
      expect(cluster.dc(1).executions.byMsgId.get(id)).toBe(1)
    } finally {
      c.close()
    }
  })

  it('fails only the message with an unknown constructor inside a container', async () => {
    const c = await openClient(cluster)
    try {
      c.send(initWrap({ _: 'help.getNearestDc' }))
      const a = c.msgIds.next(Date.now())
      const b = c.msgIds.next(Date.now())
      const body = writeContainer([
        { msgId: a, seqno: c.seq.next(true), body: Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0) },
        { msgId: b, seqno: c.seq.next(true), body: serializeObject(getUser(8n)) },
      ])
      c.send(body, { contentRelated: false })
      await c.waitFor(() => c.result(a) !== undefined && c.result(b) !== undefined)
      expect(readResultByName(c.result(a)?.raw ?? new Uint8Array(), 'help.getNearestDc')).toMatchObject({ errorMessage: 'INPUT_CONSTRUCTOR_INVALID' })
      expect((readResultByName(c.result(b)?.raw ?? new Uint8Array(), 'users.getUsers') as Api.user[])[0]?.id).toBe(8n)
    } finally {
      c.close()
    }
  })

  it('pushes updates to connected sessions', async () => {
    const c = await openClient(cluster)
    try {
      const id = c.send(initWrap({ _: 'help.getNearestDc' }))
      await c.waitFor(() => c.result(id) !== undefined)
      const sent = cluster.pushUpdate(1, { _: 'updatesTooLong' })
      expect(sent).toBeGreaterThanOrEqual(1)
      await c.waitFor((m) => m.obj._ === 'updatesTooLong')
    } finally {
      c.close()
    }
  })

  it('destroy_auth_key answers, then the key is unknown (-404)', async () => {
    const c = await openClient(cluster)
    try {
      c.send({ _: 'destroy_auth_key' })
      await c.waitFor((m) => m.obj._ === 'destroy_auth_key_ok')
      c.send({ _: 'ping', pingId: 2n })
      await c.waitClosed()
      expect(c.transportErrors).toEqual([-404])
    } finally {
      c.close()
    }
  })
})

describe('salt rotation', () => {
  it('rotates salts on the configured lifetime across 3 rotations; the previous salt stays valid, older ones get bad_server_salt', async () => {
    const c = await openClient(cluster)
    const dc = cluster.dc(1)
    try {
      await c.waitResult(c.send(initWrap({ _: 'help.getNearestDc' })))
      const fs = c.send({ _: 'get_future_salts', num: 5 })
      const future = (await c.waitFor((m) => m.obj._ === 'future_salts' && field(m.obj, 'reqMsgId') === fs)).obj as unknown as Mt.future_salts
      const seen = new Set<bigint>()
      for (let r = 1; r <= 3; r++) {
        // One lifetime later (the DC clock is moved; client msg_ids follow it).
        dc.clock.skewSeconds += 60
        c.msgIds.setTimeOffset(dc.clock.skewSeconds)
        const stale = c.send(getUser(BigInt(600 + r)), { salt: future.salts[r - 1]?.salt ?? 0n })
        await c.waitResult(stale)
        const nowW = Math.floor((Date.now() / 1000 + dc.clock.skewSeconds) / 60)
        const expected = future.salts.find((s) => Math.floor(s.validSince / 60) === nowW)
        expect(expected).toBeDefined()
        c.salt = expected?.salt ?? 0n
        seen.add(c.salt)
        await c.waitResult(c.send(getUser(BigInt(700 + r))))
      }
      expect(seen.size).toBe(3)
      const old = c.send(getUser(800n), { salt: future.salts[0]?.salt ?? 0n })
      const n = await c.waitFor((m) => m.obj._ === 'bad_server_salt' && field(m.obj, 'badMsgId') === old)
      expect(field(n.obj, 'newServerSalt')).toBe(c.salt)
    } finally {
      dc.clock.skewSeconds = 0
      c.close()
    }
  })

  it('answers 20 for a msg_id below the window it still remembers', async () => {
    const c = await openClient(cluster)
    try {
      await c.waitResult(c.send(initWrap({ _: 'help.getNearestDc' })))
      const early = c.msgIds.next(Date.now())
      for (let i = 0; i < 2100; i++) c.send({ _: 'msgs_ack', msgIds: [] }, { contentRelated: false })
      await c.waitResult(c.send({ _: 'help.getNearestDc' }))
      const late = c.send(getUser(1n), { msgId: early })
      const n = await c.waitFor((m) => m.obj._ === 'bad_msg_notification' && field(m.obj, 'badMsgId') === late)
      expect(field(n.obj, 'errorCode')).toBe(20)
    } finally {
      c.close()
    }
  })
})

describe('connection-level service behaviour', () => {
  it('ping_delay_disconnect closes the connection after the delay unless another ping comes', async () => {
    const c = await openClient(cluster)
    try {
      await c.waitResult(c.send(initWrap({ _: 'help.getNearestDc' })))
      const t0 = Date.now()
      c.send({ _: 'ping_delay_disconnect', pingId: 1n, disconnectDelay: 1 })
      await c.waitFor((m) => m.obj._ === 'pong')
      await c.waitClosed(3000)
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900)
    } finally {
      c.close()
    }
  })

  it('invokeWithoutUpdates keeps pushed updates away from that session', async () => {
    const quiet = await openClient(cluster)
    const loud = await openClient(cluster)
    try {
      await quiet.waitResult(quiet.send({ _: 'invokeWithoutUpdates', query: initWrap({ _: 'help.getNearestDc' }) }))
      await loud.waitResult(loud.send(initWrap({ _: 'help.getNearestDc' })))
      cluster.pushUpdate(1, { _: 'updatesTooLong' })
      await loud.waitFor((m) => m.obj._ === 'updatesTooLong')
      await quiet.waitResult(quiet.send({ _: 'help.getNearestDc' }))
      expect(quiet.received.some((m) => m.obj._ === 'updatesTooLong')).toBe(false)
    } finally {
      quiet.close()
      loud.close()
    }
  })

  it('invokeAfterMsg runs the wrapped query', async () => {
    const c = await openClient(cluster)
    try {
      const first = c.send(initWrap({ _: 'help.getNearestDc' }))
      const after = c.send({ _: 'invokeAfterMsg', msgId: first, query: getUser(55n) })
      const res = await c.waitResult(after)
      expect((readResultByName(res.raw, 'users.getUsers') as Api.user[])[0]?.id).toBe(55n)
    } finally {
      c.close()
    }
  })
})
