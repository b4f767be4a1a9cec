import { parsePublicKey } from '@mtcute/core/utils.js'
import { _serverKeys } from 'telegram/crypto/RSA.js'
import { describe, expect, it } from 'vitest'
import { bigIntFromBytes, bigIntToBytes } from '../../../src/protocol/crypto/dh-bigint.js'
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import {
  builtinRsaKeys,
  rsaEncryptInnerData,
  rsaLegacyEncrypt,
  rsaPadEncrypt,
  rsaPadTransform,
  rsaPublicKeyFromPem,
  selectRsaKey,
} from '../../../src/protocol/crypto/rsa.js'
import { generateRsaKeyPair, rsaLegacyDecrypt, rsaPadDecrypt } from '../../../src/protocol/crypto/rsa-server.js'
import { BUILTIN_RSA_KEYS } from '../../../src/protocol/crypto/rsa-keys.js'
import { SecurityError } from '../../../src/protocol/errors.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { hex, loadFixture, scriptedRandom, toHex } from './fixtures.js'

interface KeyFx {
  pem: string
  modulus_hex: string
  exponent: number
  fingerprint_u64_hex: string
  fingerprint_i64: string
  fingerprint_wire_bytes: string
  id?: string
}
const keysFx = loadFixture<{ keys: KeyFx[]; old_keys: KeyFx[] }>('rsa-keys.json')
const authFx = loadFixture<{ vectors: Array<Record<string, unknown> & { id: string }> }>('auth-key-sample.json')
const vector = (id: string): Record<string, unknown> => {
  const v = authFx.vectors.find((x) => x.id === id)
  if (v === undefined) throw new Error(`missing ${id}`)
  return v
}
const crypto = createNodeCryptoProvider()
const all = [...keysFx.keys, ...keysFx.old_keys]

function reason(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(SecurityError)
    return (e as SecurityError).reason
  }
  throw new Error('expected SecurityError')
}

describe('RSA key fingerprints', () => {
  it.each(all.map((k) => [k.fingerprint_u64_hex, k] as const))('%s in all three notations', (_fp, k) => {
    const key = rsaPublicKeyFromPem(crypto, k.pem)
    expect(key.n.toString(16)).toBe(k.modulus_hex)
    expect(key.e).toBe(BigInt(k.exponent))
    expect(key.fingerprint.u64.toString(16).padStart(16, '0')).toBe(k.fingerprint_u64_hex)
    expect(key.fingerprint.i64).toBe(BigInt(k.fingerprint_i64))
    expect(toHex(key.fingerprint.bytes)).toBe(k.fingerprint_wire_bytes)
  })

  it('built-in keys are exactly the fixture keys, current ones flagged as such', () => {
    const builtin = builtinRsaKeys(crypto)
    expect(builtin.map((k) => k.fingerprint.u64.toString(16).padStart(16, '0'))).toEqual(all.map((k) => k.fingerprint_u64_hex))
    expect(builtin.filter((k) => !k.old).map((k) => k.environment)).toEqual(['production', 'test'])
    expect(BUILTIN_RSA_KEYS.length).toBe(all.length)
  })

  it('agrees with mtcute parsePublicKey and GramJS built-in fingerprints', () => {
    const mtcuteCrypto = { sha1: (d: Uint8Array) => crypto.sha1(d) } as unknown as Parameters<typeof parsePublicKey>[0]
    for (const k of all) {
      const ours = rsaPublicKeyFromPem(crypto, k.pem)
      const theirs = parsePublicKey(mtcuteCrypto, k.pem)
      expect(ours.fingerprint.u64.toString(16).padStart(16, '0')).toBe(theirs.fingerprint.padStart(16, '0'))
      expect(ours.n.toString(16)).toBe(theirs.modulus)
    }
    const gramjs = [..._serverKeys.keys()].map((s) => BigInt(s)).sort()
    const ourCurrent = builtinRsaKeys(crypto)
      .filter((k) => !k.old)
      .map((k) => k.fingerprint.i64)
    expect(gramjs).toEqual([...ourCurrent].sort())
  })

  it('selectRsaKey prefers a current key, falls back to old ones, and rejects unknown fingerprints', () => {
    const keys = builtinRsaKeys(crypto)
    // The official sample's resPQ offers two old fingerprints and the production key.
    const offered = [0x0bc35f3509f7b7a5n, 0xc3b42b026ce86b21n, -3414540481677951611n]
    expect(selectRsaKey(keys, offered).environment).toBe('production')
    expect(selectRsaKey(keys, [0x0bc35f3509f7b7a5n]).old).toBe(true)
    expect(reason(() => selectRsaKey(keys, [0x0bc35f3509f7b7a5n], false))).toBe('bad-rsa-key')
    expect(reason(() => selectRsaKey(keys, [1n]))).toBe('bad-rsa-key')
  })

  it('rejects malformed PEM and non-2048-bit keys with bad-rsa-key', () => {
    expect(reason(() => rsaPublicKeyFromPem(crypto, '-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----'))).toBe(
      'bad-rsa-key',
    )
    expect(reason(() => rsaPublicKeyFromPem(crypto, 'not a key'))).toBe('bad-rsa-key')
  })
})

