/**
 * Login on the loopback cluster over real sockets with our Connection driver: 401 AUTH_KEY_UNREGISTERED before login,
 * bot import (home DC, USER_MIGRATE_X elsewhere, ACCESS_TOKEN_INVALID), phone sign-in (PHONE_MIGRATE_X, code
 * checks), logOut, loginRequired off and switched at run time, logins surviving PFS temp keys, updates pushed to
 * one user's sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Cluster, startCluster, TEST_BOTS, TEST_PHONES, type TestBot, type TestPhone } from '../../src/testing/index.js'
import { type Api, deserializeObject } from '../../src/tl/index.js'
import { connectDc, init, rpcError, type TestConn } from './helpers/conn.js'

let cluster: Cluster
const open: TestConn[] = []
beforeAll(async () => {
  cluster = await startCluster({ dcs: 5 })
})
afterAll(async () => {
  await Promise.all(open.map((c) => c.conn.close()))
  await cluster.close()
})

async function conn(dcId: number, opts: Parameters<typeof connectDc>[2] = {}): Promise<TestConn> {
  const c = await connectDc(cluster, dcId, opts)
  open.push(c)
  return c
}

function bot(dc: number): TestBot {
  const b = TEST_BOTS.find((x) => x.homeDc === dc)
  if (b === undefined) throw new Error(`no bot on DC ${dc}`)
  return b
}
function phone(dc: number): TestPhone {
  const p = TEST_PHONES.find((x) => x.homeDc === dc)
  if (p === undefined) throw new Error(`no phone on DC ${dc}`)
  return p
}
const importBot = (token: string): Api.auth.importBotAuthorization => ({ _: 'auth.importBotAuthorization', flags: 0, apiId: 1, apiHash: 'x', botAuthToken: token })
const getUsers = (...ids: bigint[]): Api.users.getUsers => ({ _: 'users.getUsers', id: ids.map((userId) => ({ _: 'inputUser', userId, accessHash: 0n })) })
const getSelf: Api.users.getUsers = { _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] }
const sendCode = (phoneNumber: string): Api.auth.sendCode => ({ _: 'auth.sendCode', phoneNumber, apiId: 1, apiHash: 'x', settings: { _: 'codeSettings' } })

describe('the test accounts', () => {
  it('one bot and one phone per DC 1..5, tokens <userId>:loopback-dc<homeDc>, codes = DC digit x5', () => {
    expect(TEST_BOTS.map((b) => b.homeDc)).toEqual([1, 2, 3, 4, 5])
    for (const b of TEST_BOTS) expect(b.token).toBe(`${b.userId}:loopback-dc${b.homeDc}`)
    expect(new Set(TEST_BOTS.map((b) => b.userId)).size).toBe(5)
    for (const p of TEST_PHONES) {
      expect(p.phone).toMatch(new RegExp(`^99966${p.homeDc}\\d{4}$`))
      expect(p.code).toBe(String(p.homeDc).repeat(5))
    }
  })
})

describe('login over real sockets', { timeout: 15_000 }, () => {
  it('answers 401 AUTH_KEY_UNREGISTERED to login-only methods before login, help.* and auth.* work, nothing executes', async () => {
    const { conn: c } = await conn(1)
    const cfg = await c.call(init({ _: 'help.getConfig' }))
    expect(cfg.thisDc).toBe(1)
    const before = cluster.dc(1).executions.total
    for (const req of [getUsers(42n), { _: 'updates.getState' } as Api.updates.getState]) {
      const e = await rpcError(c.call(req))
      expect([e.code, e.text]).toEqual([401, 'AUTH_KEY_UNREGISTERED'])
    }
    expect(cluster.dc(1).executions.total).toBe(before)
    expect(cluster.dc(1).executions.byArgument.get('users.getUsers:42')).toBeUndefined()
    expect((await c.call({ _: 'help.getNearestDc' })).thisDc).toBe(1)
  })

  it('imports each bot on its home DC: auth.authorization with the bot user, then login-only methods work', async () => {
    for (const dc of [1, 2, 3, 4, 5]) {
      const b = bot(dc)
      const { conn: c, keyId } = await conn(dc)
      const auth = await c.call(init(importBot(b.token)))
      expect(auth._).toBe('auth.authorization')
      const user = (auth as Api.auth.authorization).user as Api.user
      expect(user).toMatchObject({ id: b.userId, bot: true, self: true, username: b.username })
      expect(cluster.dc(dc).logins.get(keyId)).toBe(b.userId)
      const [self] = (await c.call(getSelf)) as Api.user[]
      expect(self?.id).toBe(b.userId)
      const echoed = (await c.call(getUsers(1000n + BigInt(dc)))) as Api.user[]
      expect(echoed.map((u) => u.id)).toEqual([1000n + BigInt(dc)])
      expect(cluster.dc(dc).executions.byArgument.get(`users.getUsers:${1000 + dc}`)).toBe(1)
    }
  })

  it('answers 303 USER_MIGRATE_X with the bot home DC on every other DC, and logs nothing in', async () => {
    const { conn: c, keyId } = await conn(1)
    for (const b of TEST_BOTS.filter((x) => x.homeDc !== 1)) {
      const e = await rpcError(c.call(init(importBot(b.token))))
      expect([e.code, e.text]).toEqual([303, `USER_MIGRATE_${b.homeDc}`])
      expect(e.migrate).toEqual({ kind: 'USER', dcId: b.homeDc })
    }
    expect(cluster.dc(1).logins.get(keyId)).toBeUndefined()
  })

  it('answers 400 ACCESS_TOKEN_INVALID to an unknown or malformed token', async () => {
    const { conn: c } = await conn(2)
    for (const token of ['5000000002:wrong', 'garbage', '', `${bot(2).token}x`]) {
      const e = await rpcError(c.call(init(importBot(token))))
      expect([e.code, e.text]).toEqual([400, 'ACCESS_TOKEN_INVALID'])
    }
  })

  it('signs a test phone in: PHONE_MIGRATE_X off its home DC, code and hash checks, then the user is logged in', async () => {
    const p = phone(3)
    const { conn: off } = await conn(1)
    const e1 = await rpcError(off.call(init(sendCode(p.phone))))
    expect([e1.code, e1.text]).toEqual([303, 'PHONE_MIGRATE_3'])
    expect(e1.migrate).toEqual({ kind: 'PHONE', dcId: 3 })
    const e2 = await rpcError(off.call({ _: 'auth.signIn', phoneNumber: p.phone, phoneCodeHash: 'ab', phoneCode: p.code }))
    expect(e2.text).toBe('PHONE_MIGRATE_3')

    const { conn: c, keyId } = await conn(3)
    const sent = await c.call(init(sendCode(`+${p.phone}`)))
    expect(sent._).toBe('auth.sentCode')
    const { phoneCodeHash, type } = sent as Api.auth.sentCode
    expect(type).toEqual({ _: 'auth.sentCodeTypeApp', length: 5 })
    const signIn = (phoneCode: string | undefined, hash = phoneCodeHash): Api.auth.signIn => ({
      _: 'auth.signIn',
      phoneNumber: p.phone,
      phoneCodeHash: hash,
      ...(phoneCode === undefined ? {} : { phoneCode }),
    })
    expect((await rpcError(c.call(signIn('12345')))).text).toBe('PHONE_CODE_INVALID')
    expect((await rpcError(c.call(signIn(undefined)))).text).toBe('PHONE_CODE_EMPTY')
    expect((await rpcError(c.call(signIn(p.code, 'deadbeef')))).text).toBe('PHONE_CODE_EXPIRED')
    expect((await rpcError(c.call(signIn(p.code, '')))).text).toBe('PHONE_CODE_HASH_EMPTY')
    expect((await rpcError(c.call(getSelf))).text).toBe('AUTH_KEY_UNREGISTERED')
    const auth = (await c.call(signIn(p.code))) as Api.auth.authorization
    expect(auth.user).toMatchObject({ id: p.userId, self: true, phone: p.phone })
    expect(cluster.dc(3).logins.get(keyId)).toBe(p.userId)
    expect(((await c.call(getSelf)) as Api.user[])[0]?.id).toBe(p.userId)
    // The hash is single use.
    expect((await rpcError(c.call(signIn(p.code)))).text).toBe('PHONE_CODE_EXPIRED')
    expect((await rpcError(c.call(init(sendCode('99966' + '99999'))))).text).toBe('PHONE_NUMBER_INVALID')
  })

  it('logs out: auth.loggedOut, then 401 again (and a second logOut is 401)', async () => {
    const { conn: c, keyId } = await conn(4)
    await c.call(init(importBot(bot(4).token)))
    expect((await c.call({ _: 'auth.logOut' }))._).toBe('auth.loggedOut')
    expect(cluster.dc(4).logins.get(keyId)).toBeUndefined()
    expect((await rpcError(c.call(getUsers(7n)))).code).toBe(401)
    expect((await rpcError(c.call({ _: 'auth.logOut' }))).text).toBe('AUTH_KEY_UNREGISTERED')
  })

  it('loginRequired can be switched at run time (and is off with loginRequired: false)', async () => {
    const { conn: c } = await conn(5)
    await c.call(init({ _: 'help.getNearestDc' }))
    expect((await rpcError(c.call(getUsers(9n)))).code).toBe(401)
    cluster.loginRequired = false
    try {
      expect(((await c.call(getUsers(9n))) as Api.user[])[0]?.id).toBe(9n)
    } finally {
      cluster.loginRequired = true
    }
    expect((await rpcError(c.call(getUsers(9n)))).code).toBe(401)
    const open2 = await startCluster({ dcs: 1, loginRequired: false, rsaKey: cluster.rsaKey, mediaListeners: false })
    try {
      expect(open2.loginRequired).toBe(false)
      const c2 = await connectDc(open2, 1)
      try {
        expect(((await c2.conn.call(init(getUsers(11n)))) as Api.user[])[0]?.id).toBe(11n)
      } finally {
        await c2.conn.close()
      }
    } finally {
      await open2.close()
    }
  })

  it('with PFS the login belongs to the permanent key (it survives the temp key)', async () => {
    const events: string[] = []
    const { conn: c, keyId } = await conn(2, { extra: { pfs: { tempKeySeconds: 3600 }, rsaKeys: [cluster.publicKey], onEvent: (e) => events.push(e.type) } })
    await c.call(init(importBot(bot(2).token)))
    expect(events).toContain('temp-key-bound')
    expect(cluster.dc(2).logins.get(keyId)).toBe(bot(2).userId)
    // A second connection on the same permanent key, with a new temp key, is logged in already.
    const again = await conn(2, { authKey: (open.at(-1) as TestConn).authKey, known: true, extra: { pfs: { tempKeySeconds: 3600 }, rsaKeys: [cluster.publicKey] } })
    expect(((await again.conn.call(init(getSelf))) as Api.user[])[0]?.id).toBe(bot(2).userId)
  })

  it('pushUpdateToUser reaches only the sessions logged in as that user', async () => {
    const got: Uint8Array[] = []
    const other: Uint8Array[] = []
    const a = await conn(1, { extra: { onUpdate: (b) => got.push(b) } })
    const b = await conn(1, { extra: { onUpdate: (x) => other.push(x) } })
    // A user nobody else on DC 1 is logged in as (logins.set: a key imported by a test, logged in directly).
    const userId = 4242n
    cluster.dc(1).logins.set(a.keyId, userId)
    await a.conn.call(init(getSelf))
    await b.conn.call(init({ _: 'help.getNearestDc' }))
    const update: Api.updateShort = { _: 'updateShort', update: { _: 'updateLoginToken' }, date: 1 }
    expect(cluster.pushUpdateToUser(1, userId, update)).toBe(1)
    expect(cluster.pushUpdateToUser(1, 123n, update)).toBe(0)
    await new Promise<void>((resolve, reject) => {
      const t0 = Date.now()
      const tick = (): void => {
        if (got.length > 0) resolve()
        else if (Date.now() - t0 > 3000) reject(new Error('no update'))
        else setTimeout(tick, 5)
      }
      tick()
    })
    expect(deserializeObject(got[0] as Uint8Array)).toMatchObject({ _: 'updateShort', update: { _: 'updateLoginToken' } })
    expect(other).toHaveLength(0)
  })
})
