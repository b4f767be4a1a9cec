/**
 * The engine's fault schedules through the worker actor over real sockets: pipelined users.getUsers calls with
 * distinct arguments under drop, delay, reorder, duplicate, bad-salt and restart; each answered with its own user and
 * executed exactly once. Serial, each well under 10 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ActorEvent } from '../../src/actors/actor-types.js'
import type { WorkerActor } from '../../src/actors/worker-actor.js'
import { type ArmedFault, type Cluster, startCluster } from '../../src/testing/index.js'
import { readResult } from '../../src/tl/index.js'
import { body, call, getUser, initNearest, spawn, testConfig } from './actor-helpers.js'

let cluster: Cluster
let actor: WorkerActor
let events: ActorEvent[] = []
beforeAll(async () => {
  cluster = await startCluster({ dcs: 1 })
  const s = await spawn(testConfig(cluster, 1, { handshake: true }))
  actor = s.actor
  events = s.events
  await call(actor, 1, initNearest())
}, 20_000)
afterAll(async () => {
  await actor?.close()
  await cluster?.close()
})

describe('exactly once through the worker actor', { timeout: 10_000 }, () => {
  const cases: Array<[string, ArmedFault[]]> = [
    ['drop-after-bytes', [{ fault: { kind: 'drop-after-bytes', bytes: 3000 }, schedule: { at: 400 }, times: 1 }]],
    ['delay', [{ fault: { kind: 'delay', ms: 30 }, schedule: { every: 150 } }]],
    ['reorder', [{ fault: { kind: 'reorder' }, schedule: { every: 170 } }]],
    ['duplicate', [{ fault: { kind: 'duplicate' }, schedule: { every: 97 } }]],
    ['bad-salt', [{ fault: { kind: 'bad-salt' }, schedule: { every: 133 } }]],
    ['restart', [{ fault: { kind: 'restart' }, schedule: { at: 600 }, times: 1 }]],
  ]
  let nextId = 1_000
  cases.forEach(([name, faults], i) => {
    it(`1,000 pipelined users.getUsers with ${name}: each answered with its own user and executed once`, async () => {
      const dc = cluster.dc(1)
      dc.faults.clear()
      const n = 1000
      const base = 80_000_000n + BigInt(i) * 10_000n
      for (const f of faults) dc.faults.add({ ...f, schedule: 'at' in f.schedule ? { at: dc.faults.requests + f.schedule.at } : f.schedule })
      const drops = events.filter((e) => e.type === 'disconnected').length
      try {
        // Ten waves (separate flushes and containers), so a fault lands between answers, not after all of them.
        const ps: Promise<Uint8Array>[] = []
        for (let k = 0; k < n; k++) {
          ps.push(actor.invoke(nextId++, body(getUser(base + BigInt(k))), 'users.getUsers'))
          if (k % 100 === 99) await new Promise((r) => setTimeout(r, 2))
        }
        const res = await Promise.all(ps)
        const wrong = res.flatMap((raw, k) => (readResult(raw, getUser(0n))[0]?.id === base + BigInt(k) ? [] : [k]))
        expect(wrong).toEqual([])
        const notOnce: string[] = []
        for (let k = 0; k < n; k++) {
          const v = dc.executions.byArgument.get(`users.getUsers:${base + BigInt(k)}`)
          if (v !== 1) notOnce.push(`${k}:${v}`)
        }
        expect(notOnce).toEqual([])
        // The connection-dropping faults really dropped it (and the actor reconnected).
        if (name === 'drop-after-bytes' || name === 'restart') expect(events.filter((e) => e.type === 'disconnected').length).toBeGreaterThan(drops)
      } finally {
        dc.faults.clear()
      }
    })
  })
})
