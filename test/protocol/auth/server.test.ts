/** Forged client requests at every field: the server rejects each with a typed error and stays failed. */
import { describe, expect, it } from 'vitest'
import { ServerHandshake } from '../../../src/protocol/auth/server.js'
import { rsaPadDecrypt } from '../../../src/protocol/crypto/rsa-server.js'
import { rsaPadEncrypt } from '../../../src/protocol/crypto/rsa.js'
import { tmpAesKeyIv } from '../../../src/protocol/crypto/kdf.js'
import { TELEGRAM_DH_PRIME } from '../../../src/protocol/crypto/dh.js'
import { bigIntToBytes } from '../../../src/protocol/crypto/dh-bigint.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { type Mt, TlReader, deserializeObject, serializeObject } from '../../../src/tl/service.js'
import { type Hook, NOW_MS, crypto, errorOf, runWithHooks, serverKey } from './helpers.js'

type Obj = Record<string, unknown> & { _: string }

function edit(fn: (o: Obj) => void): (body: Uint8Array) => Uint8Array {
  return (body) => {
    const o = deserializeObject(body) as unknown as Obj
    fn(o)
    return serializeObject(o as unknown as Mt.req_pq_multi)
  }
}
const at =
  (step: number, fn: (b: Uint8Array) => Uint8Array): Hook =>
  (s, b) =>
    s === step ? fn(b) : b
const flip = (b: Uint8Array, i = 0): Uint8Array => {
  const c = Uint8Array.from(b)
  c[i] = (c[i] ?? 0) ^ 1
  return c
}

/** Edits p_q_inner_data inside req_DH_params and re-encrypts it with RSA_PAD for the server's key. */
function forgePqInner(fn: (o: Obj) => void): Hook {
  return at(
    2,
    edit((req) => {
      const data = rsaPadDecrypt(crypto, serverKey(), req.encryptedData as Uint8Array)
      const inner = new TlReader(data).object() as unknown as Obj
      fn(inner)
      const bytes = serializeObject(inner as unknown as Mt.p_q_inner_data_dc)
      req.encryptedData = rsaPadEncrypt(crypto, serverKey().publicKey, bytes, seededRandom(99))
    }),
  )
}

/** Edits client_DH_inner_data inside set_client_DH_params (new_nonce learned from step 2) and re-encrypts it. */
function forgeClientDh(fn: (o: Obj) => void, onStep = 3): Hook {
  let newNonce: Uint8Array = new Uint8Array(0)
  return (step, body) => {
    if (step === 2) {
      const req = deserializeObject(body) as Mt.req_DH_params
      const data = rsaPadDecrypt(crypto, serverKey(), req.encryptedData)
      newNonce = (new TlReader(data).object() as Mt.p_q_inner_data_dc).newNonce
    }
    if (step !== onStep) return body
    const req = deserializeObject(body) as Mt.set_client_DH_params
    const tmp = tmpAesKeyIv(crypto, req.serverNonce, newNonce)
    const plain = crypto.igeDecrypt(req.encryptedData, tmp.key, tmp.iv)
    const inner = deserializeObject(plain.subarray(20)) as unknown as Obj
    fn(inner)
    const data = serializeObject(inner as unknown as Mt.client_DH_inner_data)
    const wrapped = new Uint8Array(Math.ceil((20 + data.length) / 16) * 16)
    wrapped.set(crypto.sha1(data))
    wrapped.set(data, 20)
    req.encryptedData = crypto.igeEncrypt(wrapped, tmp.key, tmp.iv)
    return serializeObject(req)
  }
}

const P = TELEGRAM_DH_PRIME

