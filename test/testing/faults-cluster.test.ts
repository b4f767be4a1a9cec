import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type Cluster, type Fault, startCluster } from '../../src/testing/index.js'
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

/** A client that has sent initConnection, with `fault` armed for its next users.getUsers. */
async function armed(fault: Fault): Promise<MiniClient> {
  const c = await openClient(cluster)
  await c.waitResult(c.send(initWrap({ _: 'help.getNearestDc' })))
  cluster.dc(1).faults.add({ fault, schedule: { always: true }, times: 1, method: 'users.getUsers' })
  return c
}

const executions = (id: bigint): number | undefined => cluster.dc(1).executions.byMsgId.get(id)

describe('fault injection', () => {
  it('drop-after-bytes cuts the reply; a reconnect with the same msg_id gets the answer, executed once', async () => {
    const c = await armed({ kind: 'drop-after-bytes', bytes: 10 })
    try {
      const id = c.send(getUser(9001n))
      await c.waitClosed()
      expect(c.result(id)).toBeUndefined()
      await c.reconnect()
      c.send(getUser(9001n), { msgId: id, seqno: 3 })
      await c.waitResult(id)
      expect(executions(id)).toBe(1)
    } finally {
      c.close()
    }
  })

  it('delay holds the reply', async () => {
    const c = await armed({ kind: 'delay', ms: 300 })
    try {
      const t0 = Date.now()
      await c.waitResult(c.send(getUser(9002n)))
      expect(Date.now() - t0).toBeGreaterThanOrEqual(280)
    } finally {
      c.close()
    }
  })

  it('reorder sends the reply after the next one', async () => {
    const c = await armed({ kind: 'reorder' })
    try {
      const a = c.send(getUser(9003n))
      await new Promise((r) => setTimeout(r, 50))
      const b = c.send(getUser(9004n))
      await c.waitResult(a)
      await c.waitResult(b)
      const order = c.received.filter((m) => m.obj._ === 'rpc_result').map((m) => field<bigint>(m.obj, 'reqMsgId'))
      expect(order.indexOf(b)).toBeLessThan(order.indexOf(a))
    } finally {
      c.close()
    }
  })

  it('duplicate sends the reply twice under the same msg_id', async () => {
    const c = await armed({ kind: 'duplicate' })
    try {
      const id = c.send(getUser(9005n))
      await c.waitFor(() => c.received.filter((m) => m.obj._ === 'rpc_result' && field(m.obj, 'reqMsgId') === id).length === 2)
      const both = c.received.filter((m) => m.obj._ === 'rpc_result' && field(m.obj, 'reqMsgId') === id)
      expect(both[0]?.msgId).toBe(both[1]?.msgId)
      expect(executions(id)).toBe(1)
    } finally {
      c.close()
    }
  })

  it('bad-salt answers bad_server_salt without executing', async () => {
    const c = await armed({ kind: 'bad-salt' })
    try {
      const id = c.send(getUser(9006n))
      const n = await c.waitFor((m) => m.obj._ === 'bad_server_salt')
      expect(field(n.obj, 'badMsgId')).toBe(id)
      expect(executions(id)).toBeUndefined()
      await c.waitResult(c.send(getUser(9006n)))
    } finally {
      c.close()
    }
  })

  it('skew-clock moves server time: the next message is too old (16)', async () => {
    const c = await armed({ kind: 'skew-clock', seconds: 1000 })
    try {
      await c.waitResult(c.send(getUser(9007n)))
      const id = c.send(getUser(9008n))
      const n = await c.waitFor((m) => m.obj._ === 'bad_msg_notification' && field(m.obj, 'badMsgId') === id)
      expect(field(n.obj, 'errorCode')).toBe(16)
      expect(Number(n.msgId >> 32n) - Date.now() / 1000).toBeGreaterThan(990)
    } finally {
      c.close()
    }
  })

  it('forget-session makes the server announce a new session and still execute once', async () => {
    const c = await armed({ kind: 'forget-session' })
    try {
      const before = c.received.filter((m) => m.obj._ === 'new_session_created').length
      const id = c.send(getUser(9009n))
      await c.waitResult(id)
      const created = c.received.filter((m) => m.obj._ === 'new_session_created')
      expect(created.length).toBe(before + 1)
      expect(field(created.at(-1)?.obj ?? {}, 'firstMsgId')).toBe(id)
      c.send(getUser(9009n), { msgId: id, seqno: 3 })
      await c.waitFor((m) => m.obj._ === 'msg_detailed_info' || c.received.filter((r) => r.obj._ === 'rpc_result' && field(r.obj, 'reqMsgId') === id).length === 2)
      expect(executions(id)).toBe(1)
    } finally {
      c.close()
    }
  })

  it('forget-auth-key answers -404 and the key is gone', async () => {
    const c = await armed({ kind: 'forget-auth-key' })
    try {
      c.send(getUser(9010n))
      await c.waitClosed()
      expect(c.transportErrors).toEqual([-404])
      await c.reconnect()
      c.send({ _: 'ping', pingId: 1n })
      await c.waitClosed()
    } finally {
      c.close()
    }
  })

  it('corrupt-frame flips a byte: the client cannot decrypt that reply', async () => {
    const c = await armed({ kind: 'corrupt-frame' })
    try {
      c.send(getUser(9011n))
      await c.waitFor((m) => m.obj._ === 'undecryptable')
    } finally {
      c.close()
    }
  })

  it('restart drops connections and keeps auth keys and the port', async () => {
    const port = cluster.dc(1).port
    const c = await armed({ kind: 'restart' })
    try {
      const id = c.send(getUser(9012n))
      await c.waitClosed()
      expect(cluster.dc(1).port).toBe(port)
      await new Promise((r) => setTimeout(r, 50))
      await c.reconnect()
      c.send(getUser(9012n), { msgId: id, seqno: 3 })
      await c.waitFor((m) => m.obj._ === 'msg_detailed_info' || c.result(id) !== undefined)
      expect(executions(id)).toBe(1)
    } finally {
      c.close()
    }
  })

  it('bad-msg injects any bad_msg_notification code (20 here)', async () => {
    const c = await armed({ kind: 'bad-msg', code: 20 })
    try {
      const id = c.send(getUser(9013n))
      const n = await c.waitFor((m) => m.obj._ === 'bad_msg_notification')
      expect(n.obj).toMatchObject({ badMsgId: id, errorCode: 20 })
      expect(executions(id)).toBeUndefined()
    } finally {
      c.close()
    }
  })
})
