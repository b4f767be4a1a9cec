/**
 * Supervision over real sockets: a DC worker is killed (terminate, and a crash injected through the data plane) while
 * 1,000 users.getUsers calls with distinct arguments are in flight; a small supervisor starts a replacement that
 * resumes the session and re-invokes the in-flight calls with their sent records (resumeInflight). Every result
 * matches its request and the cluster executed each exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ActorCallbacks, ActorConfig, ActorEvent, DcActor } from '../../src/actors/actor-types.js'
import { type InflightRequest, resumeInflight, SessionMirror } from '../../src/actors/supervision.js'
import { createWorkerActor, type WorkerActor } from '../../src/actors/worker-actor.js'
import type { MtError } from '../../src/errors.js'
import { type Cluster, startCluster } from '../../src/testing/index.js'
import { type Api, readResult } from '../../src/tl/index.js'
import { body, call, clusterOptions, getUser, initNearest, spawn, testConfig } from './actor-helpers.js'

interface Entry {
  readonly req: InflightRequest
  resolve(b: Uint8Array): void
  reject(e: MtError): void
}

/** The smallest supervisor: one actor lineage, replaced on 'exit' with resumeInflight. */
class Supervisor {
  actor!: DcActor
  readonly mirror = new SessionMirror()
  readonly inflight = new Map<number, Entry>()
  readonly dead = new Set<DcActor>()
  readonly sessionIds: bigint[] = []
  replaced: Promise<void> | undefined
  resent = 0
  /** Sent records the mirror held when the dead actor reported 'exit' (they come from the worker's shared memory). */
  sentAtExit = 0
  readonly callbacks: ActorCallbacks = {
    onUpdate: () => undefined,
    onEvent: (e: ActorEvent) => {
      this.mirror.onEvent(e)
      if (e.type === 'session' && this.sessionIds.at(-1) !== e.snapshot.sessionId) this.sessionIds.push(e.snapshot.sessionId)
      if (e.type === 'exit') {
        this.sentAtExit = this.mirror.sentCount
        this.replaced = this.#replace()
      }
    },
  }

  constructor(readonly config: ActorConfig) {}

  async start(): Promise<void> {
    this.actor = await createWorkerActor(this.config, this.callbacks)
  }

  call(requestId: number, req: Api.users.getUsers): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const entry: Entry = { req: { requestId, method: req._, serialize: () => body(req) }, resolve, reject }
      this.inflight.set(requestId, entry)
      this.#track(this.actor, entry, this.actor.invoke(requestId, entry.req.serialize(), req._))
    })
  }

  #track(actor: DcActor, entry: Entry, p: Promise<Uint8Array>): void {
    const id = entry.req.requestId
    p.then(
      (b) => {
        this.inflight.delete(id)
        this.mirror.settled(id)
        entry.resolve(b)
      },
      (e: MtError) => {
        // The dead actor rejects what it had pending: the replacement answers those.
        if (this.dead.has(actor)) return
        this.inflight.delete(id)
        this.mirror.settled(id)
        entry.reject(e)
      },
    )
  }

  async #replace(): Promise<void> {
    const old = this.actor
    this.dead.add(old)
    const entries = [...this.inflight.values()]
    const r = await resumeInflight(createWorkerActor, this.config, this.callbacks, this.mirror, entries.map((e) => e.req))
    this.actor = r.actor
    this.resent += r.resent
    r.results.forEach((p, i) => {
      const e = entries[i]
      if (e !== undefined) this.#track(r.actor, e, p)
    })
    await old.close()
  }
}

