import { describe, expect, it } from 'vitest'
import { isPeerCompatibleFingerprint } from '../../../src/protocol/auth/server-key.js'
import { serverKey } from './helpers.js'

describe('server key generation', () => {
  it('only yields fingerprints whose hex form has no leading zero (mtcute 0.30 cannot match those)', () => {
    expect(isPeerCompatibleFingerprint(serverKey().publicKey.fingerprint.u64)).toBe(true)
    expect(isPeerCompatibleFingerprint(0x03c429a3c5d3f613n)).toBe(false)
    expect(isPeerCompatibleFingerprint(0xd09d1d85de64fd85n)).toBe(true)
  })
})
