/**
 * Supervision through the coordinator, over real sockets and real worker threads: a DC worker killed while 500
 * users.getUsers calls with distinct arguments are in flight is replaced by one that resumes the session; every call
 * resolves with its own answer and the cluster executed each exactly once (resent under the original msg_ids).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ActorFactory } from '../../src/actors/actor-types.js'
import { createWorkerActor, type WorkerActor } from '../../src/actors/worker-actor.js'
import type { ClientEvent } from '../../src/client/index.js'
import type { Api } from '../../src/tl/index.js'
import { startEnv, type TestEnv } from './helpers/setup.js'

let env: TestEnv
beforeAll(async () => {
  env = await startEnv('worker')
  env.cluster.loginRequired = false
})
afterAll(async () => {
  await env.cluster.close()
})

describe('MtClient supervision', { timeout: 30_000 }, () => {
  it.each(['terminate', 'crash'] as const)('replaces a DC worker killed by %s with 500 calls in flight: each executed once', async (how) => {
    const actors: Array<{ dcId: number; actor: WorkerActor; config: Parameters<ActorFactory>[0] }> = []
    const factory: ActorFactory = async (config, callbacks) => {
      const actor = (await createWorkerActor(config, callbacks)) as WorkerActor
      actors.push({ dcId: config.endpoint.dcId, actor, config })
      return actor
    }
    const events: ClientEvent[] = []
    const c = await env.connect({ actors: factory, onEvent: (e) => events.push(e) })
    try {
      const base = how === 'terminate' ? 70_000_000n : 80_000_000n
      const n = 500
      const dc2 = env.cluster.dc(2)
      // Answers held back a little, so the calls are on the wire when the worker dies.
      const off = dc2.faults.add({ fault: { kind: 'delay', ms: 150 }, schedule: { always: true }, method: 'users.getUsers' })
      const calls = Array.from({ length: n }, (_, k) => {
        const req: Api.users.getUsers = { _: 'users.getUsers', id: [{ _: 'inputUser', userId: base + BigInt(k), accessHash: 0n }] }
        return c.invoke(req)
      })
      await new Promise((r) => setTimeout(r, 60))
      const victim = actors.find((a) => a.dcId === 2)
      if (victim === undefined) throw new Error('no DC 2 actor')
      if (how === 'terminate') await victim.actor.terminate()
      else victim.actor.injectFault('crash')
      const results = await Promise.all(calls)
      off()
      expect(results.every((r, k) => r[0]?.id === base + BigInt(k))).toBe(true)
      let notOnce = 0
      for (let k = 0; k < n; k++) if (dc2.executions.byArgument.get(`users.getUsers:${base + BigInt(k)}`) !== 1) notOnce++
      expect(notOnce).toBe(0)
      expect(events.filter((e) => e.event.type === 'exit').length).toBe(1)
      // The replacement resumed the dead worker's session.
      const replacement = actors.filter((a) => a.dcId === 2)[1]
      expect(replacement?.config.resume).toBeDefined()
      expect(replacement?.actor.threadId).not.toBe(victim.actor.threadId)
    } finally {
      await c.close()
    }
  })
})
