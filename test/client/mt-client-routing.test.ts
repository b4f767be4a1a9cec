/**
 * MtClient against the loopback cluster over real sockets: invokes on five DCs at once, the DC table from
 * help.getConfig, a bot login meeting USER_MIGRATE, PHONE_MIGRATE and NETWORK_MIGRATE moving the home DC, and
 * FILE_MIGRATE / STATS_MIGRATE answered through one exported authorization per DC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryStorage, type MtClient } from '../../src/client/index.js'
import { RpcError } from '../../src/protocol/rpc-error.js'
import { startEnv, type TestEnv } from './helpers/setup.js'
import { BOTS, fileOn, STATS_CHANNEL, STATS_DC } from './helpers/stand-ins.js'

let env: TestEnv
beforeAll(async () => {
  env = await startEnv()
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

const bot = (dc: number) => BOTS.find((b) => b.homeDc === dc) as (typeof BOTS)[number]

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
      expect(st.every((s) => s.hasAuthKey && s.threadId === 0)).toBe(true)
      for (const dc of [1, 2, 3, 4, 5]) expect(storage.getAuthKey(dc)?.authKey.length).toBe(256)
    }, { storage })
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
      const sent = await c.invoke({ _: 'auth.sendCode', phoneNumber: '9996631234', apiId: 1, apiHash: 'x', settings: { _: 'codeSettings' } })
      expect(sent._).toBe('auth.sentCode')
      expect(c.homeDc).toBe(3)
    })
  })

  it('follows NETWORK_MIGRATE, but keeps the home DC for a call routed to another DC', async () => {
    await withClient(async (c) => {
      env.standIns.networkMigrate(2, 'help.getNearestDc', 5, 1)
      expect((await c.invoke({ _: 'help.getNearestDc' })).thisDc).toBe(5)
      expect(c.homeDc).toBe(5)
      env.standIns.networkMigrate(1, 'help.getNearestDc', 3, 1)
      expect((await c.invoke({ _: 'help.getNearestDc' }, { dcId: 1 })).thisDc).toBe(3)
      expect(c.homeDc).toBe(5)
    })
  })

  it('answers FILE_MIGRATE with one export/import per DC and downloads on the download pool', async () => {
    await withClient(async (c) => {
      await c.loginBot(bot(2).token)
      const exportsBefore = env.cluster.dc(2).executions.byArgument.get('export:1') ?? 0
      const parts = await Promise.all(
        [0, 1, 2, 3].map((k) => c.invoke({ _: 'upload.getFile', location: fileOn(1), offset: BigInt(k * 4096), limit: 4096 }, { connection: 'download' })),
      )
      for (const [k, p] of parts.entries()) {
        expect(p._).toBe('upload.file')
        if (p._ === 'upload.file') expect(p.bytes[0]).toBe((k * 4096) & 0xff)
      }
      expect((env.cluster.dc(2).executions.byArgument.get('export:1') ?? 0) - exportsBefore).toBe(1)
      expect(c.homeDc).toBe(2)
      // Cached: a later download exports nothing.
      await c.invoke({ _: 'upload.getFile', location: fileOn(1), offset: 0n, limit: 4096 }, { connection: 'download' })
      expect((env.cluster.dc(2).executions.byArgument.get('export:1') ?? 0) - exportsBefore).toBe(1)
      const st = await c.status()
      expect(st.filter((s) => s.dcId === 1).map((s) => s.connection)).toContain('download:0')
      expect(st.filter((s) => s.dcId === 1 && s.connection.startsWith('download')).length).toBeLessThanOrEqual(2)
    })
  })

  it('answers STATS_MIGRATE on the stats DC for that request only', async () => {
    await withClient(async (c) => {
      await c.loginBot(bot(2).token)
      const stats = await c.invoke({ _: 'stats.getBroadcastStats', channel: STATS_CHANNEL })
      expect(stats.followers.current).toBe(100)
      expect(c.homeDc).toBe(2)
      expect(env.cluster.dc(STATS_DC).executions.byArgument.get('stats')).toBeGreaterThan(0)
    })
  })

  it('fails typed when not logged in (export refused)', async () => {
    await withClient(async (c) => {
      await expect(c.invoke({ _: 'stats.getBroadcastStats', channel: STATS_CHANNEL })).rejects.toSatisfy(
        (e: unknown) => e instanceof RpcError && e.is('AUTH_KEY_UNREGISTERED'),
      )
    })
  })
})
