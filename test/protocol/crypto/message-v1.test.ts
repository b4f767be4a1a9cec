import { createAesIgeForMessageOld } from '@mtcute/core/utils.js'
import { describe, expect, it } from 'vitest'
import { aesKeyIvV1, authKeyId } from '../../../src/protocol/crypto/kdf.js'
import { REJECTED_MESSAGE } from '../../../src/protocol/crypto/message.js'
import { bindTempAuthKeyMessage, decryptMessageV1, encryptMessageV1 } from '../../../src/protocol/crypto/message-v1.js'
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import { SecurityError } from '../../../src/protocol/errors.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { scriptedRandom, toHex } from './fixtures.js'

const crypto = createNodeCryptoProvider()
const permKey = new Uint8Array(256)
seededRandom(0xb1d)(permKey)
const inner = new Uint8Array(40)
seededRandom(0x1e)(inner)
const msgId = 0x65c53d5100075c18n

function reason(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(SecurityError)
    expect((e as SecurityError).message).toBe(REJECTED_MESSAGE)
    return (e as SecurityError).reason
  }
  throw new Error('expected SecurityError')
}

describe('MTProto 1.0 bindTempAuthKey encrypted_message', () => {
  it('matches mtcute’s construction byte for byte with the same random bytes', () => {
    const rnd16 = new Uint8Array(16).fill(0xab)
    const pad8 = new Uint8Array(8).fill(0xcd)
    const ours = bindTempAuthKeyMessage(crypto, permKey, msgId, inner, scriptedRandom(rnd16, pad8))
    // mtcute: random(16) + msg_id + 0 + 40 + inner, SHA1-based msg_key, 1.0 KDF with x = 0, 8 padding bytes.
    const plain = Buffer.alloc(72)
    plain.set(rnd16, 0)
    plain.writeBigInt64LE(msgId, 16)
    plain.writeInt32LE(0, 24)
    plain.writeInt32LE(40, 28)
    plain.set(inner, 32)
    const msgKey = crypto.sha1(plain).subarray(4, 20)
    const shim = {
      sha1: (d: Uint8Array) => crypto.sha1(d),
      createAesIge: (key: Uint8Array, iv: Uint8Array) => ({ encrypt: (d: Uint8Array) => crypto.igeEncrypt(d, key, iv) }),
    } as unknown as Parameters<typeof createAesIgeForMessageOld>[0]
    const enc = createAesIgeForMessageOld(shim, permKey, msgKey, true).encrypt(Buffer.concat([plain, pad8]))
    expect(toHex(ours)).toBe(toHex(Buffer.concat([authKeyId(crypto, permKey), msgKey, enc])))
  })

  it('round-trips through the server-side decryption', () => {
    const enc = bindTempAuthKeyMessage(crypto, permKey, msgId, inner, seededRandom(5))
    const plain = decryptMessageV1(crypto, permKey, enc, 'client')
    const v = new DataView(plain.buffer, plain.byteOffset, plain.length)
    expect(v.getBigInt64(16, true)).toBe(msgId)
    expect(v.getUint32(24, true)).toBe(0)
    expect(v.getUint32(28, true)).toBe(40)
    expect(toHex(plain.subarray(32))).toBe(toHex(inner))
  })

  it('rejects each forged field', () => {
    const enc = bindTempAuthKeyMessage(crypto, permKey, msgId, inner, seededRandom(6))
    const id = enc.slice()
    id[0] = (id[0] ?? 0) ^ 1
    expect(reason(() => decryptMessageV1(crypto, permKey, id, 'client'))).toBe('auth-key-id-mismatch')
    const mk = enc.slice()
    mk[30] = (mk[30] ?? 0) ^ 1
    expect(reason(() => decryptMessageV1(crypto, permKey, mk, 'client'))).toBe('msg-key-mismatch')
    expect(reason(() => decryptMessageV1(crypto, permKey, enc.subarray(0, enc.length - 1), 'client'))).toBe('bad-ciphertext-length')
    expect(reason(() => decryptMessageV1(crypto, permKey, enc.subarray(0, 24), 'client'))).toBe('bad-ciphertext-length')
    expect(reason(() => decryptMessageV1(crypto, permKey, enc, 'server'))).toBe('msg-key-mismatch')
    // Forged length fields with a msg_key that is valid for what the receiver hashes (32 + length bytes, or the
    // whole plaintext when the length cannot be right), so only the length/padding check can catch them.
    const sealV1 = (plain: Uint8Array, hashed: number): Uint8Array => {
      const msgKey = crypto.sha1(plain.subarray(0, hashed)).slice(4, 20)
      const { key, iv } = aesKeyIvV1(crypto, permKey, msgKey, 'client')
      return Buffer.concat([authKeyId(crypto, permKey), msgKey, crypto.igeEncrypt(plain, key, iv)])
    }
    const plain = new Uint8Array(80)
    const pv = new DataView(plain.buffer)
    pv.setUint32(28, 400, true)
    expect(reason(() => decryptMessageV1(crypto, permKey, sealV1(plain, 80), 'client'))).toBe('bad-message-length')
    pv.setUint32(28, 6, true)
    expect(reason(() => decryptMessageV1(crypto, permKey, sealV1(plain, 80), 'client'))).toBe('bad-message-length')
    pv.setUint32(28, 8, true)
    expect(reason(() => decryptMessageV1(crypto, permKey, sealV1(plain, 40), 'client'))).toBe('bad-padding')
    pv.setUint32(28, 40, true)
    expect(decryptMessageV1(crypto, permKey, sealV1(plain, 72), 'client').length).toBe(72)
  })

  it('rejects a malformed plaintext with ArgumentError', () => {
    expect(() => encryptMessageV1(crypto, permKey, new Uint8Array(30), 'client', seededRandom(1))).toThrow(/multiple of 4/)
  })
})
