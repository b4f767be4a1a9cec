/**
 * MtClient's retry policy, cancellation, deadlines, update order, the -404 path and close() against the loopback
 * cluster over real sockets: FLOOD_WAIT under the threshold slept off (and remembered per method), over it a typed
 * FloodWaitError; AbortSignal while queued, sleeping and in flight; TimeoutError; each DC's updates in order; one key
 * regeneration for a DC's two connections; nothing of ours left in process.getActiveResourcesInfo() after close().
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CancelledError, TimeoutError } from '../../src/errors.js'
import { type ClientEvent, FloodWaitError, MemoryStorage, type MtClient } from '../../src/client/index.js'
import type { Api } from '../../src/tl/index.js'
import { recordingSleep, startEnv, type TestEnv } from './helpers/setup.js'

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

const nearest: Api.help.getNearestDc = { _: 'help.getNearestDc' }
const executions = (dc: number, arg: string): number => env.cluster.dc(dc).executions.byArgument.get(arg) ?? 0

describe('MtClient retry policy', { timeout: 20_000 }, () => {
  it('sleeps off a FLOOD_WAIT under the threshold with the injected sleep', async () => {
    const rec = recordingSleep()
    await withClient(async (c) => {
      env.cluster.dc(2).faults.floodWait('help.getNearestDc', 3, { count: 1 })
      const before = executions(2, 'help.getNearestDc')
      expect((await c.invoke(nearest)).thisDc).toBe(2)
      expect(rec.calls.length).toBe(1)
      expect(rec.calls[0]).toBeGreaterThan(2900)
      expect(rec.calls[0]).toBeLessThanOrEqual(3000)
      expect(executions(2, 'help.getNearestDc') - before).toBe(1)
    }, { retry: { sleep: rec.sleep, floodSleepThresholdSeconds: 10 } })
  })

  it('throws FloodWaitError over the threshold, and a later call of the method fails without reaching the DC', async () => {
    await withClient(async (c) => {
      env.cluster.dc(2).faults.floodWait('help.getNearestDc', 30, { count: 1 })
      const err = await c.invoke(nearest).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(FloodWaitError)
      expect((err as FloodWaitError).seconds).toBe(30)
      expect((err as FloodWaitError).method).toBe('help.getNearestDc')
      const before = executions(2, 'help.getNearestDc')
      const again = await c.invoke(nearest).catch((e: unknown) => e)
      expect(again).toBeInstanceOf(FloodWaitError)
      expect((again as FloodWaitError).seconds).toBeGreaterThan(28)
      expect(executions(2, 'help.getNearestDc')).toBe(before)
      // Other methods are not held back.
      expect((await c.invoke({ _: 'help.getConfig' })).thisDc).toBe(2)
    }, { retry: { floodSleepThresholdSeconds: 10 } })
  })

  it('a later call waits the rest of a remembered window (under the threshold) before it is sent', async () => {
    const rec = recordingSleep()
    await withClient(async (c) => {
      env.cluster.dc(2).faults.floodWait('help.getNearestDc', 5, { count: 2 })
      await c.invoke(nearest)
      // Both flood answers were slept off (the window was noted twice); the call then went through.
      expect(rec.calls.length).toBe(2)
      expect(rec.calls.every((ms) => ms > 4900 && ms <= 5000)).toBe(true)
    }, { retry: { sleep: rec.sleep, floodSleepThresholdSeconds: 10 } })
  })
})

describe('MtClient cancellation and deadlines', { timeout: 20_000 }, () => {
  it('honours AbortSignal in flight', async () => {
    await withClient(async (c) => {
      const off = env.cluster.dc(2).faults.add({ fault: { kind: 'delay', ms: 3000 }, schedule: { always: true }, method: 'help.getNearestDc', times: 1 })
      const ac = new AbortController()
      const t0 = Date.now()
      setTimeout(() => ac.abort(), 50)
      await expect(c.invoke(nearest, { signal: ac.signal })).rejects.toBeInstanceOf(CancelledError)
      expect(Date.now() - t0).toBeLessThan(2000)
      off()
      expect((await c.invoke({ _: 'help.getConfig' })).thisDc).toBe(2)
    })
  })

  it('honours AbortSignal while queued (before the DC has a connection) and when already aborted', async () => {
    await withClient(async (c) => {
      await expect(c.invoke(nearest, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CancelledError)
      const ac = new AbortController()
      const p = c.invoke(nearest, { dcId: 5, signal: ac.signal })
      ac.abort()
      await expect(p).rejects.toBeInstanceOf(CancelledError)
      // The DC stays usable.
      expect((await c.invoke(nearest, { dcId: 5 })).thisDc).toBe(5)
    })
  })

  it('honours AbortSignal while sleeping off a FLOOD_WAIT', async () => {
    await withClient(async (c) => {
      env.cluster.dc(2).faults.floodWait('help.getNearestDc', 5, { count: 1 })
      const ac = new AbortController()
      const t0 = Date.now()
      const p = c.invoke(nearest, { signal: ac.signal })
      setTimeout(() => ac.abort(), 100)
      await expect(p).rejects.toBeInstanceOf(CancelledError)
      expect(Date.now() - t0).toBeLessThan(2000)
    }, { retry: { floodSleepThresholdSeconds: 10 } })
  })

  it('fails with a typed TimeoutError after timeoutMs', async () => {
    await withClient(async (c) => {
      env.cluster.dc(2).faults.add({ fault: { kind: 'delay', ms: 2000 }, schedule: { always: true }, method: 'help.getNearestDc', times: 1 })
      const err = await c.invoke(nearest, { timeoutMs: 100 }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(TimeoutError)
      expect((err as TimeoutError).timeoutMs).toBe(100)
    })
  })

  it('close() cancels in-flight calls and leaves no sockets or timers behind', async () => {
    const count = (): Map<string, number> => {
      const m = new Map<string, number>()
      for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1)
      return m
    }
    const before = count()
    const c = await env.connect({ actors: 'worker' })
    await Promise.all([1, 3, 4].map((dcId) => c.invoke(nearest, { dcId })))
    env.cluster.dc(2).faults.add({ fault: { kind: 'delay', ms: 3000 }, schedule: { always: true }, method: 'help.getNearestDc', times: 1 })
    const pending = expect(c.invoke(nearest, { timeoutMs: 10_000 })).rejects.toBeInstanceOf(CancelledError)
    const updates = c.updates()
    const next = updates.next()
    await new Promise((r) => setTimeout(r, 50))
    await c.close()
    await pending
    expect((await next).done).toBe(true)
    await expect(c.invoke(nearest)).rejects.toBeInstanceOf(CancelledError)
    // The cluster's side of each socket closes a moment later: wait for it, bounded.
    let diff: string[] = []
    for (let i = 0; i < 100; i++) {
      const after = count()
      diff = [...after].filter(([k, n]) => n > (before.get(k) ?? 0)).map(([k, n]) => `${k}:${n - (before.get(k) ?? 0)}`)
      if (diff.length === 0) break
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(diff).toEqual([])
  })
})

describe('MtClient updates and keys', { timeout: 20_000 }, () => {
  it('delivers each DC updates in the order the DC sent them', async () => {
    await withClient(async (c) => {
      await Promise.all([1, 2, 3].map((dcId) => c.invoke(nearest, { dcId })))
      const it = c.updates()
      const n = 60
      for (let k = 0; k < n; k++) {
        const dcId = (k % 3) + 1
        const u: Api.updateShort = { _: 'updateShort', update: { _: 'updateConfig' }, date: 1000 + k }
        expect(env.cluster.pushUpdate(dcId, u)).toBe(1)
      }
      const got: number[] = []
      for (let k = 0; k < n; k++) {
        const r = await it.next()
        if (r.done === true || r.value._ !== 'updateShort') throw new Error(`unexpected ${JSON.stringify(r.value?._)}`)
        got.push(r.value.date - 1000)
      }
      await it.return?.()
      for (const dcId of [1, 2, 3]) {
        const mine = got.filter((k) => (k % 3) + 1 === dcId)
        expect(mine).toEqual([...mine].sort((a, b) => a - b))
        expect(mine.length).toBe(n / 3)
      }
    })
  })

  it('-404: both connections of the DC drop the key and exactly one regenerates it', async () => {
    const events: ClientEvent[] = []
    const storage = new MemoryStorage()
    await withClient(async (c) => {
      await c.invoke(nearest)
      await c.invoke(nearest, { connection: 'download' })
      const keyBefore = storage.getAuthKey(2)?.authKeyId
      const keysOnDc = env.cluster.dc(2).keys.size
      events.length = 0
      env.cluster.dc(2).faults.add({ fault: { kind: 'forget-auth-key' }, schedule: { at: env.cluster.dc(2).faults.requests + 1 }, times: 1 })
      const all = [
        ...Array.from({ length: 5 }, () => c.invoke(nearest)),
        ...Array.from({ length: 5 }, () => c.invoke(nearest, { connection: 'download' })),
      ]
      const results = await Promise.all(all)
      expect(results.every((r) => r.thisDc === 2)).toBe(true)
      const newKeys = events.filter((e) => e.event.type === 'auth-key')
      expect(newKeys.length).toBe(1)
      expect(events.filter((e) => e.event.type === 'auth-key-dropped').length).toBeGreaterThanOrEqual(1)
      expect(storage.getAuthKey(2)?.authKeyId).not.toBe(keyBefore)
      expect(env.cluster.dc(2).keys.size).toBe(keysOnDc)
      const st = await c.status()
      expect(st.filter((s) => s.dcId === 2).every((s) => s.hasAuthKey && s.regenerations === 1)).toBe(true)
    }, { storage, onEvent: (e) => events.push(e), actors: 'worker' })
  })
})
