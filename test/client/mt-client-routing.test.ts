/**
 * MtClient against the loopback cluster over real sockets: invokes on five DCs at once, the DC table from
 * help.getConfig, a bot login meeting USER_MIGRATE, PHONE_MIGRATE and NETWORK_MIGRATE moving the home DC, and
 * FILE_MIGRATE / STATS_MIGRATE answered through one exported authorization per DC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryStorage, type MtClient } from '../../src/client/index.js'
import { RpcError } from '../../src/protocol/rpc-error.js'
import { startEnv, type TestEnv } from './helpers/setup.js'
import { TEST_BOTS, TEST_FILES, TEST_PHONES, TEST_STATS_CHANNEL } from '../../src/testing/index.js'
import type { Api } from '../../src/tl/index.js'

let env: TestEnv
beforeAll(async () => {
  env = await startEnv('in-process')
})
afterAll(async () => {
  await env.cluster.close()
})

async function withClient<T>(fn: (c: MtClient) => Promise<T>, extra: Parameters<TestEnv['connect']>[0] = {}): Promise<T> {
  const c = await env.connect(extra)
  try {
    return await fn(c)
  } finally {
    await c.close()
  }
}

const bot = (dc: number) => TEST_BOTS.find((b) => b.homeDc === dc) as (typeof TEST_BOTS)[number]
const file = (dc: number) => TEST_FILES.find((f) => f.homeDc === dc) as (typeof TEST_FILES)[number]

describe('MtClient routing', { timeout: 20_000 }, () => {
  it('invokes on five DCs at once, one key exchange and one connection per DC', async () => {
    const storage = new MemoryStorage()
    await withClient(async (c) => {
      expect(c.config?.thisDc).toBe(2)
      const rounds = await Promise.all(
        [1, 2, 3, 4, 5].flatMap((dcId) => [0, 1, 2].map(() => c.invoke({ _: 'help.getNearestDc' }, { dcId }))),
      )
      expect(rounds.map((r) => r.thisDc)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5])
      const st = await c.status()
      expect(st.map((s) => `${s.dcId}:${s.connection}`).sort()).toEqual(['1:main', '2:main', '3:main', '4:main', '5:main'])
      expect(st.every((s) => s.hasAuthKey)).toBe(true)
      // Each actor runs in a thread of its own (worker actors), or all on this one (in-process).
      const threads = new Set(st.map((s) => s.threadId))
      if (process.env.MTACTOR_TEST_ACTORS === 'in-process') expect([...threads]).toEqual([0])
      else expect(threads.size === 5 && !threads.has(0)).toBe(true)
      for (const dc of [1, 2, 3, 4, 5]) expect(storage.getAuthKey(dc)?.authKey.length).toBe(256)
    }, { storage, actors: 'worker' })
  })

  it('reuses stored keys on the next connect (no new key exchange)', async () => {
    const storage = new MemoryStorage()
    const keysBefore = env.cluster.dc(2).keys.size
    await withClient(async (c) => void (await c.invoke({ _: 'help.getNearestDc' })), { storage })
    expect(env.cluster.dc(2).keys.size).toBe(keysBefore + 1)
    const events: string[] = []
    await withClient(async (c) => {
      const r = await c.invoke({ _: 'help.getNearestDc' })
      expect(r.thisDc).toBe(2)
    }, { storage, onEvent: (e) => events.push(e.event.type) })
    expect(env.cluster.dc(2).keys.size).toBe(keysBefore + 1)
    expect(events).not.toContain('auth-key')
  })

  it('logs a bot in across USER_MIGRATE and remembers the new home DC', async () => {
    const storage = new MemoryStorage()
    await withClient(async (c) => {
      const auth = await c.loginBot(bot(4).token)
      expect(auth._).toBe('auth.authorization')
      if (auth._ === 'auth.authorization') expect(auth.user.id).toBe(bot(4).userId)
      expect(c.homeDc).toBe(4)
      expect(storage.getHomeDc()).toBe(4)
      expect((await c.invoke({ _: 'help.getNearestDc' })).thisDc).toBe(4)
      await expect(c.loginBot('1:nope')).rejects.toSatisfy((e: unknown) => e instanceof RpcError && e.is('ACCESS_TOKEN_INVALID'))
    }, { storage })
    // The next run starts on the remembered home DC.
    await withClient(async (c) => expect(c.homeDc).toBe(4), { storage })
  })

  it('follows PHONE_MIGRATE to the number home DC', async () => {
    await withClient(async (c) => {
      const phone = TEST_PHONES.find((p) => p.homeDc === 3)?.phone ?? ''
      const sent = await c.invoke({ _: 'auth.sendCode', phoneNumber: phone, apiId: 1, apiHash: 'x', settings: { _: 'codeSettings' } })
      expect(sent._).toBe('auth.sentCode')
      expect(c.homeDc).toBe(3)
    })
  })

  it('follows NETWORK_MIGRATE, but keeps the home DC for a call routed to another DC', async () => {
    env.cluster.loginRequired = false
    try {
      await withClient(async (c) => {
        const getSelf: Api.users.getUsers = { _: 'users.getUsers', id: [{ _: 'inputUser', userId: 42n, accessHash: 0n }] }
        env.cluster.dc(2).faults.networkMigrate(5)
        expect((await c.invoke(getSelf))[0]?.id).toBe(42n)
        expect(c.homeDc).toBe(5)
        env.cluster.dc(1).faults.networkMigrate(3)
        expect((await c.invoke(getSelf, { dcId: 1 }))[0]?.id).toBe(42n)
        expect(c.homeDc).toBe(5)
      })
    } finally {
      env.cluster.loginRequired = true
    }
  })

  it('answers FILE_MIGRATE with one export/import per DC and downloads on the download pool', async () => {
    await withClient(async (c) => {
      await c.loginBot(bot(2).token)
      const f = file(1)
      const exports = (): number => env.cluster.dc(2).executions.byArgument.get('auth.exportAuthorization:1') ?? 0
      const before = exports()
      const offsets = [0, 4096, 8192]
      const parts = await Promise.all(
        offsets.map((offset) => c.invoke({ _: 'upload.getFile', location: f.location, offset: BigInt(offset), limit: 4096 }, { connection: 'download' })),
      )
      for (const [k, p] of parts.entries()) {
        expect(p._).toBe('upload.file')
        if (p._ === 'upload.file') expect(Buffer.from(p.bytes).equals(Buffer.from(f.bytes(offsets[k] ?? 0, 4096)))).toBe(true)
      }
      expect(exports() - before).toBe(1)
      expect(c.homeDc).toBe(2)
      // Cached: a later download exports nothing.
      await c.invoke({ _: 'upload.getFile', location: f.location, offset: 0n, limit: 4096 }, { connection: 'download' })
      expect(exports() - before).toBe(1)
      const st = await c.status()
      expect(st.filter((s) => s.dcId === 1).map((s) => s.connection)).toContain('download:0')
      const pool = st.filter((s) => s.dcId === 1 && s.connection.startsWith('download'))
      expect(pool.length).toBeLessThanOrEqual(2)
      // On DC 1's media-only address from help.getConfig, not its main one.
      const main = st.find((s) => s.dcId === 1 && s.connection === 'main')
      expect(pool.every((s) => s.endpoint.media === true && s.endpoint.port !== main?.endpoint.port)).toBe(true)
    })
  })

  it('answers STATS_MIGRATE on the stats DC for that request only', async () => {
    await withClient(async (c) => {
      await c.loginBot(bot(2).token)
      const exports = (): number => env.cluster.dc(2).executions.byArgument.get(`auth.exportAuthorization:${TEST_STATS_CHANNEL.statsDc}`) ?? 0
      const before = exports()
      const stats = await c.invoke({ _: 'stats.getBroadcastStats', channel: TEST_STATS_CHANNEL.channel })
      expect(stats._).toBe('stats.broadcastStats')
      expect(c.homeDc).toBe(2)
      expect(exports() - before).toBe(1)
    })
  })

  it('fails typed when not logged in', async () => {
    await withClient(async (c) => {
      await expect(c.invoke({ _: 'stats.getBroadcastStats', channel: TEST_STATS_CHANNEL.channel })).rejects.toSatisfy(
        (e: unknown) => e instanceof RpcError && e.is('AUTH_KEY_UNREGISTERED'),
      )
    })
  })
})
