/**
 * auth.exportAuthorization -> auth.importAuthorization between two DCs over real sockets: the imported key is logged
 * in as the same user; the bytes are single use, valid only on the DC they were exported for and for the same user
 * id; exporting needs a logged-in key and another DC of the cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Cluster, startCluster, TEST_BOTS } from '../../src/testing/index.js'
import type { Api } from '../../src/tl/index.js'
import { connectDc, init, rpcError, type TestConn } from './helpers/conn.js'

let cluster: Cluster
const open: TestConn[] = []
beforeAll(async () => {
  cluster = await startCluster({ dcs: 3, mediaListeners: false })
})
afterAll(async () => {
  await Promise.all(open.map((c) => c.conn.close()))
  await cluster.close()
})

async function conn(dcId: number): Promise<TestConn> {
  const c = await connectDc(cluster, dcId)
  open.push(c)
  return c
}

const bot2 = TEST_BOTS[1] as (typeof TEST_BOTS)[number]
const getSelf: Api.users.getUsers = { _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] }
const exportTo = (dcId: number): Api.auth.exportAuthorization => ({ _: 'auth.exportAuthorization', dcId })
const importAuth = (e: { id: bigint; bytes: Uint8Array }): Api.auth.importAuthorization => ({ _: 'auth.importAuthorization', id: e.id, bytes: e.bytes })

describe('exported authorizations', { timeout: 15_000 }, () => {
  let home: TestConn
  beforeAll(async () => {
    expect(bot2.homeDc).toBe(2)
    home = await conn(2)
    await home.conn.call(init({ _: 'auth.importBotAuthorization', flags: 0, apiId: 1, apiHash: 'x', botAuthToken: bot2.token }))
  })

  it('logs a key on another DC in as the same user; the bytes work once', async () => {
    const exported = await home.conn.call(exportTo(1))
    expect(exported.id).toBe(bot2.userId)
    expect(exported.bytes.length).toBeGreaterThan(0)
    const other = await conn(1)
    expect((await rpcError(other.conn.call(init(getSelf)))).text).toBe('AUTH_KEY_UNREGISTERED')
    const auth = (await other.conn.call(importAuth(exported))) as Api.auth.authorization
    expect(auth.user).toMatchObject({ id: bot2.userId, bot: true, self: true })
    expect(cluster.dc(1).logins.get(other.keyId)).toBe(bot2.userId)
    expect(((await other.conn.call(getSelf)) as Api.user[])[0]?.id).toBe(bot2.userId)
    // Single use, even from another key.
    const third = await conn(1)
    const again = await rpcError(third.conn.call(init(importAuth(exported))))
    expect([again.code, again.text]).toEqual([400, 'AUTH_BYTES_INVALID'])
    expect(cluster.dc(1).logins.get(third.keyId)).toBeUndefined()
  })

  it('accepts the bytes only on their target DC and with the exported user id (a refused try does not use them up)', async () => {
    const exported = await home.conn.call(exportTo(3))
    const wrongDc = await conn(1)
    expect((await rpcError(wrongDc.conn.call(init(importAuth(exported))))).text).toBe('AUTH_BYTES_INVALID')
    const target = await conn(3)
    expect((await rpcError(target.conn.call(init(importAuth({ id: exported.id + 1n, bytes: exported.bytes }))))).text).toBe('AUTH_BYTES_INVALID')
    const forged = exported.bytes.slice()
    forged[0] = (forged[0] ?? 0) ^ 1
    expect((await rpcError(target.conn.call(importAuth({ id: exported.id, bytes: forged })))).text).toBe('AUTH_BYTES_INVALID')
    expect((await rpcError(target.conn.call(importAuth({ id: exported.id, bytes: new Uint8Array(0) })))).text).toBe('AUTH_BYTES_INVALID')
    const auth = (await target.conn.call(importAuth(exported))) as Api.auth.authorization
    expect(auth.user._ === 'user' && auth.user.id).toBe(bot2.userId)
  })

  it('needs a logged-in key (401) and another DC of the cluster (DC_ID_INVALID)', async () => {
    const anon = await conn(2)
    expect((await rpcError(anon.conn.call(init(exportTo(1))))).text).toBe('AUTH_KEY_UNREGISTERED')
    for (const dcId of [2, 4, 0, -1]) {
      const e = await rpcError(home.conn.call(exportTo(dcId)))
      expect([e.code, e.text]).toEqual([400, 'DC_ID_INVALID'])
    }
  })

  it('an imported login can export again (DC 1 -> DC 3 after DC 2 -> DC 1)', async () => {
    const first = await conn(1)
    await first.conn.call(init(importAuth(await home.conn.call(exportTo(1)))))
    const onward = await first.conn.call(exportTo(3))
    expect(onward.id).toBe(bot2.userId)
    const last = await conn(3)
    const auth = (await last.conn.call(init(importAuth(onward)))) as Api.auth.authorization
    expect(auth.user._ === 'user' && auth.user.id).toBe(bot2.userId)
  })
})
