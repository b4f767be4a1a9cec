/**
 * The worker-thread DC actor against the loopback cluster over real sockets: real threads, the shared rings (small
 * bodies copied inline, large ones transferred and detached, results in buffers of their own), doorbells per turn, back-pressure, errors crossing as their own classes, waiting
 * for a key, -404, wake(), and a close() that leaves nothing behind. Serial, with explicit timeouts.
 */
import { threadId } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ArgumentError, CancelledError, InternalError, NetworkError, TimeoutError } from '../../src/errors.js'
import type { AuthKeyResult } from '../../src/protocol/auth/index.js'
import { RpcError } from '../../src/protocol/rpc-error.js'
import { TransportError } from '../../src/protocol/errors.js'
import { type Cluster, startCluster } from '../../src/testing/index.js'
import { type Api, deserializeObject, readResult } from '../../src/tl/index.js'
import { INLINE_MAX } from '../../src/actors/worker-actor.js'
import { body, call, clusterOptions, getUser, initNearest, type Spawned, spawn, testConfig } from './actor-helpers.js'

let cluster: Cluster
let first: Spawned
let second: Spawned
let key: AuthKeyResult
const baseline = new Map<string, number>()

const countResources = (): Map<string, number> => {
  const m = new Map<string, number>()
  for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1)
  return m
}

beforeAll(async () => {
  for (const [k, v] of countResources()) baseline.set(k, v)
  cluster = await startCluster(clusterOptions)
  first = await spawn(testConfig(cluster, 1, { handshake: true }))
  key = await first.key
  second = await spawn(testConfig(cluster, 1, { authKey: key.authKey, serverSalt: key.serverSalt, timeOffset: key.timeOffset }))
  await call(first.actor, 1, initNearest())
  await call(second.actor, 1, initNearest())
}, 30_000)

afterAll(async () => {
  await first?.actor.close()
  await second?.actor.close()
  await cluster?.close()
})

let nextId = 100
const id = (): number => nextId++

