/**
 * The cluster's key exchange over real sockets with the auth branch's ClientHandshake: a key it creates works for
 * encrypted calls; dh_gen_retry is survived; dh_gen_fail is a typed error; a test-DC id on a production cluster
 * gets -444.
 */
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AuthError } from '../../src/protocol/auth/errors.js'
import { ClientHandshake, type ClientHandshakeOptions } from '../../src/protocol/auth/client.js'
import type { AuthKeyResult } from '../../src/protocol/auth/common.js'
import { MsgIdGenerator } from '../../src/protocol/mtp/msg-id.js'
import { decodePlainFrame, encodePlainFrame } from '../../src/protocol/mtp/server-wire.js'
import { seededRandom } from '../../src/protocol/random.js'
import { IntermediateCodec } from '../../src/protocol/transport/index.js'
import { type Cluster, startCluster } from '../../src/testing/index.js'
import { initWrap } from './helpers/mini-client.js'
import { crypto, openClient } from './helpers/setup.js'

let cluster: Cluster
beforeAll(async () => {
  cluster = await startCluster({ dcs: 2 })
})
afterAll(async () => {
  await cluster.close()
})

/** Runs a ClientHandshake over TCP to `dcId`; resolves with its result, or rejects with its error / the transport code. */
function handshake(dcId: number, opts: Partial<ClientHandshakeOptions> = {}): Promise<AuthKeyResult> {
  const hs = new ClientHandshake({ crypto, random: seededRandom(dcId * 31 + 7), dcId, rsaKeys: [cluster.publicKey], ...opts })
  const codec = new IntermediateCodec()
  const ids = new MsgIdGenerator('client')
  return new Promise((resolve, reject) => {
    const s = connect({ host: cluster.host, port: cluster.dc(Math.abs(dcId) % 10000).port }, () => {
      s.write(codec.encode(encodePlainFrame(hs.start(Date.now()), ids.next(Date.now()))))
    })
    const timer = setTimeout(() => {
      s.destroy()
      reject(new Error('handshake timed out'))
    }, 8000)
    const finish = (f: () => void): void => {
      clearTimeout(timer)
      s.destroy()
      f()
    }
    s.on('data', (d: Buffer) => {
      try {
        for (const ev of codec.push(new Uint8Array(d))) {
          if (ev.type === 'error') return finish(() => reject(ev.error))
          if (ev.type !== 'frame') continue
          const step = hs.receive(decodePlainFrame(ev.payload).body, Date.now())
          if ('done' in step) return finish(() => resolve(step.done))
          s.write(codec.encode(encodePlainFrame(step.send, ids.next(Date.now()))))
        }
      } catch (e) {
        finish(() => reject(e))
      }
    })
    s.on('error', (e) => finish(() => reject(e)))
  })
}

describe('key exchange on the cluster', () => {
  it('creates a key the DC then accepts for encrypted calls', async () => {
    const res = await handshake(1)
    expect(cluster.dc(1).keys.get(res.authKeyId)).toBeDefined()
    const c = await openClient(cluster, { key: res.authKey })
    try {
      c.salt = res.serverSalt
      const id = c.send(initWrap({ _: 'help.getNearestDc' }))
      await c.waitResult(id)
    } finally {
      c.close()
    }
  })

  it('creates temp keys (PFS) that carry their expiry', async () => {
    const before = { ...cluster.dc(2).keys.exchanges }
    const res = await handshake(2, { temp: { expiresInSeconds: 600 } })
    const key = cluster.dc(2).keys.get(res.authKeyId)
    // Counted as one temp key exchange, no permanent one.
    expect(cluster.dc(2).keys.exchanges).toEqual({ permanent: before.permanent, temp: before.temp + 1 })
    expect(key?.temp).toBe(true)
    expect(key?.expiresAt).toBeGreaterThan(Date.now() / 1000)
  })

  it('survives dh_gen_retry and reports dh_gen_fail as a typed error', async () => {
    const dc = cluster.dc(1)
    dc.handshake.mode = 'retry'
    try {
      const res = await handshake(1)
      expect(dc.keys.get(res.authKeyId)).toBeDefined()
      dc.handshake.mode = 'fail'
      await expect(handshake(1)).rejects.toBeInstanceOf(AuthError)
    } finally {
      dc.handshake.mode = 'ok'
    }
  })

  it('answers -444 to a test-DC id on a production cluster; any production DC id is accepted', async () => {
    await expect(handshake(2, { testMode: true })).rejects.toMatchObject({ code: -444 })
    const res = await handshake(1, { dcId: 4 })
    expect(cluster.dc(1).keys.get(res.authKeyId)).toBeDefined()
  })
})
