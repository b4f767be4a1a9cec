/** Forged server answers at every field: the client rejects each with a typed error. */
import { describe, expect, it } from 'vitest'
import { rsaPadDecrypt } from '../../../src/protocol/crypto/rsa-server.js'
import { tmpAesKeyIv } from '../../../src/protocol/crypto/kdf.js'
import { TELEGRAM_DH_PRIME } from '../../../src/protocol/crypto/dh.js'
import { bigIntToBytes } from '../../../src/protocol/crypto/dh-bigint.js'
import { type Mt, TlReader, deserializeObject, serializeObject } from '../../../src/tl/service.js'
import { type Hook, crypto, errorOf, runWithHooks, serverKey } from './helpers.js'

type Obj = Record<string, unknown> & { _: string }

/** Re-serializes a TL body after `fn` edits the parsed object. */
function edit(fn: (o: Obj) => void): (body: Uint8Array) => Uint8Array {
  return (body) => {
    const o = deserializeObject(body) as unknown as Obj
    fn(o)
    return serializeObject(o as unknown as Mt.resPQ)
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

/**
 * Hooks that decrypt server_DH_params_ok (learning new_nonce from the client's RSA_PAD block with the server's
 * private key), let `fn` edit server_DH_inner_data, and re-encrypt it with a correct SHA1 so only the edit differs.
 */
function forgeInner(fn: (o: Obj) => void, padding = 0): { toServer: Hook; toClient: Hook } {
  let newNonce: Uint8Array = new Uint8Array(0)
  return {
    toServer: (step, body) => {
      if (step === 2) {
        const req = deserializeObject(body) as Mt.req_DH_params
        const data = rsaPadDecrypt(crypto, serverKey(), req.encryptedData)
        newNonce = (new TlReader(data).object() as Mt.p_q_inner_data_dc).newNonce
      }
      return body
    },
    toClient: (step, body) => {
      if (step !== 2) return body
      const res = deserializeObject(body) as Mt.server_DH_params_ok
      const tmp = tmpAesKeyIv(crypto, res.serverNonce, newNonce)
      const plain = crypto.igeDecrypt(res.encryptedAnswer, tmp.key, tmp.iv)
      const inner = deserializeObject(plain.subarray(20)) as unknown as Obj
      fn(inner)
      const data = serializeObject(inner as unknown as Mt.server_DH_inner_data)
      const len = 20 + data.length + padding
      const wrapped = new Uint8Array(Math.ceil(len / 16) * 16)
      wrapped.set(crypto.sha1(data))
      wrapped.set(data, 20)
      res.encryptedAnswer = crypto.igeEncrypt(wrapped, tmp.key, tmp.iv)
      return serializeObject(res)
    },
  }
}

const P = TELEGRAM_DH_PRIME

describe('client rejects forged server answers', () => {
  it('passes when the forging hooks change nothing (control)', () => {
    expect(runWithHooks(forgeInner(() => {})).authKey).toHaveLength(256)
  })

  it.each([
    ['resPQ nonce', 1, (o: Obj): void => {
      o.nonce = flip(o.nonce as Uint8Array)
    }, 'SecurityError:bad-nonce'],
    ['resPQ fingerprints', 1, (o: Obj): void => {
      o.serverPublicKeyFingerprints = [123n]
    }, 'SecurityError:bad-rsa-key'],
    ['resPQ prime pq', 1, (o: Obj): void => {
      o.pq = bigIntToBytes(1_000_000_007n)
    }, 'SecurityError:bad-pq'],
    ['resPQ 2^64 pq', 1, (o: Obj): void => {
      o.pq = bigIntToBytes(1n << 64n)
    }, 'SecurityError:bad-pq'],
    ['server_DH_params nonce', 2, (o: Obj): void => {
      o.nonce = flip(o.nonce as Uint8Array)
    }, 'SecurityError:bad-nonce'],
    ['server_DH_params server_nonce', 2, (o: Obj): void => {
      o.serverNonce = flip(o.serverNonce as Uint8Array, 5)
    }, 'SecurityError:bad-nonce'],
    ['encrypted_answer bit', 2, (o: Obj): void => {
      o.encryptedAnswer = flip(o.encryptedAnswer as Uint8Array, 40)
    }, 'SecurityError:bad-answer-hash'],
    ['encrypted_answer last block', 2, (o: Obj): void => {
      const a = o.encryptedAnswer as Uint8Array
      o.encryptedAnswer = flip(a, a.length - 1)
    }, 'SecurityError:bad-answer-hash'],
    ['encrypted_answer length', 2, (o: Obj): void => {
      o.encryptedAnswer = (o.encryptedAnswer as Uint8Array).subarray(4)
    }, 'SecurityError:bad-answer-hash'],
    ['dh_gen nonce', 3, (o: Obj): void => {
      o.nonce = flip(o.nonce as Uint8Array)
    }, 'SecurityError:bad-nonce'],
    ['dh_gen server_nonce', 3, (o: Obj): void => {
      o.serverNonce = flip(o.serverNonce as Uint8Array)
    }, 'SecurityError:bad-nonce'],
    ['new_nonce_hash1', 3, (o: Obj): void => {
      o.newNonceHash1 = flip(o.newNonceHash1 as Uint8Array, 15)
    }, 'SecurityError:bad-new-nonce-hash'],
    ['dh_gen_ok -> dh_gen_retry with hash1', 3, (o: Obj): void => {
      o._ = 'dh_gen_retry'
      o.newNonceHash2 = o.newNonceHash1
    }, 'SecurityError:bad-new-nonce-hash'],
    ['dh_gen_ok -> dh_gen_fail with hash1', 3, (o: Obj): void => {
      o._ = 'dh_gen_fail'
      o.newNonceHash3 = o.newNonceHash1
    }, 'SecurityError:bad-new-nonce-hash'],
  ] as const)('%s', (_name, step, fn, want) => {
    expect(errorOf(() => runWithHooks({ toClient: at(step, edit(fn)) }))).toBe(want)
  })

  it('server_DH_params_fail with a wrong new_nonce_hash', () => {
    const forge = at(2, edit((o) => (o.newNonceHash = new Uint8Array(16))))
    expect(errorOf(() => runWithHooks({ toClient: forge }, {}, { mode: 'params-fail' }))).toBe('SecurityError:bad-new-nonce-hash')
  })

  it('dh_gen_retry with a forged new_nonce_hash2', () => {
    const forge = at(3, edit((o) => (o.newNonceHash2 = flip(o.newNonceHash2 as Uint8Array))))
    expect(errorOf(() => runWithHooks({ toClient: forge }, {}, { mode: 'retry' }))).toBe('SecurityError:bad-new-nonce-hash')
  })

  it('dh_gen_fail with a forged new_nonce_hash3', () => {
    const forge = at(3, edit((o) => (o.newNonceHash3 = flip(o.newNonceHash3 as Uint8Array))))
    expect(errorOf(() => runWithHooks({ toClient: forge }, {}, { mode: 'fail' }))).toBe('SecurityError:bad-new-nonce-hash')
  })

  it.each([
    ['inner nonce', (o: Obj): void => {
      o.nonce = flip(o.nonce as Uint8Array)
    }, 'SecurityError:bad-nonce'],
    ['inner server_nonce', (o: Obj): void => {
      o.serverNonce = flip(o.serverNonce as Uint8Array)
    }, 'SecurityError:bad-nonce'],
    ['g outside 2..7', (o: Obj): void => {
      o.g = 9
    }, 'SecurityError:bad-dh-g'],
    ['g failing the residue rule', (o: Obj): void => {
      o.g = 5
    }, 'SecurityError:bad-dh-g'],
    ['dh_prime not prime', (o: Obj): void => {
      o.dhPrime = bigIntToBytes(P + 2n, 256)
    }, 'SecurityError:bad-dh-prime'],
    ['dh_prime short', (o: Obj): void => {
      o.dhPrime = bigIntToBytes(P >> 8n)
    }, 'SecurityError:bad-dh-prime'],
    ['g_a = 1', (o: Obj): void => {
      o.gA = Uint8Array.of(1)
    }, 'SecurityError:bad-dh-range'],
    ['g_a = p - 1', (o: Obj): void => {
      o.gA = bigIntToBytes(P - 1n, 256)
    }, 'SecurityError:bad-dh-range'],
    ['g_a below 2^1984', (o: Obj): void => {
      o.gA = bigIntToBytes(1n << 1900n, 256)
    }, 'SecurityError:bad-dh-range'],
    ['g_a above p - 2^1984', (o: Obj): void => {
      o.gA = bigIntToBytes(P - (1n << 1900n), 256)
    }, 'SecurityError:bad-dh-range'],
    ['a different constructor', (o: Obj): void => {
      o._ = 'client_DH_inner_data'
      o.retryId = 0n
      o.gB = o.gA
    }, 'AuthError:unexpected-message'],
  ] as const)('server_DH_inner_data: %s', (_name, fn, want) => {
    expect(errorOf(() => runWithHooks(forgeInner(fn)))).toBe(want)
  })

  it('rejects 16 or more padding bytes after server_DH_inner_data', () => {
    expect(errorOf(() => runWithHooks(forgeInner(() => {}, 16)))).toBe('SecurityError:bad-answer-hash')
  })

  it.each([1, 2, 3])('rejects garbage, empty and wrong-type answers at step %i', (step) => {
    expect(errorOf(() => runWithHooks({ toClient: at(step, () => new Uint8Array(0)) }))).toBe('AuthError:unexpected-message')
    expect(errorOf(() => runWithHooks({ toClient: at(step, () => Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)) }))).toBe(
      'AuthError:unexpected-message',
    )
    const pong = serializeObject({ _: 'pong', msgId: 1n, pingId: 2n } satisfies Mt.pong)
    expect(errorOf(() => runWithHooks({ toClient: at(step, () => pong) }))).toBe('AuthError:unexpected-message')
  })
})
