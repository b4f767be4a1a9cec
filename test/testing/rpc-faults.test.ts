/**
 * The RPC-level faults over real sockets: floodWait (420 FLOOD_WAIT_X for the next N calls of one method) and
 * networkMigrate (303 NETWORK_MIGRATE_X for the next N calls outside help.* and auth.*), armed and disarmed at run
 * time; a refused call never counts as an execution. Argument checks of both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ArgumentError } from '../../src/errors.js'
import { type Cluster, FaultPlan, startCluster } from '../../src/testing/index.js'
import type { Api } from '../../src/tl/index.js'
import { connectDc, init, rpcError, type TestConn } from './helpers/conn.js'

let cluster: Cluster
let c: TestConn
beforeAll(async () => {
  cluster = await startCluster({ dcs: 3, loginRequired: false, mediaListeners: false })
  c = await connectDc(cluster, 2)
  await c.conn.call(init({ _: 'help.getNearestDc' }))
})
afterAll(async () => {
  await c.conn.close()
  await cluster.close()
})

const getUsers = (id: bigint): Api.users.getUsers => ({ _: 'users.getUsers', id: [{ _: 'inputUser', userId: id, accessHash: 0n }] })

describe('RPC faults', { timeout: 15_000 }, () => {
  it('floodWait answers 420 FLOOD_WAIT_X to the next `count` calls of that method only, without executing them', async () => {
    const dc = cluster.dc(2)
    dc.faults.floodWait('users.getUsers', 7, { count: 2 })
    for (let i = 0; i < 2; i++) {
      const e = await rpcError(c.conn.call(getUsers(500n)))
      expect([e.code, e.text, e.waitSeconds]).toEqual([420, 'FLOOD_WAIT_7', 7])
    }
    expect(dc.executions.byArgument.get('users.getUsers:500')).toBeUndefined()
    // Another method is untouched while armed; after `count` calls the method works again.
    expect(((await c.conn.call(getUsers(500n))) as Api.user[])[0]?.id).toBe(500n)
    expect(dc.executions.byArgument.get('users.getUsers:500')).toBe(1)
  })

  it('floodWait defaults to one call, can be disarmed, and applies per DC', async () => {
    const disarm = cluster.dc(2).faults.floodWait('help.getNearestDc', 3)
    cluster.dc(1).faults.floodWait('users.getUsers', 1, { count: Number.POSITIVE_INFINITY })
    expect(((await c.conn.call(getUsers(501n))) as Api.user[])[0]?.id).toBe(501n)
    disarm()
    expect((await c.conn.call({ _: 'help.getNearestDc' })).thisDc).toBe(2)
    cluster.dc(2).faults.floodWait('help.getNearestDc', 0)
    expect((await rpcError(c.conn.call({ _: 'help.getNearestDc' }))).text).toBe('FLOOD_WAIT_0')
    expect((await c.conn.call({ _: 'help.getNearestDc' })).thisDc).toBe(2)
    cluster.dc(1).faults.clear()
  })

  it('networkMigrate answers 303 NETWORK_MIGRATE_X to calls outside help.* and auth.*', async () => {
    const dc = cluster.dc(2)
    dc.faults.networkMigrate(3, { count: 2 })
    expect((await c.conn.call({ _: 'help.getNearestDc' })).thisDc).toBe(2)
    const bot = await rpcError(c.conn.call({ _: 'auth.importBotAuthorization', flags: 0, apiId: 1, apiHash: 'x', botAuthToken: 'nope' }))
    expect(bot.text).toBe('ACCESS_TOKEN_INVALID')
    for (const id of [600n, 601n]) {
      const e = await rpcError(c.conn.call(getUsers(id)))
      expect([e.code, e.text]).toEqual([303, 'NETWORK_MIGRATE_3'])
      expect(e.migrate).toEqual({ kind: 'NETWORK', dcId: 3 })
    }
    expect(((await c.conn.call(getUsers(602n))) as Api.user[])[0]?.id).toBe(602n)
    expect(dc.executions.byArgument.get('users.getUsers:600')).toBeUndefined()
  })

  it('rejects bad arguments with ArgumentError', () => {
    const plan = new FaultPlan()
    expect(() => plan.floodWait('users.getUsers', -1)).toThrow(ArgumentError)
    expect(() => plan.floodWait('users.getUsers', 1.5)).toThrow(ArgumentError)
    expect(() => plan.floodWait('', 1)).toThrow(ArgumentError)
    expect(() => plan.floodWait('users.getUsers', 1, { count: 0 })).toThrow(ArgumentError)
    expect(() => plan.networkMigrate(0)).toThrow(ArgumentError)
    expect(() => plan.networkMigrate(2, { count: 1.5 })).toThrow(ArgumentError)
    expect(plan.rpcFailure('users.getUsers')).toBeUndefined()
  })
})
