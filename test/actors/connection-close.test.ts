/**
 * close() in the middle of a key exchange, at many points, against the loopback cluster over real sockets: inside
 * each step of the exchange (start, every answer) synchronously, a microtask or a macrotask later, or after a seeded
 * delay; permanent and PFS temp keys; Connection.start and Connection.connect. No promise may reject unobserved, and
 * close() must not wait out the key exchange deadline.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key (the exchange closed mid-way).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClientHandshake } from '../../src/protocol/auth/index.js'
import { Connection, type ConnectionOptions, type HandshakeFactory } from '../../src/actors/connection.js'
import { type Cluster, startCluster } from '../../src/testing/index.js'
import { prng } from './prng.js'

let cluster: Cluster
beforeAll(async () => {
  cluster = await startCluster({ dcs: 1, loginRequired: false })
})
afterAll(async () => {
  await cluster.close()
})

type When = 'sync' | 'microtask' | 'immediate' | 'delay'
const WHENS: When[] = ['sync', 'microtask', 'immediate', 'delay']

/** Runs `fn` now, in a microtask, in a macrotask, or after `ms`. */
function at(when: When, ms: number, fn: () => void): void {
  if (when === 'sync') fn()
  else if (when === 'microtask') queueMicrotask(fn)
  else if (when === 'immediate') setImmediate(fn)
  else setTimeout(fn, ms)
}

/**
 * The default key exchange, with a hook before step `step` of it (0: start, 1..: each server answer, PFS counting on
 * through the temp key exchange).
 */
function hooked(rsa: Cluster['publicKey'], step: number, hook: () => void): HandshakeFactory {
  let n = 0
  return (ctx) => {
    const hs = new ClientHandshake({ ...ctx, rsaKeys: [rsa] })
    return {
      start(nowMs) {
        if (n++ === step) hook()
        return hs.start(nowMs)
      },
      receive(body, nowMs) {
        if (n++ === step) hook()
        return hs.receive(body, nowMs)
      },
    }
  }
}

describe('close() during the key exchange', { timeout: 60_000 }, () => {
  it('never leaves a rejection unobserved, at any point of the exchange (seeded)', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (e: unknown): void => void unhandled.push(e)
    process.on('unhandledRejection', onUnhandled)
    const rand = prng(0x5eed)
    const dc = cluster.dc(1)
    try {
      for (let i = 0; i < 48; i++) {
        const pfs = rand() < 0.5
        // A permanent exchange has 4 steps (start + 3 answers); PFS runs a temp one after it.
        const step = Math.floor(rand() * (pfs ? 8 : 4))
        const when = WHENS[Math.floor(rand() * WHENS.length)] as When
        const ms = Math.floor(rand() * 15)
        const viaConnect = rand() < 0.3
        let conn: Connection | undefined
        let closing: Promise<void> | undefined
        let fire: () => void = () => undefined
        const hook = (): void => at(when, ms, () => fire())
        const opts: ConnectionOptions = {
          host: dc.host,
          port: dc.port,
          dcId: 1,
          // Long: a run left unfailed by close() would hold its close() this long (and the test past its timeout).
          connectTimeoutMs: 30_000,
          reconnect: { minDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 },
          handshake: hooked(cluster.publicKey, step, hook),
          ...(pfs ? { pfs: { tempKeySeconds: 600 } } : {}),
        }
        if (viaConnect) {
          // The caller has no handle before connect settles: close through the first event instead.
          let c: Connection | undefined
          let pendingClose = false
          fire = () => {
            if (c !== undefined) closing = c.close()
            else pendingClose = true
          }
          const connected = Connection.connect({ ...opts, onEvent: () => undefined }).then(
            (x) => {
              c = x
              if (pendingClose) closing = x.close()
              return x
            },
            (e: unknown) => e,
          )
          const r = await connected
          if (r instanceof Connection) conn = r
        } else {
          const c = Connection.start(opts)
          conn = c
          fire = () => {
            closing = c.close()
          }
          // A call queued before the key exists: it must fail with CancelledError, observed.
          const call = c.invoke(new Uint8Array(4), 'probe').catch((e: unknown) => e)
          // Bounded: the exchange finishes or the hook closes it; close below covers the rest.
          for (let k = 0; k < 400 && closing === undefined && !c.connected; k++) await new Promise((r) => setTimeout(r, 5))
          await closing
          await c.close()
          const err = await call
          expect(err === undefined || err instanceof Error).toBe(true)
        }
        await closing
        await conn?.close()
        // Let stray rejections surface: two macrotask turns.
        await new Promise((r) => setImmediate(r))
        await new Promise((r) => setImmediate(r))
        expect({ i, pfs, step, when, unhandled: unhandled.map(String) }).toEqual({ i, pfs, step, when, unhandled: [] })
      }
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})
