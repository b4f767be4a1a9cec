/**
 * The asynchronous AES-IGE step (src/protocol/mtp/async-cipher.ts): sealed large messages become byte-exact what the
 * synchronous cipher makes, frames leave in push order (a small one waits behind a pending large one), incoming ones
 * are delivered in arrival order, the session-side checks still run on pre-decrypted plaintext, a failing provider
 * falls back to the synchronous path, and a reset drops late completions.
 */
import { describe, expect, it } from 'vitest'
import { type AsyncCryptoProvider, createInThreadAsyncProvider } from '../../../src/protocol/crypto/async-provider.js'
import { MessageCipher } from '../../../src/protocol/crypto/message.js'
import { openMessageInPlace, sealMessageInPlace } from '../../../src/protocol/crypto/message-pooled.js'
import { SecurityError } from '../../../src/protocol/errors.js'
import {
  DEFAULT_POOL_THRESHOLD,
  DeferringCipher,
  defaultPoolThreshold,
  IncomingFrames,
  OutgoingFrames,
  PORTABLE_POOL_THRESHOLD,
} from '../../../src/protocol/mtp/async-cipher.js'
import { ClientSession } from '../../../src/protocol/mtp/client-session.js'
import { randomBytes, seededRandom } from '../../../src/protocol/random.js'
import { crypto, testAuthKey } from './fake-server.js'

const KEY = testAuthKey(9)
const THRESHOLD = 4096

/** An async provider whose IGE jobs complete only when the test says so (in any order). */
function manualProvider() {
  const base = createInThreadAsyncProvider(crypto)
  const jobs: Array<{ size: number; run: () => void; fail: () => void }> = []
  const defer = (op: 'e' | 'd', data: Uint8Array, key: Uint8Array, iv: Uint8Array): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      const d = data.slice()
      jobs.push({
        size: d.length,
        run: () => resolve(op === 'e' ? crypto.igeEncrypt(d, key, iv) : crypto.igeDecrypt(d, key, iv)),
        fail: () => reject(new Error('pool gone')),
      })
    })
  const provider: AsyncCryptoProvider = {
    ...base,
    name: 'manual',
    igeEncrypt: (d, k, i) => defer('e', d, k, i),
    igeDecrypt: (d, k, i) => defer('d', d, k, i),
  }
  return { provider, jobs }
}

/** The same, with the whole-message operations (msg_key hashed where the job runs), completing on demand. */
function manualWholeProvider(forgeMsgKey = false) {
  const { provider: base, jobs } = manualProvider()
  const provider: AsyncCryptoProvider = {
    ...base,
    sealMessage: (frame, keys) =>
      new Promise((resolve, reject) => {
        const f = frame.slice()
        jobs.push({ size: f.length, run: () => resolve(sealMessageInPlace(crypto, f, keys)), fail: () => reject(new Error('pool gone')) })
      }),
    openMessage: (frame, keys) =>
      new Promise((resolve, reject) => {
        const f = frame.slice()
        jobs.push({
          size: f.length,
          run: () => {
            const msgKey = openMessageInPlace(crypto, f, keys)
            if (forgeMsgKey) msgKey[0] = (msgKey[0] ?? 0) ^ 1
            resolve({ frame: f, msgKey })
          },
          fail: () => reject(new Error('pool gone')),
        })
      }),
  }
  return { provider, jobs }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r))
const body = (n: number, seed: number): Uint8Array => randomBytes(seededRandom(seed), n)
const msg = (id: number, b: Uint8Array) => ({ salt: 5n, sessionId: 77n, msgId: BigInt(id) * 4n, seqNo: id * 2 + 1, body: b })

