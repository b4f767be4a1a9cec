/**
 * The whole-message step (message-pooled.ts) against the synchronous MessageCipher, inline and through every async
 * implementation that offers it: the worker pool (threshold 0: on its threads) and the pool behind a MessagePort.
 * Sealed frames are byte-identical to MessageCipher.encrypt; opened frames decrypt to the plaintext with the
 * msg_key MessageCipher checks; bad arguments fail with ArgumentError.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import type { AsyncCryptoProvider } from '../../../src/protocol/crypto/async-provider.js'
import { MessageCipher } from '../../../src/protocol/crypto/message.js'
import { MESSAGE_KEYS_BYTES, messageKeys, openMessageInPlace, sealMessageInPlace } from '../../../src/protocol/crypto/message-pooled.js'
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import { randomBytes, seededRandom } from '../../../src/protocol/random.js'
import { CryptoPool } from '../../../src/workers/crypto-pool.js'
import { createPoolPort } from '../../../src/workers/crypto-port-server.js'
import { RemotePoolProvider } from '../../../src/workers/crypto-remote.js'

const crypto = createNodeCryptoProvider()
const pool = new CryptoPool({ inline: crypto, threads: 2, threshold: 0 })
const served = createPoolPort(pool)
const remote = new RemotePoolProvider(served.port, { inline: crypto, threshold: 0 })
afterAll(async () => {
  remote.close()
  served.server.close()
  await pool.close()
})

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex')
const authKey = randomBytes(seededRandom(3), 256)
const cipher = new MessageCipher(crypto, authKey)
const msg = (n: number, seed: number) => ({ salt: 9n, sessionId: 8n, msgId: 0x5000000000000000n + BigInt(n) * 4n, seqNo: 3, body: randomBytes(seededRandom(seed), n) })

const inlineSubject: AsyncCryptoProvider['sealMessage'] = async (f, k) => sealMessageInPlace(crypto, f.slice(), k)
const subjects: Array<[string, Required<Pick<AsyncCryptoProvider, 'sealMessage' | 'openMessage'>>]> = [
  ['inline', { sealMessage: inlineSubject, openMessage: async (f, k) => { const c = f.slice(); return { msgKey: openMessageInPlace(crypto, c, k), frame: c } } }],
  ['worker pool', { sealMessage: (f, k) => pool.sealMessage(f, k), openMessage: (f, k) => pool.openMessage(f, k) }],
  ['remote pool port', { sealMessage: (f, k) => remote.sealMessage(f, k), openMessage: (f, k) => remote.openMessage(f, k) }],
]

describe.each(subjects)('%s', (_name, p) => {
  it('seals byte-identically to MessageCipher.encrypt and opens what the other side sealed', async () => {
    for (const [i, n] of [4, 100, 1000, 70_000].entries()) {
      const m = msg(n, i)
      const want = cipher.encrypt(m, { sender: 'client', random: seededRandom(i) }).slice()
      const frame = cipher.plainFrame(m, { sender: 'client', random: seededRandom(i) })
      const before = hex(frame)
      expect(hex(await p.sealMessage(frame, messageKeys(authKey, 'client')))).toBe(hex(want))
      expect(hex(frame)).toBe(before) // the caller's frame is untouched
      // The server side opens it: plaintext and the msg_key MessageCipher would compute.
      const opened = await p.openMessage(want, messageKeys(authKey, 'client'))
      expect(hex(opened.msgKey)).toBe(hex(want.subarray(8, 24)))
      const body = cipher.decrypt(want, { sender: 'client', sessionId: 8n }).body
      expect(hex(opened.frame.subarray(24 + 32, 24 + 32 + n))).toBe(hex(body))
    }
  })

  it('rejects bad frames and key material with ArgumentError', async () => {
    const keys = messageKeys(authKey, 'client')
    await expect(p.sealMessage(new Uint8Array(24 + 20), keys)).rejects.toBeInstanceOf(ArgumentError)
    await expect(p.sealMessage(new Uint8Array(24), keys)).rejects.toBeInstanceOf(ArgumentError)
    await expect(p.openMessage(new Uint8Array(64), new Uint8Array(MESSAGE_KEYS_BYTES - 1))).rejects.toBeInstanceOf(ArgumentError)
    expect(() => messageKeys(new Uint8Array(255), 'client')).toThrow(ArgumentError)
  })
})