describe('worker actor: threads and transfer', { timeout: 15_000 }, () => {
  it('runs each actor in its own worker thread', async () => {
    const a = await first.actor.status()
    const b = await second.actor.status()
    expect(a.threadId).not.toBe(threadId)
    expect(b.threadId).not.toBe(threadId)
    expect(a.threadId).not.toBe(b.threadId)
    expect(a.threadId).toBe(first.actor.threadId)
    expect(a).toMatchObject({ dcId: 1, connected: true, hasAuthKey: true, pending: 0 })
  })

  it('runs the thread with the V8 limits ActorConfig.workerLimits asks for, and answers under them', async () => {
    const capped = await spawn(testConfig(cluster, 1, { authKey: key.authKey, serverSalt: key.serverSalt, workerLimits: { maxYoungGenerationSizeMb: 2 } }))
    try {
      expect(capped.actor.resourceLimits.maxYoungGenerationSizeMb).toBe(2)
      expect((await call(capped.actor, id(), initNearest())).thisDc).toBe(1)
    } finally {
      await capped.actor.close()
    }
    expect(first.actor.resourceLimits.maxYoungGenerationSizeMb).not.toBe(2)
  })

  it('copies a small body into the shared ring (the caller keeps it); results come back in this thread\'s memory', async () => {
    const b = body(getUser(7n))
    expect(b.byteLength).toBeLessThanOrEqual(INLINE_MAX)
    const copy = Uint8Array.from(b)
    const raw = await first.actor.invoke(id(), b, 'users.getUsers')
    expect(b.buffer.byteLength).toBe(b.byteLength)
    expect(Buffer.compare(b, copy)).toBe(0)
    // Copied out of shared memory into memory of this thread (a slab view: results never overlap, see below).
    expect(raw.buffer).toBeInstanceOf(ArrayBuffer)
    expect(readResult(raw, getUser(7n))[0]?.id).toBe(7n)
  })

  it('transfers a body above INLINE_MAX (detached afterwards); large echoes come back through the port', async () => {
    const bytes = Uint8Array.from({ length: 64 * 1024 }, (_, k) => (k * 31 + 7) & 0xff)
    const fileId = 424242n
    const req: Api.upload.saveFilePart = { _: 'upload.saveFilePart', fileId, filePart: 0, bytes }
    const b = body(req)
    expect(b.byteLength).toBeGreaterThan(INLINE_MAX)
    const p = first.actor.invoke(id(), b, req._)
    expect(b.buffer.byteLength).toBe(0)
    expect(readResult(await p, req)).toBe(true)
    expect(Buffer.compare(cluster.dc(1).uploads.assembled(fileId) ?? new Uint8Array(), bytes)).toBe(0)
    const big = await Promise.all([3, 5].map((k) => first.actor.echo(bytes.map((x) => x ^ k))))
    expect(big.map((e) => e.byteLength)).toEqual([bytes.length, bytes.length])
    expect(big.map((e) => [e[0], e[bytes.length - 1]])).toEqual([3, 5].map((k) => [(bytes[0] as number) ^ k, (bytes[bytes.length - 1] as number) ^ k]))
  })

  it('copies a view it does not own outright (a pooled Buffer slice) once instead of detaching its pool', async () => {
    const src = body(getUser(8n))
    const pooled = Buffer.from(src)
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength)
    const raw = await first.actor.invoke(id(), pooled, 'users.getUsers')
    expect(pooled.buffer.byteLength).toBeGreaterThan(0)
    expect(Buffer.compare(pooled, src)).toBe(0)
    expect(readResult(raw, getUser(8n))[0]?.id).toBe(8n)
  })

  it('a turn of invokes costs one doorbell at most each way; echoes cross the rings too', async () => {
    const before = first.actor.stats
    const w0 = await first.actor.workerStatus()
    const n = 300
    const res = await Promise.all(Array.from({ length: n }, (_, k) => call(first.actor, id(), getUser(1000n + BigInt(k)))))
    expect(res.map((u) => u[0]?.id)).toEqual(Array.from({ length: n }, (_, k) => 1000n + BigInt(k)))
    const after = first.actor.stats
    expect(after.recordsOut - before.recordsOut).toBe(n)
    expect(after.doorbellsOut - before.doorbellsOut).toBeLessThanOrEqual(1)
    const w1 = await first.actor.workerStatus()
    expect(w1.drains - w0.drains).toBeLessThanOrEqual(2)
    // n results (and perhaps a session event), in far fewer wake-ups than records.
    expect(w1.recordsOut - w0.recordsOut).toBeGreaterThanOrEqual(n)
    expect(w1.doorbellsOut - w0.doorbellsOut).toBeLessThan(n / 10)
    const echoes = await Promise.all(Array.from({ length: 100 }, (_, k) => first.actor.echo(new Uint8Array([k]))))
    expect(echoes.map((e) => e[0])).toEqual(Array.from({ length: 100 }, (_, k) => k))
  })
})

describe('worker actor: updates', { timeout: 15_000 }, () => {
  it('delivers pushed updates in the order the DC sent them, each in bytes of its own', async () => {
    const before = first.updates.length
    const n = 20
    for (let k = 0; k < n; k++) {
      const u: Api.Updates = { _: 'updateShort', update: { _: 'updateUserTyping', userId: BigInt(k + 1), action: { _: 'sendMessageTypingAction' } }, date: k }
      expect(cluster.pushUpdate(1, u)).toBeGreaterThanOrEqual(1)
    }
    const until = Date.now() + 5_000
    while (first.updates.length < before + n && Date.now() < until) await new Promise((r) => setTimeout(r, 5))
    const bodies = first.updates.slice(before)
    const got = bodies.map((b) => {
      expect(b.buffer).toBeInstanceOf(ArrayBuffer)
      const o = deserializeObject(b) as Api.updateShort
      return o.date
    })
    expect(got).toEqual(Array.from({ length: n }, (_, k) => k))
    // Each body is bytes of its own: no two overlap (slab views are never reused).
    const spans = bodies.map((b) => [b.buffer, b.byteOffset, b.byteOffset + b.byteLength] as const)
    for (const [i, [buf, a, z]] of spans.entries()) for (const [bufB, a2, z2] of spans.slice(i + 1)) if (buf === bufB) expect(z <= a2 || z2 <= a).toBe(true)
  })
})

