/**
 * configure(): a running actor is retuned the way a user would do it, on both actor kinds over real sockets: a call
 * whose answer the DC holds for 10 s completes through a resend once resendAfterMs is lowered from 60 s (the server
 * answers the duplicate from its cache; the call runs once), the reconnect policy reads back as set, and bad values
 * are refused with ArgumentError (across the thread boundary for the worker actor).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ActorConfig, ActorFactory } from '../../src/actors/actor-types.js'
import { createInProcessActor } from '../../src/actors/in-process-actor.js'
import { createWorkerActor } from '../../src/actors/worker-actor.js'
import { ArgumentError } from '../../src/errors.js'
import { type Cluster, startCluster } from '../../src/testing/index.js'
import { readResult } from '../../src/tl/index.js'
import { body, clusterOptions, getUser, initNearest, testConfig } from './actor-helpers.js'

let cluster: Cluster
let keyed: ActorConfig
beforeAll(async () => {
  cluster = await startCluster(clusterOptions)
  let got: ((c: ActorConfig) => void) | undefined
  const ready = new Promise<ActorConfig>((r) => (got = r))
  const maker = await createInProcessActor(testConfig(cluster, 1, { handshake: true }), {
    onUpdate: () => undefined,
    onEvent: (e) => {
      if (e.type === 'auth-key' && !e.temp) got?.(testConfig(cluster, 1, { authKey: e.result.authKey, serverSalt: e.result.serverSalt, timeOffset: e.result.timeOffset }))
    },
  })
  maker.allowHandshake()
  await maker.invoke(1, body(initNearest()), 'invokeWithLayer')
  keyed = await ready
  await maker.close()
}, 20_000)
afterAll(async () => {
  await cluster?.close()
})

const kinds: ReadonlyArray<readonly [string, ActorFactory, bigint]> = [
  ['in-process', createInProcessActor, 880_001n],
  ['worker', createWorkerActor, 880_002n],
]

describe.each(kinds)('configure on a %s actor', (_name, factory, id) => {
  it('lowers resendAfterMs on the live session: a held answer arrives through a resend, executed once', { timeout: 20_000 }, async () => {
    const actor = await factory({ ...keyed, session: { resendAfterMs: 60_000 } }, { onUpdate: () => undefined, onEvent: () => undefined })
    try {
      await actor.invoke(1, body(initNearest()), 'invokeWithLayer')
      const applied = await actor.configure({ session: { resendAfterMs: 100 }, reconnect: { maxDelayMs: 50 } })
      expect(applied.session.resendAfterMs).toBe(100)
      expect(applied.reconnect.maxDelayMs).toBe(50)
      const dc = cluster.dc(1)
      dc.faults.add({ fault: { kind: 'delay', ms: 10_000 }, schedule: { at: dc.faults.requests + 1 }, times: 1 })
      const req = getUser(id)
      const call = actor.invoke(2, body(req), req._).then((raw) => readResult(raw, req)[0]?.id)
      // Without the retune the answer would wait out the 10 s hold (the resend timer says 60 s).
      const marker = new Promise<string>((r) => setTimeout(() => r('still held'), 6_000).unref())
      expect(await Promise.race([call, marker])).toBe(id)
      expect(dc.executions.byArgument.get(`users.getUsers:${id}`)).toBe(1)
      dc.faults.clear()
      await expect(actor.configure({ session: { resendAfterMs: -1 } })).rejects.toBeInstanceOf(ArgumentError)
      await expect(actor.configure({ reconnect: { factor: Number.NaN } })).rejects.toBeInstanceOf(ArgumentError)
    } finally {
      await actor.close()
    }
  })
})
