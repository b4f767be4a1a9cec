import { describe, expect, it } from 'vitest'
import { createMessageCipher } from '../../../src/protocol/crypto/message.js'
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import { type HandshakeFactory, ServerEngine } from '../../../src/protocol/mtp/server-connection.js'
import { ServerKeyStore } from '../../../src/protocol/mtp/server-keys.js'
import { ExecutionCounters, RpcRegistry } from '../../../src/protocol/mtp/server-rpc.js'
import { decodePlainFrame, encodePlainFrame } from '../../../src/protocol/mtp/server-wire.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { deserializeObject, registry, serializeObject } from '../../../src/tl/index.js'

const crypto = createNodeCryptoProvider()
const NOW = 1_800_000_000_000

function engine(handshake?: HandshakeFactory) {
  const keys = new ServerKeyStore(crypto, 3600)
  const e = new ServerEngine({
    crypto,
    random: seededRandom(5),
    dcId: 1,
    keys,
    rpc: new RpcRegistry(),
    counters: new ExecutionCounters(),
    clock: { skewSeconds: 0 },
    ...(handshake ? { handshake } : {}),
  })
  return { e, keys }
}

const plainReq = encodePlainFrame(Uint8Array.of(1, 2, 3, 4), BigInt(NOW / 1000) << 32n)

describe('server connection (sans-IO)', () => {
  it('closes with -404 on short payloads, plain messages without a key exchange, unknown and forged keys', () => {
    const { e, keys } = engine()
    expect(e.connect({ padded: false }).receive(new Uint8Array(4), NOW)).toMatchObject({ close: -404, frames: [] })
    expect(e.connect({ padded: false }).receive(plainReq, NOW)).toMatchObject({ close: -404 })
    const key = new Uint8Array(256).fill(3)
    keys.add(key, { firstSalt: 1n, serverNow: NOW / 1000 })
    const cipher = createMessageCipher(crypto, key)
    const msg = cipher.encrypt(
      { salt: 1n, sessionId: 2n, msgId: BigInt(NOW / 1000) << 32n, seqNo: 1, body: serializeObject({ _: 'ping', pingId: 1n }) },
      { sender: 'client', random: seededRandom(1) },
    )
    const ok = e.connect({ padded: false }).receive(msg, NOW)
    expect(ok.close).toBeUndefined()
    expect(ok.frames.length).toBe(1)
    const forged = msg.slice()
    forged[30] = (forged[30] ?? 0) ^ 1
    const conn = e.connect({ padded: false })
    expect(conn.receive(forged, NOW)).toMatchObject({ close: -404, error: expect.objectContaining({ reason: 'decrypt-failed' }) })
    expect(conn.closed).toBe(true)
    const unknown = msg.slice()
    unknown[0] = (unknown[0] ?? 0) ^ 1
    expect(e.connect({ padded: false }).receive(unknown, NOW)).toMatchObject({ close: -404, error: expect.objectContaining({ reason: 'unknown-auth-key' }) })
  })

  it('runs the pluggable key exchange over plain messages and stores the key it produces', () => {
    const authKey = new Uint8Array(256).fill(8)
    const { e, keys } = engine(() => ({
      receive: (body) => ({ send: body.slice().reverse(), done: { authKey, serverSalt: 9n, temp: false } }),
    }))
    const out = e.connect({ padded: false }).receive(plainReq, NOW)
    expect(out.authenticated).toBe(true)
    const answer = decodePlainFrame(out.frames[0] ?? new Uint8Array())
    expect(answer.body).toEqual(Uint8Array.of(4, 3, 2, 1))
    expect(answer.msgId & 3n).toBe(1n)
    expect(keys.size).toBe(1)
  })

  it('answers -444 when the key exchange refuses the DC, -404 for other key exchange failures', () => {
    const refusing = engine((hooks) => ({
      receive: () => {
        hooks.onDcRejected(10002)
        throw new Error('dc 10002 is not served here')
      },
    }))
    expect(refusing.e.connect({ padded: false }).receive(plainReq, NOW)).toMatchObject({ close: -444 })
    const failing = engine(() => ({
      receive: () => {
        throw new Error('bad nonce')
      },
    }))
    expect(failing.e.connect({ padded: false }).receive(plainReq, NOW)).toMatchObject({ close: -404 })
  })

  it('pushes updates only to sessions with an open connection', () => {
    const { e, keys } = engine()
    const key = new Uint8Array(256).fill(4)
    keys.add(key, { firstSalt: 1n, serverNow: NOW / 1000 })
    const cipher = createMessageCipher(crypto, key)
    const conn = e.connect({ padded: false })
    conn.receive(
      cipher.encrypt(
        { salt: 1n, sessionId: 3n, msgId: BigInt(NOW / 1000) << 32n, seqNo: 1, body: serializeObject({ _: 'ping', pingId: 1n }) },
        { sender: 'client', random: seededRandom(2) },
      ),
      NOW,
    )
    const pushed = e.pushUpdate(serializeObject({ _: 'updatesTooLong' }), NOW)
    expect(pushed.length).toBe(1)
    const plain = cipher.decrypt(pushed[0]?.payload ?? new Uint8Array(), { sender: 'server', sessionId: 3n })
    expect(deserializeObject(plain.body)).toEqual({ _: 'updatesTooLong' })
    conn.closed = true
    expect(e.pushUpdate(serializeObject({ _: 'updatesTooLong' }), NOW)).toEqual([])
  })
})

describe('server connection fuzz (seeded)', () => {
  it('never throws on random payloads or on authentic messages with random bodies', () => {
    const { e, keys } = engine()
    const key = new Uint8Array(256).fill(6)
    keys.add(key, { firstSalt: 1n, serverNow: NOW / 1000 })
    const cipher = createMessageCipher(crypto, key)
    const rnd = seededRandom(2024)
    const byte = new Uint8Array(4)
    const next = (n: number): number => {
      rnd(byte)
      return new DataView(byte.buffer).getUint32(0, true) % n
    }
    // Names whose ids steer random bodies into the interesting paths: containers, acks, gzip, wrappers, service queries.
    const names = ['msg_container', 'msgs_ack', 'gzip_packed', 'invokeWithLayer', 'initConnection', 'msgs_state_req', 'msg_resend_req', 'rpc_drop_answer', 'users.getUsers']
    const idByName = new Map([...registry.names].map(([id, n]) => [n, id]))
    const prefixes = names.map((n) => idByName.get(n) ?? 0)
    expect(prefixes).not.toContain(0)
    let closes = 0
    let answered = 0
    const conn = e.connect({ padded: false })
    let msgId = BigInt(NOW / 1000) << 32n
    for (let i = 0; i < 3000; i++) {
      if (i % 3 === 0) {
        const junk = new Uint8Array(next(200))
        rnd(junk)
        const out = e.connect({ padded: false }).receive(junk, NOW)
        if (out.close !== undefined) closes++
        continue
      }
      const body = new Uint8Array(4 * (1 + next(64)))
      rnd(body)
      if (next(4) !== 0) new DataView(body.buffer).setUint32(0, prefixes[next(prefixes.length)] ?? 0, true)
      msgId += 4n
      const frame = cipher.encrypt({ salt: 1n, sessionId: 77n, msgId, seqNo: next(8), body }, { sender: 'client', random: rnd })
      const out = conn.receive(frame, NOW)
      expect(out.close).toBeUndefined()
      if (out.frames.length > 0) answered++
    }
    expect(closes).toBe(1000)
    expect(answered).toBeGreaterThan(0)
  })
})
