/**
 * PFS with one temp key per DC, against the loopback cluster over real sockets, on both actor kinds: a DC's main,
 * two download and two upload connections run one permanent key exchange, one temp key exchange and one
 * auth.bindTempAuthKey between them (counted on the server); after a forced -404 on the temp key exactly one new temp
 * key is made and bound and every connection goes on working on it.
 *
 * Spec: https://core.telegram.org/api/pfs, https://core.telegram.org/method/auth.bindTempAuthKey (one binding per
 * permanent key), https://core.telegram.org/mtproto/mtproto-transports#transport-errors (-404).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ClientEvent, MemoryStorage, type MtClient } from '../../src/client/index.js'
import type { ClusterDc } from '../../src/testing/index.js'
import type { Api } from '../../src/tl/index.js'
import { startEnv, type TestEnv } from './helpers/setup.js'

let env: TestEnv
beforeAll(async () => {
  env = await startEnv('in-process')
})
afterAll(async () => {
  await env.cluster.close()
})

const nearest: Api.help.getNearestDc = { _: 'help.getNearestDc' }
const CONNECTIONS = ['download:0', 'download:1', 'main', 'upload:0', 'upload:1']

/** auth.bindTempAuthKey calls the DC executed, over every permanent key. */
function binds(dc: ClusterDc): number {
  let n = 0
  for (const [arg, count] of dc.executions.byArgument) if (arg.startsWith('auth.bindTempAuthKey:')) n += count
  return n
}

/** Four concurrent calls per connection kind: the pools grow to two members each and every member gets calls. */
async function round(c: MtClient): Promise<void> {
  const calls: Promise<Api.NearestDc>[] = []
  for (const connection of ['main', 'download', 'upload'] as const) {
    for (let i = 0; i < 4; i++) calls.push(c.invoke(nearest, { connection }))
  }
  const results = await Promise.all(calls)
  expect(results.every((r) => r.thisDc === 2)).toBe(true)
}

describe.each(['in-process', 'worker'] as const)('MtClient PFS on %s actors: one temp key per DC', (actors) => {
  it('five connections share one permanent key and one bound temp key; -404 makes exactly one new temp key', { timeout: 40_000 }, async () => {
    const dc = env.cluster.dc(2)
    const events: ClientEvent[] = []
    const start = { ...dc.keys.exchanges }
    const bindsBefore = binds(dc)
    const c = await env.connect({ actors, storage: new MemoryStorage(), pfs: { tempKeySeconds: 3600 }, pool: { download: 2, upload: 2 }, onEvent: (e) => events.push(e) })
    try {
      await round(c)
      const onDc = (await c.status()).filter((s) => s.dcId === 2)
      expect(onDc.map((s) => s.connection).sort()).toEqual(CONNECTIONS)
      expect(dc.keys.exchanges.permanent - start.permanent).toBe(1)
      expect(dc.keys.exchanges.temp - start.temp).toBe(1)
      expect(binds(dc) - bindsBefore).toBe(1)
      const made = events.filter((e) => e.dcId === 2 && e.event.type === 'auth-key')
      expect(made.map((e) => (e.event.type === 'auth-key' ? e.event.temp : undefined))).toEqual([false, true])
      expect(events.filter((e) => e.event.type === 'temp-key-bound')).toHaveLength(1)

      // The server forgets the temp key at the next request: every connection on it hears -404 sooner or later.
      events.length = 0
      dc.faults.add({ fault: { kind: 'forget-auth-key' }, schedule: { at: dc.faults.requests + 1 }, times: 1 })
      await round(c)
      await round(c)
      expect(events.some((e) => e.event.type === 'auth-key-dropped')).toBe(true)
      expect(dc.keys.exchanges.permanent - start.permanent).toBe(1)
      expect(dc.keys.exchanges.temp - start.temp).toBe(2)
      expect(binds(dc) - bindsBefore).toBe(2)
      expect(events.filter((e) => e.event.type === 'auth-key' && e.event.temp)).toHaveLength(1)
      expect(events.filter((e) => e.event.type === 'auth-key' && !e.event.temp)).toHaveLength(0)
      // Every call above succeeded; all five connections are up on a key with nothing left pending. (Worker actors
      // keep their sent records in shared memory, not as events, so the connections are checked through status.)
      const after = (await c.status()).filter((s) => s.dcId === 2)
      expect(after.map((s) => s.connection).sort()).toEqual(CONNECTIONS)
      expect(after.every((s) => s.connected && s.hasAuthKey && s.pending === 0 && s.regenerations === 1)).toBe(true)
    } finally {
      await c.close()
    }
  })
})

describe('MtClient PFS renewal', () => {
  it('one connection renews the DC temp key before it expires; the other switches to it', { timeout: 20_000 }, async () => {
    const dc = env.cluster.dc(2)
    const events: ClientEvent[] = []
    const start = dc.keys.exchanges.temp
    const bindsBefore = binds(dc)
    const c = await env.connect({ actors: 'in-process', storage: new MemoryStorage(), pfs: { tempKeySeconds: 4 }, pool: { download: 1, upload: 1 }, onEvent: (e) => events.push(e) })
    try {
      await c.invoke(nearest)
      await c.invoke(nearest, { connection: 'download' })
      const bound = (): number => events.filter((e) => e.event.type === 'temp-key-bound').length
      // Bounded wait for the renewal (renewal time: half the 4 s lifetime).
      for (let i = 0; i < 500 && bound() < 2; i++) await new Promise((r) => setTimeout(r, 10))
      expect(bound()).toBe(2)
      expect(events.some((e) => e.event.type === 'temp-key-due')).toBe(true)
      expect((await c.invoke(nearest)).thisDc).toBe(2)
      expect((await c.invoke(nearest, { connection: 'download' })).thisDc).toBe(2)
      // Each temp key made was bound once, on the server too: no connection made one of its own (either connection
      // may be the one that renews, whichever reports the key due first).
      const made = events.filter((e) => e.event.type === 'auth-key' && e.event.temp).length
      expect(made).toBe(bound())
      expect(dc.keys.exchanges.temp - start).toBe(made)
      expect(binds(dc) - bindsBefore).toBe(made)
    } finally {
      await c.close()
    }
  })
})