describe('DeferringCipher', () => {
  it('defaults to the measured threshold of its provider (AES-NI addon or portable kernels)', () => {
    expect(defaultPoolThreshold({ name: 'node+native-ige' })).toBe(DEFAULT_POOL_THRESHOLD)
    expect(defaultPoolThreshold({ name: 'node+wasm-ige' })).toBe(PORTABLE_POOL_THRESHOLD)
    expect(new DeferringCipher(crypto, KEY).threshold).toBe(defaultPoolThreshold(crypto))
  })

  it('seals large messages so that the deferred AES-IGE yields exactly the synchronous frame', () => {
    const plainCipher = new MessageCipher(crypto, KEY)
    const deferring = new DeferringCipher(crypto, KEY, THRESHOLD)
    for (const size of [64, 4000, 4096, 20_000]) {
      const m = msg(size, body(size, size))
      const want = plainCipher.encrypt(m, { sender: 'client', random: seededRandom(size) })
      const got = deferring.encrypt(m, { sender: 'client', random: seededRandom(size) })
      const job = deferring.takeSealed(got)
      if (size + 44 < THRESHOLD) {
        expect(job).toBeUndefined()
      } else {
        if (job?.kind !== 'ige') throw new Error('expected an IGE job')
        expect(deferring.takeSealed(got)).toBeUndefined()
        crypto.igeEncrypt(job.sealed.plain, job.sealed.key, job.sealed.iv, job.sealed.plain)
      }
      expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true)
    }
  })

  it('checks a pre-decrypted plaintext like any message: a wrong one fails msg_key', () => {
    const server = new MessageCipher(crypto, KEY)
    const client = new DeferringCipher(crypto, KEY, THRESHOLD)
    const frame = server.encrypt({ ...msg(1, body(8000, 3)), msgId: 0x1000000001n }, { sender: 'server', random: seededRandom(1) })
    const kv = client.openingKey(frame, 'server')
    expect(kv).toBeDefined()
    const plain = crypto.igeDecrypt(frame.subarray(24), kv?.key as Uint8Array, kv?.iv as Uint8Array)
    client.setOpened(frame, plain)
    expect(client.decrypt(frame, { sender: 'server', sessionId: 77n }).body).toEqual(body(8000, 3))
    const forged = plain.slice()
    forged[100] = (forged[100] ?? 0) ^ 1
    client.setOpened(frame, forged)
    expect(() => client.decrypt(frame, { sender: 'server', sessionId: 77n })).toThrow(SecurityError)
    expect(client.openingKey(new Uint8Array(10), 'server')).toBeUndefined()
  })
})

describe('OutgoingFrames', () => {
  it('writes frames in push order; small ones wait behind a pending large one', async () => {
    const { provider, jobs } = manualProvider()
    const cipher = new DeferringCipher(crypto, KEY, THRESHOLD)
    const ref = new MessageCipher(crypto, KEY)
    const written: Uint8Array[] = []
    const out = new OutgoingFrames(cipher, provider, (ps) => written.push(...ps))
    const sizes = [100, 8000, 200, 9000, 300]
    const frames = sizes.map((s, i) => cipher.encrypt(msg(i + 1, body(s, i)), { sender: 'client', random: seededRandom(i) }))
    const want = sizes.map((s, i) => ref.encrypt(msg(i + 1, body(s, i)), { sender: 'client', random: seededRandom(i) }))
    out.push(frames.slice(0, 3))
    expect(written).toHaveLength(1)
    out.push(frames.slice(3))
    expect(out.pending).toBe(4)
    // The second large job finishes first: nothing moves until the first one is done.
    jobs[1]?.run()
    await tick()
    expect(written).toHaveLength(1)
    jobs[0]?.run()
    await tick()
    expect(written).toHaveLength(5)
    expect(out.pending).toBe(0)
    expect(written.map((w) => Buffer.from(w).toString('hex'))).toEqual(want.map((w) => Buffer.from(w).toString('hex')))
    expect(cipher.stats).toEqual({ pooled: 2, fallbacks: 0 })
  })

  it('falls back to the synchronous cipher when the provider fails, and drops late frames after reset', async () => {
    const { provider, jobs } = manualProvider()
    const cipher = new DeferringCipher(crypto, KEY, THRESHOLD)
    const ref = new MessageCipher(crypto, KEY)
    const written: Uint8Array[] = []
    const out = new OutgoingFrames(cipher, provider, (ps) => written.push(...ps))
    out.push([cipher.encrypt(msg(1, body(8000, 1)), { sender: 'client', random: seededRandom(1) })])
    jobs[0]?.fail()
    await tick()
    expect(written[0]).toEqual(ref.encrypt(msg(1, body(8000, 1)), { sender: 'client', random: seededRandom(1) }))
    expect(cipher.stats.fallbacks).toBe(1)
    out.push([cipher.encrypt(msg(2, body(8000, 2)), { sender: 'client', random: seededRandom(2) })])
    out.reset()
    jobs[1]?.run()
    await tick()
    expect(written).toHaveLength(1)
    out.push([cipher.encrypt(msg(3, body(16, 3)), { sender: 'client', random: seededRandom(3) })])
    expect(written).toHaveLength(2)
  })
})