describe('worker actor: errors, back-pressure, keys', { timeout: 15_000 }, () => {
  it('rejects with the same error classes and fields as in the worker', async () => {
    const empty: Api.users.getUsers = { _: 'users.getUsers', id: [{ _: 'inputUserEmpty' }] }
    const rpc = await first.actor.invoke(id(), body(empty), 'users.getUsers').catch((e: unknown) => e)
    expect(rpc).toBeInstanceOf(RpcError)
    expect(rpc).toMatchObject({ code: 400, text: 'USER_ID_INVALID' })
    const bad = await first.actor.invoke(id(), new Uint8Array(6), 'users.getUsers').catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(ArgumentError)
    expect(bad).toMatchObject({ argument: 'body' })
    const dc = cluster.dc(1)
    dc.faults.add({ fault: { kind: 'delay', ms: 400 }, schedule: { at: dc.faults.requests + 1 }, times: 1 })
    const slow = await first.actor.invoke(id(), body(getUser(9n)), 'users.getUsers', { timeoutMs: 50 }).catch((e: unknown) => e)
    expect(slow).toBeInstanceOf(TimeoutError)
    expect(slow).toMatchObject({ timeoutMs: 50 })
    dc.faults.clear()
    const ac = new AbortController()
    const p = first.actor.invoke(id(), body(getUser(10n)), 'users.getUsers', { signal: ac.signal })
    ac.abort()
    await expect(p).rejects.toBeInstanceOf(CancelledError)
  })

  it('applies back-pressure: at most maxQueued invokes unacknowledged, the rest wait', async () => {
    const s = await spawn(testConfig(cluster, 1, { authKey: key.authKey, serverSalt: key.serverSalt, maxQueued: 4 }))
    try {
      await call(s.actor, 1, initNearest())
      s.actor.injectFault('block', 300)
      const ps = Array.from({ length: 10 }, (_, k) => call(s.actor, 10 + k, getUser(2000n + BigInt(k))))
      await new Promise((r) => setTimeout(r, 50))
      expect(s.actor.stats).toMatchObject({ unacked: 4, waiting: 6 })
      const res = await Promise.all(ps)
      expect(res.map((u) => u[0]?.id)).toEqual(Array.from({ length: 10 }, (_, k) => 2000n + BigInt(k)))
      expect(s.actor.stats).toMatchObject({ unacked: 0, waiting: 0, pending: 0 })
    } finally {
      await s.actor.close()
    }
  })

  it('back-pressure hands freed room to waiting callers oldest first; an aborted wait gives up its place', async () => {
    const s = await spawn(testConfig(cluster, 1, { authKey: key.authKey, serverSalt: key.serverSalt, maxQueued: 1 }))
    try {
      await call(s.actor, 1, initNearest())
      s.actor.injectFault('block', 200)
      const first = call(s.actor, 10, getUser(3000n))
      const ac = new AbortController()
      const req = getUser(3001n)
      const aborted = s.actor.invoke(11, body(req), req._, { signal: ac.signal })
      const last = call(s.actor, 12, getUser(3002n))
      await new Promise((r) => setTimeout(r, 20))
      expect(s.actor.stats).toMatchObject({ unacked: 1, waiting: 2 })
      ac.abort()
      await expect(aborted).rejects.toBeInstanceOf(CancelledError)
      expect(s.actor.stats).toMatchObject({ waiting: 1 })
      // With room for one, the one caller still waiting gets it (the aborted wait no longer holds a place).
      expect((await first)[0]?.id).toBe(3000n)
      expect((await last)[0]?.id).toBe(3002n)
      expect(s.actor.stats).toMatchObject({ unacked: 0, waiting: 0, pending: 0 })
    } finally {
      await s.actor.close()
    }
  })

  it('without a key and handshake: false, waits for setAuthKey; -404 drops the key and waits until allowed', async () => {
    // A key of its own: the -404 below makes the server forget it.
    const maker = await spawn(testConfig(cluster, 1, { handshake: true }))
    await call(maker.actor, 1, initNearest())
    const own = await maker.key
    await maker.actor.close()
    const s = await spawn(testConfig(cluster, 1))
    try {
      const st = await s.actor.status()
      expect(st.hasAuthKey).toBe(false)
      const p = call(s.actor, 1, initNearest())
      await new Promise((r) => setTimeout(r, 100))
      expect(s.events.some((e) => e.type === 'connected')).toBe(false)
      s.actor.setAuthKey(own)
      expect((await p).thisDc).toBe(1)
      const dc = cluster.dc(1)
      dc.faults.add({ fault: { kind: 'forget-auth-key' }, schedule: { at: dc.faults.requests + 1 }, times: 1 })
      const lost = call(s.actor, 2, getUser(3000n)).catch((e: unknown) => e)
      await waitFor(() => s.events.some((e) => e.type === 'auth-key-dropped'))
      const dropped = s.events.find((e) => e.type === 'auth-key-dropped')
      expect(dropped?.type === 'auth-key-dropped' && dropped.error).toBeInstanceOf(TransportError)
      await new Promise((r) => setTimeout(r, 100))
      expect((await s.actor.status()).hasAuthKey).toBe(false)
      s.actor.allowHandshake()
      await waitFor(() => s.events.some((e) => e.type === 'auth-key'))
      // The new key has no initConnection yet: the moved call settles with a result or CONNECTION_NOT_INITED.
      const r = await lost
      if (r instanceof Error) expect(r).toMatchObject({ text: 'CONNECTION_NOT_INITED' })
      expect((await call(s.actor, 3, initNearest())).thisDc).toBe(1)
    } finally {
      await s.actor.close()
    }
  })

  it('wake() skips the reconnect backoff', async () => {
    const s = await spawn(testConfig(cluster, 1, { authKey: key.authKey, reconnect: { minDelayMs: 30_000, maxDelayMs: 30_000, jitter: 0 } }))
    try {
      await call(s.actor, 1, initNearest())
      const dc = cluster.dc(1)
      dc.faults.add({ fault: { kind: 'drop-after-bytes', bytes: 0 }, schedule: { at: dc.faults.requests + 1 }, times: 1 })
      const p = call(s.actor, 2, getUser(4000n))
      await waitFor(() => s.events.some((e) => e.type === 'disconnected'))
      await new Promise((r) => setTimeout(r, 100))
      const t0 = Date.now()
      s.actor.wake()
      expect((await p)[0]?.id).toBe(4000n)
      expect(Date.now() - t0).toBeLessThan(10_000)
    } finally {
      await s.actor.close()
    }
  })

  it('a crash rejects pending invokes with the crash error and reports exit; close() of a live actor cancels', async () => {
    const s = await spawn(testConfig(cluster, 1, { authKey: key.authKey }))
    const exited = new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (s.events.some((e) => e.type === 'exit')) {
          clearInterval(t)
          resolve()
        }
      }, 5)
    })
    const dc = cluster.dc(1)
    dc.faults.add({ fault: { kind: 'delay', ms: 2_000 }, schedule: { every: 1 } })
    try {
      const p = s.actor.invoke(1, body(getUser(5000n)), 'users.getUsers').catch((e: unknown) => e)
      await new Promise((r) => setTimeout(r, 50))
      s.actor.injectFault('crash')
      await exited
      const err = await p
      expect(err).toBeInstanceOf(InternalError)
      const exit = s.events.find((e) => e.type === 'exit')
      expect(exit?.type === 'exit' && exit.error).toBe(err)
      await expect(s.actor.invoke(2, body(getUser(1n)), 'users.getUsers')).rejects.toBe(err)
    } finally {
      dc.faults.clear()
      await s.actor.close()
    }
    const live = await spawn(testConfig(cluster, 1, { authKey: key.authKey }))
    dc.faults.add({ fault: { kind: 'delay', ms: 2_000 }, schedule: { every: 1 } })
    try {
      const p = live.actor.invoke(1, body(getUser(5001n)), 'users.getUsers').catch((e: unknown) => e)
      await new Promise((r) => setTimeout(r, 50))
      await live.actor.close()
      expect(await p).toBeInstanceOf(CancelledError)
      expect(live.events.some((e) => e.type === 'exit')).toBe(false)
    } finally {
      dc.faults.clear()
    }
    const term = await spawn(testConfig(cluster, 1, { authKey: key.authKey }))
    await term.actor.terminate()
    await waitFor(() => term.events.some((e) => e.type === 'exit'))
    const e = term.events.find((x) => x.type === 'exit')
    expect(e?.type === 'exit' && e.error).toBeInstanceOf(NetworkError)
    await term.actor.close()
  })
})

describe('worker actor: resources', { timeout: 15_000 }, () => {
  it('close() leaves no thread, port, socket or timer of ours behind', async () => {
    await first.actor.close()
    await second.actor.close()
    await cluster.close()
    // Handles close on the next turns.
    await new Promise((r) => setTimeout(r, 50))
    const now = countResources()
    const extra: string[] = []
    for (const [k, v] of now) if (v > (baseline.get(k) ?? 0)) extra.push(`${k} x${v - (baseline.get(k) ?? 0)}`)
    expect(extra).toEqual([])
  })
})

async function waitFor(cond: () => boolean, ms = 5_000): Promise<void> {
  const until = Date.now() + ms
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}