describe('RSA_PAD (client)', () => {
  it('grammers vector, including the retry path with the given temp_keys', () => {
    const v = vector('grammers-rsa-encrypt_hashed')
    const data = hex(String(v.data))
    const rb = hex(String(v.random_bytes))
    const retry = v.retry_path as { initial_temp_key: string; final_temp_key: string }
    expect(toHex(rb.subarray(192, 224))).toBe(retry.initial_temp_key)
    const key = builtinRsaKeys(crypto).find((k) => k.environment === 'test')
    if (key === undefined) throw new Error('no test key')
    expect(key.n.toString(16)).toBe(String(v.n_hex))
    // The first temp_key really produces a block >= n: the retry branch is exercised.
    const padded = new Uint8Array(192)
    padded.set(data)
    padded.set(rb.subarray(0, 192 - data.length), data.length)
    expect(bigIntFromBytes(rsaPadTransform(crypto, padded, hex(retry.initial_temp_key))) >= key.n).toBe(true)
    const random = scriptedRandom(rb.subarray(0, 192 - data.length), hex(retry.initial_temp_key), hex(retry.final_temp_key))
    expect(toHex(rsaPadEncrypt(crypto, key, data, random))).toBe(String(v.expected_encrypted_data))
    expect(random.remaining()).toBe(0)
  })

  it('grammers handshake step 2: encrypted_data inside req_DH_params', () => {
    const v = vector('grammers-emulate_successful_auth_key_gen_flow')
    const step2 = v.step2 as { random: string; request_req_DH_params: string }
    const inner = hex((v.derived_intermediates as { p_q_inner_data: string }).p_q_inner_data)
    const random = hex(step2.random).subarray(32)
    const temp = random.subarray(192, 224)
    const next = bigIntToBytes(bigIntFromBytes(temp) + 1n, 32) // grammers' retry rule, if a retry happens
    const key = builtinRsaKeys(crypto).find((k) => k.environment === 'test')
    if (key === undefined) throw new Error('no test key')
    const out = rsaPadEncrypt(crypto, key, inner, scriptedRandom(random.subarray(0, 192 - inner.length), temp, next))
    expect(toHex(out)).toBe(step2.request_req_DH_params.slice(128, 128 + 512))
  })

  it('rejects data over 144 bytes with ArgumentError', () => {
    const key = builtinRsaKeys(crypto)[0]
    if (key === undefined) throw new Error('no key')
    expect(() => rsaPadEncrypt(crypto, key, new Uint8Array(145), seededRandom(1))).toThrow(/at most 144/)
  })
})

describe('RSA server side with a generated key pair', () => {
  const pair = generateRsaKeyPair(crypto)
  const data = new Uint8Array(96)
  seededRandom(77)(data)

  it('RSA_PAD round trip through rsaPadDecrypt (seeded loop)', () => {
    const rnd = seededRandom(78)
    for (let i = 0; i < 8; i++) {
      const d = data.subarray(0, 60 + i * 10)
      const enc = rsaEncryptInnerData(crypto, pair.publicKey, d, rnd)
      expect(enc.length).toBe(256)
      expect(toHex(rsaPadDecrypt(crypto, pair, enc).subarray(0, d.length))).toBe(toHex(d))
    }
  })

  it('RSA_PAD forged ciphertext is bad-rsa-data', () => {
    const enc = rsaPadEncrypt(crypto, pair.publicKey, data, seededRandom(79))
    const forged = enc.slice()
    forged[100] = (forged[100] ?? 0) ^ 1
    expect(reason(() => rsaPadDecrypt(crypto, pair, forged))).toBe('bad-rsa-data')
    expect(reason(() => rsaPadDecrypt(crypto, pair, new Uint8Array(256).fill(0xff)))).toBe('bad-rsa-data')
    expect(reason(() => rsaPadDecrypt(crypto, pair, new Uint8Array(257)))).toBe('bad-rsa-data')
    expect(reason(() => rsaPadDecrypt(crypto, pair, new Uint8Array(0)))).toBe('bad-rsa-data')
  })

  it('legacy scheme round trip and forgery', () => {
    const old = { ...pair, publicKey: { ...pair.publicKey, old: true } }
    const enc = rsaEncryptInnerData(crypto, old.publicKey, data, seededRandom(80))
    expect(toHex(rsaLegacyDecrypt(crypto, old, enc, () => data.length))).toBe(toHex(data))
    expect(toHex(rsaLegacyEncrypt(crypto, old.publicKey, data, seededRandom(80)))).toBe(toHex(enc))
    expect(reason(() => rsaLegacyDecrypt(crypto, old, enc, () => data.length - 4))).toBe('bad-rsa-data')
    expect(reason(() => rsaLegacyDecrypt(crypto, old, enc, () => 1000))).toBe('bad-rsa-data')
    const forged = enc.slice()
    forged[5] = (forged[5] ?? 0) ^ 1
    expect(reason(() => rsaLegacyDecrypt(crypto, old, forged, () => data.length))).toBe('bad-rsa-data')
  })

  it('fuzz: random blocks of random sizes are always bad-rsa-data (seeded)', () => {
    const rnd = seededRandom(0x25a)
    const len = new Uint8Array(1)
    for (let i = 0; i < 24; i++) {
      rnd(len)
      const block = new Uint8Array(i % 2 === 0 ? 256 : (len[0] ?? 0) + 1)
      rnd(block)
      expect(reason(() => rsaPadDecrypt(crypto, pair, block))).toBe('bad-rsa-data')
    }
  })
})
