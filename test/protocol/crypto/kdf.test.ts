import { createAesIgeForMessage, createAesIgeForMessageOld, generateKeyAndIvFromNonce } from '@mtcute/core/utils.js'
import { describe, expect, it } from 'vitest'
import {
  aesKeyIvV1,
  aesKeyIvV2,
  authKeyAuxHash,
  authKeyId,
  firstServerSalt,
  msgKeyV1,
  msgKeyV2,
  newNonceHash,
  type Sender,
  tmpAesKeyIv,
} from '../../../src/protocol/crypto/kdf.js'
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { hex, loadFixture, toHex } from './fixtures.js'

interface KdfVector { id: string; mtproto_version: number; x: number; auth_key: string; msg_key: string; aes_key: string; aes_iv: string }
interface EncVector { id: string; auth_key: string; direction: string; derived_fields?: { msg_key: string; aes_key: string; aes_iv: string; auth_key_id: string } }
interface NonceVector { id: string; server_nonce: string; new_nonce: string; tmp_aes_key: string; tmp_aes_iv: string }
interface DerivVector {
  id: string
  auth_key: string
  auth_key_id: string
  aux_hash?: string
  new_nonce?: string
  new_nonce_hash1?: string
  new_nonce_hash2?: string
  new_nonce_hash3?: string
  client_msg_key_salt?: string
  server_msg_key_salt?: string
}
const fx = loadFixture<{
  kdf: KdfVector[]
  encrypted_messages: EncVector[]
  nonce_kdf: NonceVector[]
  auth_key_derivatives: DerivVector[]
}>('msg-key.json')

const crypto = createNodeCryptoProvider()
const sender = (x: number): Sender => (x === 0 ? 'client' : 'server')

describe('MTProto 2.0 and 1.0 AES key/iv from msg_key', () => {
  it.each(fx.kdf.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const fn = v.mtproto_version === 2 ? aesKeyIvV2 : aesKeyIvV1
    const { key, iv } = fn(crypto, hex(v.auth_key), hex(v.msg_key), sender(v.x))
    expect(toHex(key)).toBe(v.aes_key)
    expect(toHex(iv)).toBe(v.aes_iv)
  })

  it('covers both versions and both directions', () => {
    const kinds = new Set(fx.kdf.map((v) => `${v.mtproto_version}/${v.x}`))
    expect([...kinds].sort()).toEqual(['1/0', '1/8', '2/0', '2/8'])
  })
})

describe('derived fields of the encrypted-message vectors', () => {
  const withDerived = fx.encrypted_messages.filter((v) => v.derived_fields !== undefined)
  it('has vectors', () => expect(withDerived.length).toBeGreaterThanOrEqual(2))
  it.each(withDerived.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const d = v.derived_fields
    if (d === undefined) throw new Error('unreachable')
    const s: Sender = v.direction === 'client->server' ? 'client' : 'server'
    const { key, iv } = aesKeyIvV2(crypto, hex(v.auth_key), hex(d.msg_key), s)
    expect(toHex(key)).toBe(d.aes_key)
    expect(toHex(iv)).toBe(d.aes_iv)
    expect(toHex(authKeyId(crypto, hex(v.auth_key)))).toBe(d.auth_key_id)
  })
})

describe('handshake tmp_aes_key/iv from nonces', () => {
  it.each(fx.nonce_kdf.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const { key, iv } = tmpAesKeyIv(crypto, hex(v.server_nonce), hex(v.new_nonce))
    expect(toHex(key)).toBe(v.tmp_aes_key)
    expect(toHex(iv)).toBe(v.tmp_aes_iv)
  })
})

describe('auth_key derivatives', () => {
  it.each(fx.auth_key_derivatives.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const ak = hex(v.auth_key)
    expect(toHex(authKeyId(crypto, ak))).toBe(v.auth_key_id)
    if (v.aux_hash !== undefined) expect(toHex(authKeyAuxHash(crypto, ak))).toBe(v.aux_hash)
    if (v.new_nonce !== undefined) {
      const nn = hex(v.new_nonce)
      expect(toHex(newNonceHash(crypto, nn, 1, ak))).toBe(v.new_nonce_hash1)
      expect(toHex(newNonceHash(crypto, nn, 2, ak))).toBe(v.new_nonce_hash2)
      expect(toHex(newNonceHash(crypto, nn, 3, ak))).toBe(v.new_nonce_hash3)
    }
    if (v.client_msg_key_salt !== undefined) {
      // msg_key prefix windows: the msg_key of an empty plaintext is SHA256(window)[8:24].
      const empty = new Uint8Array(0)
      expect(toHex(msgKeyV2(crypto, ak, empty, 'client'))).toBe(toHex(crypto.sha256(hex(v.client_msg_key_salt)).slice(8, 24)))
      expect(toHex(msgKeyV2(crypto, ak, empty, 'server'))).toBe(toHex(crypto.sha256(hex(v.server_msg_key_salt ?? '')).slice(8, 24)))
    }
  })

  it('derives the first server salt as new_nonce[0:8] XOR server_nonce[0:8]', () => {
    const salt = firstServerSalt(hex('e11dbc3bc97d91a26154f932af019943'), hex('a8bbc849512dac6c67b6efd9157d6ca7377a1776307d84265c6be9bdcf802ac1'))
    expect(toHex(salt.bytes)).toBe('49a6747298503dce')
    expect(salt.value).toBe(-3585621112631548343n)
  })

  it('rejects keys and nonces of the wrong size with ArgumentError', () => {
    expect(() => authKeyId(crypto, new Uint8Array(255))).toThrow(/auth_key must be 256 bytes/)
    expect(() => aesKeyIvV2(crypto, new Uint8Array(256), new Uint8Array(15), 'client')).toThrow(/msg_key must be 16/)
    expect(() => newNonceHash(crypto, new Uint8Array(16), 1, new Uint8Array(256))).toThrow(/new_nonce must be 32/)
    expect(() => tmpAesKeyIv(crypto, new Uint8Array(8), new Uint8Array(32))).toThrow(/server_nonce must be 16/)
  })
})

