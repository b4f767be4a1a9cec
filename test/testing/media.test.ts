/**
 * Media-only listeners over real sockets: help.getConfig lists a `media_only` address per DC on its own port; a
 * connection there reaches the same DC (same keys, same logins) and serves downloads; restarts keep the ports;
 * `basePort` places them after the main ports; `mediaListeners: false` turns them off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Cluster, startCluster, TEST_BOTS, TEST_FILES } from '../../src/testing/index.js'
import type { Api } from '../../src/tl/index.js'
import { connectDc, init } from './helpers/conn.js'

let cluster: Cluster
beforeAll(async () => {
  cluster = await startCluster({ dcs: 3 })
})
afterAll(async () => {
  await cluster.close()
})

describe('media-only listeners', { timeout: 15_000 }, () => {
  it('help.getConfig lists a media_only option per DC with its own port', async () => {
    const c = await connectDc(cluster, 1)
    try {
      const cfg = await c.conn.call(init({ _: 'help.getConfig' }))
      const media = cfg.dcOptions.filter((o) => o.mediaOnly === true)
      const main = cfg.dcOptions.filter((o) => o.mediaOnly !== true)
      expect(media.map((o) => o.id)).toEqual([1, 2, 3])
      expect(main.map((o) => o.id)).toEqual([1, 2, 3])
      for (const d of cluster.dcs) {
        expect(d.mediaPort).toBeDefined()
        expect(media.find((o) => o.id === d.id)?.port).toBe(d.mediaPort)
        expect(main.find((o) => o.id === d.id)?.port).toBe(d.port)
      }
      const ports = new Set(cfg.dcOptions.map((o) => o.port))
      expect(ports.size).toBe(6)
    } finally {
      await c.conn.close()
    }
  })

  it('a media connection reaches the same DC: same key, same login, downloads work', async () => {
    const dc = cluster.dc(2)
    const bot = TEST_BOTS[1] as (typeof TEST_BOTS)[number]
    const file = TEST_FILES.find((f) => f.homeDc === 2) as (typeof TEST_FILES)[number]
    const mediaBefore = dc.mediaServer?.accepted ?? 0
    const main = await connectDc(cluster, 2)
    await main.conn.call(init({ _: 'auth.importBotAuthorization', flags: 0, apiId: 1, apiHash: 'x', botAuthToken: bot.token }))
    const mainAccepted = dc.server.accepted
    const media = await connectDc(cluster, 2, { media: true, authKey: main.authKey, known: true })
    try {
      const r = await media.conn.call(init({ _: 'upload.getFile', location: file.location, offset: 0n, limit: 128 * 1024 }))
      expect(r._).toBe('upload.file')
      expect(Buffer.from((r as Api.upload.file).bytes).equals(Buffer.from(file.bytes(0, 128 * 1024)))).toBe(true)
      expect(dc.mediaServer?.accepted).toBe(mediaBefore + 1)
      expect(dc.server.accepted).toBe(mainAccepted)
      expect(media.keyId).toBe(main.keyId)
      // Both connections are sessions of the one key record, logged in once.
      expect(dc.logins.get(main.keyId)).toBe(bot.userId)
      expect(((await main.conn.call({ _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] })) as Api.user[])[0]?.id).toBe(bot.userId)
    } finally {
      await media.conn.close()
      await main.conn.close()
    }
  })

  it('keeps both ports across a restart', async () => {
    const before = { ...cluster.dcs[0] }
    await cluster.restart(1)
    const c = await connectDc(cluster, 1, { media: true })
    try {
      expect((await c.conn.call(init({ _: 'help.getNearestDc' }))).thisDc).toBe(1)
      expect(cluster.dcs[0]).toEqual(before)
    } finally {
      await c.conn.close()
    }
  })

  it('places media ports after the main ones with basePort, and can be turned off', async () => {
    const base = 40_000 + (process.pid % 2000) * 8
    const fixed = await startCluster({ dcs: 2, basePort: base, rsaKey: cluster.rsaKey })
    try {
      expect(fixed.dcs.map((d) => [d.port, d.mediaPort])).toEqual([
        [base, base + 2],
        [base + 1, base + 3],
      ])
    } finally {
      await fixed.close()
    }
    const none = await startCluster({ dcs: 1, rsaKey: cluster.rsaKey, mediaListeners: false })
    try {
      expect(none.dcs[0]?.mediaPort).toBeUndefined()
      expect(none.dc(1).mediaServer).toBeUndefined()
      const c = await connectDc(none, 1)
      try {
        const cfg = await c.conn.call(init({ _: 'help.getConfig' }))
        expect(cfg.dcOptions.some((o) => o.mediaOnly === true)).toBe(false)
      } finally {
        await c.conn.close()
      }
    } finally {
      await none.close()
    }
  })
})
