/**
 * Every crypto derivation the published handshake samples give (the full handshake replay is a later issue):
 * factorization, key selection, tmp_aes key/iv, the encrypted answer and its SHA1, DH checks, g_b and auth_key by
 * modPow, the client's encrypted_data, new_nonce_hash1, auth_key_id, aux_hash and the first salt.
 */
import { describe, expect, it } from 'vitest'
import { bigIntFromBytes, bigIntToBytes } from '../../../src/protocol/crypto/dh-bigint.js'
import { checkDhParams, checkDhValue } from '../../../src/protocol/crypto/dh.js'
import { modPow } from '../../../src/protocol/crypto/dh-modpow.js'
import { authKeyAuxHash, authKeyId, firstServerSalt, newNonceHash, tmpAesKeyIv } from '../../../src/protocol/crypto/kdf.js'
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import { factorizePq } from '../../../src/protocol/crypto/pq.js'
import { builtinRsaKeys, RSA_PAD_DATA_BYTES, selectRsaKey } from '../../../src/protocol/crypto/rsa.js'
import { hex, loadFixture, toHex } from './fixtures.js'

type Obj = Record<string, unknown>
const fx = loadFixture<{ vectors: Array<Obj & { id: string }> }>('auth-key-sample.json')
const get = (o: unknown, path: string): string => {
  let cur: unknown = o
  for (const k of path.split('.')) cur = (cur as Obj)[k]
  if (typeof cur !== 'string' && typeof cur !== 'number') throw new Error(`missing ${path}`)
  return String(cur)
}
const vec = (id: string): Obj => {
  const v = fx.vectors.find((x) => x.id === id)
  if (v === undefined) throw new Error(`missing ${id}`)
  return v
}
const crypto = createNodeCryptoProvider()

describe('core.telegram.org auth_key sample', () => {
  const v = vec('core.telegram.org-samples-auth_key')
  const st = (p: string): string => get(v.steps, p)
  const serverNonce = hex(st('step2_resPQ.server_nonce'))
  const newNonce = hex(st('step4_p_q_inner_data_dc.new_nonce'))
  const p = bigIntFromBytes(hex(st('step6_server_DH_params_ok.dh_prime')))
  const authKey = hex(st('step8_auth_key.auth_key'))

  it('factorizes pq', () => {
    const r = factorizePq(BigInt(st('step3_factorize.pq')))
    expect([r.p, r.q]).toEqual([BigInt(st('step3_factorize.p')), BigInt(st('step3_factorize.q'))])
  })
  it('selects the production key from the offered fingerprints', () => {
    const offered = ((v.steps as Obj).step2_resPQ as { server_public_key_fingerprints_u64_hex: string[] }).server_public_key_fingerprints_u64_hex
    const key = selectRsaKey(builtinRsaKeys(crypto), offered.map((h) => BigInt(`0x${h}`)))
    expect(toHex(key.fingerprint.bytes)).toBe(get(v, 'rsa_key_used.fingerprint_wire_bytes'))
    expect(bigIntFromBytes(hex(st('step4_p_q_inner_data_dc.encrypted_data'))) < key.n).toBe(true)
    const padded = hex(st('step4_p_q_inner_data_dc.serialized_data')).length + hex(st('step4_p_q_inner_data_dc.random_padding_bytes')).length
    expect(padded).toBe(RSA_PAD_DATA_BYTES)
  })
  it('derives tmp_aes_key/iv and decrypts encrypted_answer with a matching SHA1', () => {
    const { key, iv } = tmpAesKeyIv(crypto, serverNonce, newNonce)
    expect(toHex(key)).toBe(st('step6_server_DH_params_ok.tmp_aes_key'))
    expect(toHex(iv)).toBe(st('step6_server_DH_params_ok.tmp_aes_iv'))
    const answer = crypto.igeDecrypt(hex(st('step6_server_DH_params_ok.encrypted_answer')), key, iv)
    expect(toHex(answer)).toBe(st('step6_server_DH_params_ok.answer_with_hash'))
    const inner = hex(st('step6_server_DH_params_ok.server_DH_inner_data'))
    expect(toHex(answer.subarray(20, 20 + inner.length))).toBe(toHex(inner))
    expect(toHex(crypto.sha1(inner))).toBe(toHex(answer.subarray(0, 20)))
  })
  it('checks dh_prime, g, g_a and g_b, and computes g_b and auth_key', () => {
    expect(checkDhParams(Number(st('step6_server_DH_params_ok.g')), p)).toBe(p)
    const gA = checkDhValue(hex(st('step6_server_DH_params_ok.g_a')), p, 'g_a')
    const b = bigIntFromBytes(hex(st('step7_client_DH.b')))
    const gB = modPow(3n, b, p)
    expect(toHex(bigIntToBytes(gB, 256))).toBe(st('step7_client_DH.g_b'))
    checkDhValue(gB, p, 'g_b')
    const ab = modPow(gA, b, p)
    checkDhValue(ab, p, 'g_ab')
    expect(toHex(bigIntToBytes(ab, 256))).toBe(toHex(authKey))
  })
  it('reproduces set_client_DH_params.encrypted_data', () => {
    const { key, iv } = tmpAesKeyIv(crypto, serverNonce, newNonce)
    const data = hex(st('step7_client_DH.client_DH_inner_data'))
    const plain = Buffer.concat([crypto.sha1(data), data, hex(st('step7_client_DH.padding'))])
    expect(toHex(crypto.igeEncrypt(plain, key, iv))).toBe(st('step7_client_DH.encrypted_data'))
  })
  it('new_nonce_hash1, auth_key_id, aux_hash and the first salt', () => {
    expect(toHex(newNonceHash(crypto, newNonce, 1, authKey))).toBe(st('step9_dh_gen_ok.new_nonce_hash1'))
    expect(toHex(authKeyId(crypto, authKey))).toBe(get(v, 'derived.auth_key_id'))
    expect(toHex(authKeyAuxHash(crypto, authKey))).toBe(get(v, 'derived.aux_hash'))
    const salt = firstServerSalt(serverNonce, newNonce)
    expect(toHex(salt.bytes)).toBe(get(v, 'derived.first_server_salt_bytes'))
    expect(salt.value).toBe(BigInt(get(v, 'derived.first_server_salt_i64')))
  })
})

