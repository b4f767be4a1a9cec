import { describe, expect, it } from 'vitest'
import { bigIntFromBytes, bigIntToBytes } from '../../../src/protocol/crypto/dh-bigint.js'
import { TELEGRAM_DH_PRIME } from '../../../src/protocol/crypto/dh.js'
import { dhKeyPair, dhSharedKey } from '../../../src/protocol/crypto/dh-exchange.js'
import { SecurityError } from '../../../src/protocol/errors.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { loadFixture, scriptedRandom, toHex } from './fixtures.js'

const P = TELEGRAM_DH_PRIME
function reason(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(SecurityError)
    return (e as SecurityError).reason
  }
  throw new Error('expected SecurityError')
}

describe('DH exchange', () => {
  it('reproduces the official sample: g_b from b and auth_key from g_a', () => {
    const fx = loadFixture<{ vectors: Array<{ id: string; steps?: Record<string, Record<string, string>> }> }>('auth-key-sample.json')
    const steps = fx.vectors.find((v) => v.id === 'core.telegram.org-samples-auth_key')?.steps
    const b = steps?.step7_client_DH?.b ?? ''
    const pair = dhKeyPair(3, P, scriptedRandom(Buffer.from(b, 'hex')))
    expect(toHex(pair.publicValue)).toBe(steps?.step7_client_DH?.g_b)
    const key = dhSharedKey(Buffer.from(steps?.step6_server_DH_params_ok?.g_a ?? '', 'hex'), pair.secret, P)
    expect(toHex(key)).toBe(steps?.step8_auth_key?.auth_key)
  })

  it('both sides derive the same key (seeded)', () => {
    const rnd = seededRandom(0xd4)
    const a = dhKeyPair(3, P, rnd)
    const b = dhKeyPair(3, P, rnd)
    expect(toHex(dhSharedKey(a.publicValue, b.secret, P))).toBe(toHex(dhSharedKey(b.publicValue, a.secret, P)))
  })

  it('redraws a secret whose public value is out of range', () => {
    const good = new Uint8Array(256)
    seededRandom(8)(good)
    const pair = dhKeyPair(3, P, scriptedRandom(new Uint8Array(256), good)) // secret 0 gives g^0 = 1
    expect(toHex(pair.secret)).toBe(toHex(good))
    expect(reason(() => dhKeyPair(3, P, () => {}))).toBe('bad-dh-range')
  })

  it('rejects forged peer values and a degenerate shared key', () => {
    const secret = new Uint8Array(256)
    seededRandom(9)(secret)
    for (const forged of [1n, P - 1n, 2n, P - 2n]) expect(reason(() => dhSharedKey(forged, secret, P))).toBe('bad-dh-range')
    // A secret of 1 makes the shared key equal to the peer value; a secret of 0 makes it 1 (out of range).
    const peer = bigIntFromBytes(dhKeyPair(3, P, seededRandom(10)).publicValue)
    expect(reason(() => dhSharedKey(peer, bigIntToBytes(0n, 256), P))).toBe('bad-dh-range')
  })
})