let cluster: Cluster
let config: ActorConfig
beforeAll(async () => {
  cluster = await startCluster(clusterOptions)
  const maker = await spawn(testConfig(cluster, 1, { handshake: true }))
  await call(maker.actor, 1, initNearest())
  const key = await maker.key
  await maker.actor.close()
  // No timer resends during the test: a resend is answered from the server's cache at once, which would release the
  // answers the delay faults hold and let every call finish before the kill. Supervision resends do not wait for it.
  config = testConfig(cluster, 1, { authKey: key.authKey, serverSalt: key.serverSalt, timeOffset: key.timeOffset, session: { resendAfterMs: 30_000 } })
}, 20_000)
afterAll(async () => {
  await cluster?.close()
})

describe('supervision: kill a DC worker with 1,000 calls in flight', { timeout: 20_000 }, () => {
  const kinds = [
    ['terminate', (a: DcActor) => void (a as WorkerActor).terminate()],
    ['injected crash', (a: DcActor) => (a as WorkerActor).injectFault('crash')],
  ] as const
  kinds.forEach(([name, kill], i) => {
    it(`${name}: the replacement resumes the session; every call answered with its own user, executed once`, async () => {
      const dc = cluster.dc(1)
      const sup = new Supervisor(config)
      await sup.start()
      try {
        await sup.actor.invoke(1, body(initNearest()), 'invokeWithLayer')
        // Hold some replies so that calls are executed but unanswered when the worker dies.
        dc.faults.add({ fault: { kind: 'delay', ms: 150 }, schedule: { every: 3 } })
        // And the last wave's answers for long enough that the kill surely finds them in flight.
        dc.faults.add({ fault: { kind: 'delay', ms: 3_000 }, schedule: { at: dc.faults.requests + 470 }, times: 1 })
        const first = dc.faults.requests
        const base = 70_000_000n + BigInt(i) * 10_000n
        const n = 1000
        const half = n / 2
        const ps: Promise<Uint8Array>[] = []
        let answered = 0
        // The first half in waves (separate flushes and containers), so some are answered and some not at the kill.
        const wave = 50
        for (let k = 0; k < half; k++) {
          const p = sup.call(10 + k, getUser(base + BigInt(k)))
          void p.then(() => answered++)
          ps.push(p)
          // Each wave reaches the server before the next is posted: its own containers, so a held answer holds only
          // its wave (the DC delays a frame's whole output by the sum of the delays its requests drew).
          if (k % wave === wave - 1) {
            const until = Date.now() + 5_000
            while (dc.faults.requests < first + k + 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 1))
          }
        }
        while (answered < wave) await new Promise((r) => setTimeout(r, 1))
        const atKill = { answered }
        // The second half is posted in the same turn as the kill: some never reach the wire.
        for (let k = half; k < n; k++) ps.push(sup.call(10 + k, getUser(base + BigInt(k))))
        await Promise.resolve()
        kill(sup.actor)
        // The delays only had to hold answers at the kill. Calls that never reached the dead worker's socket go to the
        // replacement as fresh requests, and delays serialized behind each other would only slow it down.
        dc.faults.clear()
        const res = await Promise.all(ps)
        expect(sup.replaced).toBeDefined()
        await sup.replaced
        const wrong = res.flatMap((raw, k) => (readResult(raw, getUser(0n))[0]?.id === base + BigInt(k) ? [] : [k]))
        expect(wrong).toEqual([])
        const notOnce: string[] = []
        for (let k = 0; k < n; k++) {
          const v = dc.executions.byArgument.get(`users.getUsers:${base + BigInt(k)}`)
          if (v !== 1) notOnce.push(`${k}:${v}`)
        }
        expect(notOnce).toEqual([])
        expect(atKill.answered).toBeLessThan(half)
        // Calls that reached the wire unanswered: their msg_ids came from the dead worker's shared mirror.
        expect(sup.sentAtExit).toBeGreaterThan(0)
        expect(sup.resent).toBeGreaterThan(0)
        // One session throughout: the replacement resumed it.
        expect(sup.sessionIds.length).toBe(1)
        expect(sup.dead.size).toBe(1)
      } finally {
        dc.faults.clear()
        await sup.replaced
        await sup.actor.close()
      }
    })
  })
})