describe('grammers emulated handshake', () => {
  const v = vec('grammers-emulate_successful_auth_key_gen_flow')
  const d = (k: string): string => get(v, `derived_intermediates.${k}`)
  const p = bigIntFromBytes(hex(d('dh_prime')))

  it('factorizes pq', () => {
    const r = factorizePq(BigInt(d('pq')))
    expect([r.p, r.q]).toEqual([BigInt(d('p')), BigInt(d('q'))])
  })
  it('tmp_aes key/iv, DH values, auth_key and its derivatives', () => {
    const { key, iv } = tmpAesKeyIv(crypto, hex(d('server_nonce')), hex(d('new_nonce')))
    expect(toHex(key)).toBe(d('tmp_aes_key'))
    expect(toHex(iv)).toBe(d('tmp_aes_iv'))
    checkDhParams(Number(d('g')), p)
    const gA = checkDhValue(hex(d('g_a')), p)
    const b = bigIntFromBytes(hex(get(v, 'step3.random')).subarray(0, 256))
    expect(toHex(bigIntToBytes(modPow(3n, b, p), 256))).toBe(d('g_b'))
    const authKey = bigIntToBytes(modPow(gA, b, p), 256)
    expect(toHex(authKey)).toBe(get(v, 'result.auth_key'))
    expect(toHex(authKeyId(crypto, authKey))).toBe(d('auth_key_id'))
    expect(toHex(authKeyAuxHash(crypto, authKey))).toBe(d('aux_hash'))
    expect(toHex(newNonceHash(crypto, hex(d('new_nonce')), 1, authKey))).toBe(d('new_nonce_hash1'))
    expect(get(v, 'step3.response_dh_gen_ok').endsWith(d('new_nonce_hash1'))).toBe(true)
    expect(firstServerSalt(hex(d('server_nonce')), hex(d('new_nonce'))).value).toBe(BigInt(get(v, 'result.first_salt')))
  })
})