/** mtcute's derivations take a crypto object; this shim captures the key/iv it hands to createAesIge. */
function mtcuteShim() {
  const seen: { key?: Uint8Array; iv?: Uint8Array } = {}
  const shim = {
    sha1: (d: Uint8Array) => crypto.sha1(d),
    sha256: (d: Uint8Array) => crypto.sha256(d),
    createAesIge(key: Uint8Array, iv: Uint8Array) {
      seen.key = key
      seen.iv = iv
      return { encrypt: (d: Uint8Array) => d, decrypt: (d: Uint8Array) => d }
    },
  }
  return { seen, shim: shim as unknown as Parameters<typeof createAesIgeForMessage>[0] }
}

describe('byte agreement with mtcute and GramJS on seeded random inputs', () => {
  const rnd = seededRandom(0x6b6466)
  const cases = Array.from({ length: 24 }, () => {
    const authKey = new Uint8Array(256)
    const msgKey = new Uint8Array(16)
    const serverNonce = new Uint8Array(16)
    const newNonce = new Uint8Array(32)
    rnd(authKey)
    rnd(msgKey)
    rnd(serverNonce)
    rnd(newNonce)
    return { authKey, msgKey, serverNonce, newNonce }
  })

  it('mtcute createAesIgeForMessage / Old / generateKeyAndIvFromNonce', () => {
    for (const c of cases) {
      for (const s of ['client', 'server'] as const) {
        const m = mtcuteShim()
        createAesIgeForMessage(m.shim, c.authKey, c.msgKey, s === 'client')
        const ours = aesKeyIvV2(crypto, c.authKey, c.msgKey, s)
        expect(toHex(ours.key)).toBe(toHex(m.seen.key ?? new Uint8Array()))
        expect(toHex(ours.iv)).toBe(toHex(m.seen.iv ?? new Uint8Array()))
        const m1 = mtcuteShim()
        createAesIgeForMessageOld(m1.shim, c.authKey, c.msgKey, s === 'client')
        const ours1 = aesKeyIvV1(crypto, c.authKey, c.msgKey, s)
        expect(toHex(ours1.key)).toBe(toHex(m1.seen.key ?? new Uint8Array()))
        expect(toHex(ours1.iv)).toBe(toHex(m1.seen.iv ?? new Uint8Array()))
      }
      const [k, iv] = generateKeyAndIvFromNonce(mtcuteShim().shim, c.serverNonce, c.newNonce)
      const ours = tmpAesKeyIv(crypto, c.serverNonce, c.newNonce)
      expect(toHex(ours.key)).toBe(toHex(k))
      expect(toHex(ours.iv)).toBe(toHex(iv))
    }
  })

  it('GramJS MTProtoState._calcKey (both directions)', async () => {
    const { MTProtoState } = await import('telegram/network/MTProtoState.js')
    const { AuthKey } = await import('telegram/crypto/AuthKey.js')
    for (const c of cases.slice(0, 8)) {
      const ak = new AuthKey()
      await ak.setKey(Buffer.from(c.authKey))
      const state = new MTProtoState(ak, { warn() {}, info() {}, debug() {}, error() {} } as never)
      for (const s of ['client', 'server'] as const) {
        const g = await state._calcKey(Buffer.from(c.authKey), Buffer.from(c.msgKey), s === 'client')
        const ours = aesKeyIvV2(crypto, c.authKey, c.msgKey, s)
        expect(toHex(ours.key)).toBe(toHex(g.key))
        expect(toHex(ours.iv)).toBe(toHex(g.iv))
      }
      const le = (b: Uint8Array): bigint => new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true)
      expect(le(authKeyId(crypto, c.authKey))).toBe(BigInt(String(ak.keyId)))
      expect(le(authKeyAuxHash(crypto, c.authKey))).toBe(BigInt(String((ak as unknown as { auxHash: unknown }).auxHash)))
    }
  })

  it('mtcute and the v1 msg_key agree with SHA1(plaintext)[4:20]', () => {
    const plain = new Uint8Array(100)
    rnd(plain)
    expect(toHex(msgKeyV1(crypto, plain))).toBe(toHex(crypto.sha1(plain).slice(4, 20)))
  })
})
