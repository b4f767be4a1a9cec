import { describe, expect, it } from 'vitest'
import { ClientHandshake } from '../../../src/protocol/auth/client.js'
import { ServerHandshake } from '../../../src/protocol/auth/server.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { NOW_MS, crypto, errorOf, runHandshake, serverKey } from './helpers.js'

describe('ClientHandshake <-> ServerHandshake in process', () => {
  it('agrees on a permanent key (p_q_inner_data_dc)', () => {
    const r = runHandshake()
    expect(r.rounds).toBe(3)
    expect(r.client.authKey).toHaveLength(256)
    expect(Buffer.from(r.client.authKey).equals(Buffer.from(r.server.authKey))).toBe(true)
    expect(r.client.authKeyId).toBe(r.server.authKeyId)
    expect(r.client.serverSalt).toBe(r.server.serverSalt)
    expect(r.client.timeOffset).toBe(0)
    expect(r.client.expiresAt).toBeUndefined()
    expect(r.server.temp).toBe(false)
    expect(r.server.dcId).toBe(2)
  })

  it('creates a temp key with its expiry (p_q_inner_data_temp_dc)', () => {
    const r = runHandshake({ temp: { expiresInSeconds: 3600 } })
    expect(r.server.temp).toBe(true)
    expect(r.server.expiresAt).toBe(NOW_MS / 1000 + 3600)
    expect(r.client.expiresAt).toBe(NOW_MS / 1000 + 3600)
  })

  it('legacy inner data (p_q_inner_data, p_q_inner_data_temp) has no dc', () => {
    const perm = runHandshake({ innerData: 'legacy' })
    expect(perm.server.dcId).toBeUndefined()
    expect(perm.server.temp).toBe(false)
    const temp = runHandshake({ innerData: 'legacy', temp: { expiresInSeconds: 60 } })
    expect(temp.server.temp).toBe(true)
  })

  it('encodes test and media DCs in the dc field', () => {
    expect(runHandshake({ dcId: 3, testMode: true }).server.dcId).toBe(10003)
    expect(runHandshake({ dcId: 4, media: true }).server.dcId).toBe(-4)
  })

  it('follows dh_gen_retry with a new b and retry_id = aux hash, then succeeds', () => {
    const r = runHandshake({}, { mode: 'retry' })
    expect(r.rounds).toBe(4)
    expect(Buffer.from(r.client.authKey).equals(Buffer.from(r.server.authKey))).toBe(true)
  })

  it('gives up after maxRetries dh_gen_retry answers', () => {
    expect(errorOf(() => runHandshake({ maxRetries: 0 }, { mode: 'retry' }))).toBe('AuthError:too-many-retries')
  })

  it('dh_gen_fail and server_DH_params_fail end with typed errors', () => {
    expect(errorOf(() => runHandshake({}, { mode: 'fail' }))).toBe('AuthError:dh-gen-fail')
    expect(errorOf(() => runHandshake({}, { mode: 'params-fail' }))).toBe('AuthError:dh-params-fail')
  })

  it('measures the time offset from server_time', () => {
    const key = serverKey()
    const c = new ClientHandshake({ crypto, random: seededRandom(5), dcId: 1, rsaKeys: [key.publicKey] })
    const s = new ServerHandshake({ crypto, random: seededRandom(6), rsaKey: key })
    const clientNow = NOW_MS - 90_500 // client clock 90.5 s behind the server
    let msg = c.start(clientNow)
    msg = (c.receive(s.receive(msg, NOW_MS).send, clientNow) as { send: Uint8Array }).send
    msg = (c.receive(s.receive(msg, NOW_MS).send, clientNow) as { send: Uint8Array }).send
    const out = c.receive(s.receive(msg, NOW_MS).send, clientNow)
    expect('done' in out && out.done.timeOffset).toBe(91)
  })

  it('rejects a dc the server does not serve', () => {
    expect(errorOf(() => runHandshake({ dcId: 7 }, { acceptDc: (dc) => dc >= 1 && dc <= 5 }))).toBe('AuthError:bad-dc')
  })

  it('refuses to be used out of order', () => {
    const key = serverKey()
    const c = new ClientHandshake({ crypto, random: seededRandom(1), dcId: 1, rsaKeys: [key.publicKey] })
    expect(errorOf(() => c.receive(new Uint8Array(8), NOW_MS))).toBe('AuthError:bad-state')
    const c2 = new ClientHandshake({ crypto, random: seededRandom(1), dcId: 1, rsaKeys: [key.publicKey] })
    c2.start(NOW_MS)
    expect(errorOf(() => c2.start(NOW_MS))).toBe('AuthError:bad-state')
  })
})
