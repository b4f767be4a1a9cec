import { describe, expect, it } from 'vitest'
import { ClientHandshake } from '../../../src/protocol/auth/client.js'
import { builtinRsaKeys } from '../../../src/protocol/crypto/rsa.js'
import { type RandomSource, seededRandom } from '../../../src/protocol/random.js'
import { hex, loadFixture, scriptedRandom, toHex } from '../crypto/fixtures.js'
import { crypto } from './helpers.js'

interface Grammers {
  id: string
  step1: { random_nonce: string; request_req_pq_multi: string; response_resPQ: string }
  step2: { random: string; request_req_DH_params: string; response_server_DH_params: string }
  step3: { random: string; now_unix: number; request_set_client_DH_params: string; response_dh_gen_ok: string }
  result: { auth_key: string; time_offset: number; first_salt: string }
  derived_intermediates: { p_q_inner_data: string; auth_key_id: string; aes_padding_len: number }
}
interface Msg {
  body: string
}
interface Official {
  id: string
  steps: {
    step1_req_pq_multi: { msg: Msg; nonce: string }
    step2_resPQ: { msg: Msg }
    step4_p_q_inner_data_dc: { new_nonce: string; random_padding_bytes: string }
    step5_req_DH_params: { msg: Msg }
    step6_server_DH_params_ok: { msg: Msg; server_time: number }
    step7_client_DH: { b: string; padding: string; set_client_DH_params: Msg }
    step8_auth_key: { auth_key: string }
    step9_dh_gen_ok: { msg: Msg }
  }
  derived: { auth_key_id: string; first_server_salt_i64: string }
}
const file = loadFixture<{ vectors: Array<{ id: string }> }>('auth-key-sample.json')
const grammers = file.vectors.find((v) => v.id === 'grammers-emulate_successful_auth_key_gen_flow') as Grammers
const official = file.vectors.find((v) => v.id === 'core.telegram.org-samples-auth_key') as Official

function sendOf(step: ReturnType<ClientHandshake['receive']>): Uint8Array {
  if (!('send' in step)) throw new Error('expected a request')
  return step.send
}

describe('auth key exchange vectors', () => {
  it('replays the grammers deterministic handshake byte for byte (legacy p_q_inner_data, test key)', () => {
    const dataLen = hex(grammers.derived_intermediates.p_q_inner_data).length
    const r2 = hex(grammers.step2.random)
    const r3 = hex(grammers.step3.random)
    const aesPadding = grammers.derived_intermediates.aes_padding_len
    // The order the client consumes randomness: nonce, new_nonce, RSA padding, temp_key, b, AES padding.
    const random = scriptedRandom(
      hex(grammers.step1.random_nonce),
      r2.subarray(0, 32),
      r2.subarray(32, 32 + 192 - dataLen),
      r2.subarray(32 + 192, 32 + 224),
      r3.subarray(0, 256),
      r3.subarray(256, 256 + aesPadding),
    )
    const nowMs = grammers.step3.now_unix * 1000
    const c = new ClientHandshake({ crypto, random, dcId: 2, rsaKeys: builtinRsaKeys(crypto), innerData: 'legacy' })
    expect(toHex(c.start(nowMs))).toBe(grammers.step1.request_req_pq_multi)
    const req2 = sendOf(c.receive(hex(grammers.step1.response_resPQ), nowMs))
    expect(toHex(req2)).toBe(grammers.step2.request_req_DH_params)
    const req3 = sendOf(c.receive(hex(grammers.step2.response_server_DH_params), nowMs))
    expect(toHex(req3)).toBe(grammers.step3.request_set_client_DH_params)
    const done = c.receive(hex(grammers.step3.response_dh_gen_ok), nowMs)
    if (!('done' in done)) throw new Error('expected the key')
    expect(toHex(done.done.authKey)).toBe(grammers.result.auth_key)
    expect(done.done.timeOffset).toBe(grammers.result.time_offset)
    expect(done.done.serverSalt).toBe(BigInt(grammers.result.first_salt))
    expect(random.remaining()).toBe(0)
  })

  it('reproduces the official sample from server_DH_params_ok on (set_client_DH_params, auth_key, salt)', () => {
    const s = official.steps
    const seeded = seededRandom(7)
    const fixed = [
      hex(s.step1_req_pq_multi.nonce),
      hex(s.step4_p_q_inner_data_dc.new_nonce),
      hex(s.step4_p_q_inner_data_dc.random_padding_bytes),
    ]
    const late = [hex(s.step7_client_DH.b), hex(s.step7_client_DH.padding)]
    // The page does not publish RSA_PAD's temp_key: 32-byte draws after the padding come from a seeded source.
    const random: RandomSource = (out) => {
      const next = fixed.shift() ?? (out.length === 32 ? undefined : late.shift())
      if (next === undefined) return seeded(out)
      expect(next.length).toBe(out.length)
      out.set(next)
    }
    const nowMs = s.step6_server_DH_params_ok.server_time * 1000 + 300
    const c = new ClientHandshake({ crypto, random, dcId: 2 })
    expect(toHex(c.start(nowMs))).toBe(s.step1_req_pq_multi.msg.body)
    const req2 = sendOf(c.receive(hex(s.step2_resPQ.msg.body), nowMs))
    const want2 = hex(s.step5_req_DH_params.msg.body)
    expect(req2.length).toBe(want2.length)
    // Everything but the 256 RSA bytes at the end (they depend on the unpublished temp_key) is identical.
    expect(toHex(req2.subarray(0, req2.length - 256))).toBe(toHex(want2.subarray(0, want2.length - 256)))
    const req3 = sendOf(c.receive(hex(s.step6_server_DH_params_ok.msg.body), nowMs))
    expect(toHex(req3)).toBe(s.step7_client_DH.set_client_DH_params.body)
    const done = c.receive(hex(s.step9_dh_gen_ok.msg.body), nowMs)
    if (!('done' in done)) throw new Error('expected the key')
    expect(toHex(done.done.authKey)).toBe(s.step8_auth_key.auth_key)
    expect(done.done.serverSalt).toBe(BigInt(official.derived.first_server_salt_i64))
    const idBytes = Buffer.alloc(8)
    idBytes.writeBigInt64LE(done.done.authKeyId)
    expect(idBytes.toString('hex')).toBe(official.derived.auth_key_id)
    expect(done.done.timeOffset).toBe(0)
  })
})