describe('server rejects forged client requests', () => {
  it('control: the forging hooks alone change nothing', () => {
    expect(runWithHooks({ toServer: forgePqInner(() => {}) }).authKey).toHaveLength(256)
    expect(runWithHooks({ toServer: forgeClientDh(() => {}) }).authKey).toHaveLength(256)
  })

  it.each([
    ['req_pq_multi -> req_pq (old) is accepted', 1, (o: Obj): void => {
      o._ = 'req_pq'
    }, ''],
    ['req_DH_params nonce', 2, (o: Obj): void => {
      o.nonce = flip(o.nonce as Uint8Array)
    }, 'SecurityError:bad-nonce'],
    ['req_DH_params server_nonce', 2, (o: Obj): void => {
      o.serverNonce = flip(o.serverNonce as Uint8Array)
    }, 'SecurityError:bad-nonce'],
    ['p and q swapped', 2, (o: Obj): void => {
      const p = o.p
      o.p = o.q
      o.q = p
    }, 'AuthError:bad-proof'],
    ['p = 1', 2, (o: Obj): void => {
      o.p = Uint8Array.of(1)
    }, 'AuthError:bad-proof'],
    ['fingerprint', 2, (o: Obj): void => {
      o.publicKeyFingerprint = (o.publicKeyFingerprint as bigint) ^ 1n
    }, 'AuthError:bad-proof'],
    ['encrypted_data bit', 2, (o: Obj): void => {
      o.encryptedData = flip(o.encryptedData as Uint8Array, 100)
    }, 'SecurityError:bad-rsa-data'],
    ['encrypted_data = n - 1 bytes of 0xff', 2, (o: Obj): void => {
      o.encryptedData = new Uint8Array(256).fill(0xff)
    }, 'SecurityError:bad-rsa-data'],
    ['encrypted_data empty', 2, (o: Obj): void => {
      o.encryptedData = new Uint8Array(0)
    }, 'SecurityError:bad-rsa-data'],
    ['set_client_DH_params nonce', 3, (o: Obj): void => {
      o.nonce = flip(o.nonce as Uint8Array)
    }, 'SecurityError:bad-nonce'],
    ['set_client_DH_params server_nonce', 3, (o: Obj): void => {
      o.serverNonce = flip(o.serverNonce as Uint8Array)
    }, 'SecurityError:bad-nonce'],
    ['set_client_DH_params encrypted bit', 3, (o: Obj): void => {
      o.encryptedData = flip(o.encryptedData as Uint8Array, 33)
    }, 'SecurityError:bad-answer-hash'],
    ['set_client_DH_params encrypted length', 3, (o: Obj): void => {
      o.encryptedData = (o.encryptedData as Uint8Array).subarray(1)
    }, 'SecurityError:bad-answer-hash'],
  ] as const)('%s', (_n, step, fn, want) => {
    const run = () => runWithHooks({ toServer: at(step, edit(fn)) })
    if (want === '') expect(run().authKey).toHaveLength(256)
    else expect(errorOf(run)).toBe(want)
  })

  it.each([
    ['nonce', (o: Obj): void => {
      o.nonce = flip(o.nonce as Uint8Array)
    }, 'SecurityError:bad-nonce'],
    ['server_nonce', (o: Obj): void => {
      o.serverNonce = flip(o.serverNonce as Uint8Array)
    }, 'SecurityError:bad-nonce'],
    ['pq', (o: Obj): void => {
      o.pq = bigIntToBytes(15n)
    }, 'AuthError:bad-proof'],
    ['p', (o: Obj): void => {
      o.p = bigIntToBytes(3n)
    }, 'AuthError:bad-proof'],
    ['q', (o: Obj): void => {
      o.q = bigIntToBytes(5n)
    }, 'AuthError:bad-proof'],
    ['expires_in = 0 on a temp request', (o: Obj): void => {
      o._ = 'p_q_inner_data_temp_dc'
      o.expiresIn = 0
    }, 'AuthError:unexpected-message'],
    ['not inner data at all', (o: Obj): void => {
      o._ = 'req_pq_multi'
    }, 'SecurityError:bad-rsa-data'],
  ] as const)('p_q_inner_data_dc: %s', (_n, fn, want) => {
    expect(errorOf(() => runWithHooks({ toServer: forgePqInner(fn) }))).toBe(want)
  })

  it.each([
    ['nonce', (o: Obj): void => {
      o.nonce = flip(o.nonce as Uint8Array)
    }, 'SecurityError:bad-nonce'],
    ['server_nonce', (o: Obj): void => {
      o.serverNonce = flip(o.serverNonce as Uint8Array)
    }, 'SecurityError:bad-nonce'],
    ['retry_id on the first try', (o: Obj): void => {
      o.retryId = 5n
    }, 'AuthError:bad-retry-id'],
    ['g_b = 1', (o: Obj): void => {
      o.gB = Uint8Array.of(1)
    }, 'SecurityError:bad-dh-range'],
    ['g_b = p - 1', (o: Obj): void => {
      o.gB = bigIntToBytes(P - 1n, 256)
    }, 'SecurityError:bad-dh-range'],
    ['g_b below 2^1984', (o: Obj): void => {
      o.gB = bigIntToBytes(1n << 1983n, 256)
    }, 'SecurityError:bad-dh-range'],
  ] as const)('client_DH_inner_data: %s', (_n, fn, want) => {
    expect(errorOf(() => runWithHooks({ toServer: forgeClientDh(fn) }))).toBe(want)
  })

  it('after dh_gen_retry the retry_id must be the previous aux hash', () => {
    const hook = forgeClientDh((o) => (o.retryId = 0n), 4)
    expect(errorOf(() => runWithHooks({ toServer: hook }, {}, { mode: 'retry' }))).toBe('AuthError:bad-retry-id')
  })

  it('accepts the legacy RSA scheme (what old keys use)', () => {
    const key = serverKey()
    const r = runWithHooks({}, { rsaKeys: [{ ...key.publicKey, old: true }] })
    expect(r.authKey).toHaveLength(256)
  })

  it('rejects wrong message types and stays failed afterwards', () => {
    const s = new ServerHandshake({ crypto, random: seededRandom(3), rsaKey: serverKey() })
    const pong = serializeObject({ _: 'pong', msgId: 1n, pingId: 2n } satisfies Mt.pong)
    expect(errorOf(() => s.receive(pong, NOW_MS))).toBe('AuthError:unexpected-message')
    expect(s.failed).toBe(true)
    const req = serializeObject({ _: 'req_pq_multi', nonce: new Uint8Array(16) } satisfies Mt.req_pq_multi)
    expect(errorOf(() => s.receive(req, NOW_MS))).toBe('AuthError:bad-state')
    const s2 = new ServerHandshake({ crypto, random: seededRandom(3), rsaKey: serverKey() })
    expect(errorOf(() => s2.receive(new Uint8Array(3), NOW_MS))).toBe('AuthError:unexpected-message')
  })

  it('makes a fresh pq per handshake, a product of two 31-bit primes below 2^62', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 5; i++) {
      const s = new ServerHandshake({ crypto, random: seededRandom(40 + i), rsaKey: serverKey() })
      const res = deserializeObject(s.receive(serializeObject({ _: 'req_pq_multi', nonce: new Uint8Array(16) }), NOW_MS).send) as Mt.resPQ
      const pq = BigInt(`0x${Buffer.from(res.pq).toString('hex')}`)
      expect(pq < 1n << 62n && pq >= 1n << 60n).toBe(true)
      seen.add(pq.toString())
    }
    expect(seen.size).toBe(5)
  })
})
