import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { writeContainer } from '../../src/protocol/mtp/server-wire.js'
import { type ArmedFault, type Cluster, startCluster } from '../../src/testing/index.js'
import { readResultByName, serializeObject, type Api } from '../../src/tl/index.js'
import { initWrap, type MiniClient } from './helpers/mini-client.js'
import { getUser, openClient } from './helpers/setup.js'

let cluster: Cluster
beforeAll(async () => {
  cluster = await startCluster({ dcs: 1, loginRequired: false })
})
afterAll(async () => {
  await cluster.close()
})
afterEach(() => {
  cluster.dc(1).faults.clear()
  cluster.dc(1).clock.skewSeconds = 0
})

const field = <T>(o: object, k: string): T => (o as Record<string, T>)[k] as T
/** Requests per container: what real clients pack (mtcute caps at 100). */
const BATCH = 100

/**
 * Pipelines `count` users.getUsers calls with distinct ids (base + i) and drives them to completion the way a
 * client must: resend with the SAME msg_id after a reconnect or a lost reply, a NEW msg_id after bad_server_salt,
 * msg_resend_req after msg_detailed_info. Returns when every request has its own answer.
 */
async function pipeline(c: MiniClient, base: bigint, count: number): Promise<Map<bigint, bigint>> {
  const pending = new Map<bigint, { arg: bigint; seqno: number }>()
  const answered = new Map<bigint, bigint>()
  const send = (items: Array<{ arg: bigint; msgId?: bigint; seqno?: number }>): void => {
    for (let i = 0; i < items.length; i += BATCH) {
      const msgs = items.slice(i, i + BATCH).map((it) => {
        const msgId = it.msgId ?? c.msgIds.next(Date.now())
        const seqno = it.seqno ?? c.seq.next(true)
        pending.set(msgId, { arg: it.arg, seqno })
        return { msgId, seqno, body: serializeObject(getUser(it.arg)) }
      })
      c.send(writeContainer(msgs), { contentRelated: false })
    }
  }
  const resendAll = (): void => send([...pending].map(([msgId, p]) => ({ arg: p.arg, msgId, seqno: p.seqno })))
  send(Array.from({ length: count }, (_, i) => ({ arg: base + BigInt(i) })))
  let cursor = 0
  let lastProgress = Date.now()
  const deadline = Date.now() + 20_000
  while (pending.size > 0) {
    if (Date.now() > deadline) throw new Error(`${pending.size} requests unanswered`)
    if (c.closed) {
      await c.reconnect()
      cursor = c.received.length
      resendAll()
      lastProgress = Date.now()
    }
    const acks: bigint[] = []
    for (; cursor < c.received.length; cursor++) {
      const m = c.received[cursor]
      if (m === undefined) continue
      const o = m.obj
      if (o._ === 'rpc_result') {
        const req = field<bigint>(o, 'reqMsgId')
        const p = pending.get(req)
        acks.push(m.msgId)
        if (p === undefined) continue
        const users = readResultByName(m.raw, 'users.getUsers') as Api.user[]
        expect(users.map((u) => u.id)).toEqual([p.arg])
        pending.delete(req)
        answered.set(req, p.arg)
        lastProgress = Date.now()
      } else if (o._ === 'bad_server_salt') {
        c.salt = field<bigint>(o, 'newServerSalt')
        const p = pending.get(field<bigint>(o, 'badMsgId'))
        if (p !== undefined) {
          pending.delete(field<bigint>(o, 'badMsgId'))
          send([{ arg: p.arg }])
        }
      } else if (o._ === 'msg_detailed_info') {
        c.send({ _: 'msg_resend_req', msgIds: [field<bigint>(o, 'answerMsgId')] })
      }
    }
    if (acks.length > 0) for (let i = 0; i < acks.length; i += 8192) c.send({ _: 'msgs_ack', msgIds: acks.slice(i, i + 8192) }, { contentRelated: false })
    if (pending.size > 0 && Date.now() - lastProgress > 400 && !c.closed) {
      resendAll()
      lastProgress = Date.now()
    }
    if (pending.size > 0) await c.waitFor((_m) => false, 40).catch(() => undefined)
  }
  return answered
}

async function run(count: number, base: bigint, faults: ArmedFault[] = []): Promise<void> {
  const dc = cluster.dc(1)
  const c = await openClient(cluster)
  try {
    await c.waitResult(c.send(initWrap({ _: 'help.getNearestDc' })))
    for (const f of faults) dc.faults.add(f)
    const answered = await pipeline(c, base, count)
    const args = new Set(answered.values())
    expect(args.size).toBe(count)
    for (let i = 0; i < count; i++) {
      expect(dc.executions.byArgument.get(`users.getUsers:${base + BigInt(i)}`)).toBe(1)
    }
    for (const msgId of answered.keys()) expect(dc.executions.byMsgId.get(msgId)).toBe(1)
    // Every scheduled fault point was reached (the plan counts each request it saw).
    expect(dc.faults.requests).toBeGreaterThanOrEqual(count)
  } finally {
    c.close()
  }
}

describe('exactly once (server side)', () => {
  it('10,000 pipelined users.getUsers: every answer matches its request, each executed once', async () => {
    await run(10_000, 1_000_000n)
  })

  const cases: Array<[string, ArmedFault[]]> = [
    ['drop-after-bytes', [{ fault: { kind: 'drop-after-bytes', bytes: 5000 }, schedule: { at: 700 }, times: 1 }]],
    ['delay', [{ fault: { kind: 'delay', ms: 30 }, schedule: { every: 250 } }]],
    ['reorder', [{ fault: { kind: 'reorder' }, schedule: { every: 300 } }]],
    ['duplicate', [{ fault: { kind: 'duplicate' }, schedule: { every: 97 } }]],
    ['bad-salt', [{ fault: { kind: 'bad-salt' }, schedule: { every: 333 } }]],
    ['skew-clock', [{ fault: { kind: 'skew-clock', seconds: 5 }, schedule: { at: 500 }, times: 1 }]],
    ['forget-session', [{ fault: { kind: 'forget-session' }, schedule: { at: 800 }, times: 1 }]],
    ['corrupt-frame', [{ fault: { kind: 'corrupt-frame' }, schedule: { every: 400 } }]],
    ['restart', [{ fault: { kind: 'restart' }, schedule: { at: 1200 }, times: 1 }]],
  ]
  cases.forEach(([name, faults], i) => {
    it(`2,000 pipelined users.getUsers with ${name}: each executed once`, async () => {
      await run(2_000, 2_000_000n + BigInt(i) * 10_000n, faults)
    })
  })
})