describe('IncomingFrames', () => {
  it('delivers in arrival order and lets the session read pre-decrypted large messages', async () => {
    const { provider, jobs } = manualProvider()
    const cipher = new DeferringCipher(crypto, KEY, THRESHOLD)
    const session = new ClientSession({ cipher, random: seededRandom(4), futureSalts: false, pingIntervalMs: 0 })
    const server = new MessageCipher(crypto, KEY)
    const now = Date.now()
    const serverId = (i: number): bigint => ((BigInt(Math.floor(now / 1000)) << 32n) | BigInt(i * 4)) + 1n
    // Server pushes: updatesTooLong (0xe317af7e) followed by filler bytes, so a frame can be made as large as needed;
    // the session reports each as an 'update' event with the whole body.
    const update = (extra: number): Uint8Array => {
      const b = new Uint8Array(4 + extra)
      new DataView(b.buffer).setUint32(0, 0xe317af7e, true)
      return b
    }
    const sizes = [16, 9000, 32, 12000]
    const frames = sizes.map((s, i) =>
      server.encrypt({ salt: 0n, sessionId: session.sessionId, msgId: serverId(i + 1), seqNo: 2 * i + 1, body: update(s) }, { sender: 'server', random: seededRandom(i) }),
    )
    const delivered: number[] = []
    const bodies: number[] = []
    const inc = new IncomingFrames(cipher, provider, (ps) => {
      for (const p of ps) {
        delivered.push(frames.indexOf(p))
        for (const ev of session.receive(p, now)) if (ev.type === 'update') bodies.push(ev.body.length)
      }
    })
    inc.push(frames.slice(0, 2))
    inc.push(frames.slice(2))
    expect(delivered).toEqual([0])
    expect(jobs.map((j) => j.size % 16)).toEqual([0, 0])
    jobs[1]?.run()
    await tick()
    expect(delivered).toEqual([0])
    jobs[0]?.run()
    await tick()
    expect(delivered).toEqual([0, 1, 2, 3])
    expect(bodies).toEqual(sizes.map((s) => s + 4))
    expect(cipher.stats.pooled).toBe(2)
  })
})

describe('whole-message step (msg_key on the provider too)', () => {
  it('writes byte-exact frames in order, with msg_key computed by the provider', async () => {
    const { provider, jobs } = manualWholeProvider()
    const cipher = new DeferringCipher(crypto, KEY, THRESHOLD, { wholeMessage: true })
    const ref = new MessageCipher(crypto, KEY)
    const written: Uint8Array[] = []
    const out = new OutgoingFrames(cipher, provider, (ps) => written.push(...ps))
    const sizes = [8000, 100, 9000]
    out.push(sizes.map((s, i) => cipher.encrypt(msg(i + 1, body(s, i)), { sender: 'client', random: seededRandom(i) })))
    expect(written).toHaveLength(0)
    jobs[1]?.run()
    await tick()
    expect(written).toHaveLength(0)
    jobs[0]?.run()
    await tick()
    expect(written).toHaveLength(3)
    const want = sizes.map((s, i) => Buffer.from(ref.encrypt(msg(i + 1, body(s, i)), { sender: 'client', random: seededRandom(i) })).toString('hex'))
    expect(written.map((w) => Buffer.from(w).toString('hex'))).toEqual(want)
    expect(cipher.stats).toEqual({ pooled: 2, fallbacks: 0 })
  })

  it('falls back to sealing on this thread when the provider fails', async () => {
    const { provider, jobs } = manualWholeProvider()
    const cipher = new DeferringCipher(crypto, KEY, THRESHOLD, { wholeMessage: true })
    const written: Uint8Array[] = []
    new OutgoingFrames(cipher, provider, (ps) => written.push(...ps)).push([cipher.encrypt(msg(1, body(8000, 1)), { sender: 'client', random: seededRandom(1) })])
    jobs[0]?.fail()
    await tick()
    expect(written[0]).toEqual(new MessageCipher(crypto, KEY).encrypt(msg(1, body(8000, 1)), { sender: 'client', random: seededRandom(1) }))
    expect(cipher.stats.fallbacks).toBe(1)
  })

  it('reads provider-opened messages without hashing again, and still rejects a wrong msg_key', async () => {
    const server = new MessageCipher(crypto, KEY)
    const frame = server.encrypt({ ...msg(1, body(8000, 3)), msgId: 0x1000000001n }, { sender: 'server', random: seededRandom(1) })
    for (const forge of [false, true]) {
      const { provider, jobs } = manualWholeProvider(forge)
      const cipher = new DeferringCipher(crypto, KEY, THRESHOLD, { wholeMessage: true })
      const results: Array<Uint8Array | Error> = []
      const inc = new IncomingFrames(cipher, provider, (ps) => {
        for (const p of ps) {
          try {
            results.push(cipher.decrypt(p, { sender: 'server', sessionId: 77n }).body)
          } catch (e) {
            results.push(e as Error)
          }
        }
      })
      inc.push([frame])
      jobs[0]?.run()
      await tick()
      if (forge) expect(results[0]).toBeInstanceOf(SecurityError)
      else expect(results[0]).toEqual(body(8000, 3))
    }
  })
})
