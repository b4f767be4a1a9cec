import { createPrivateKey, createPublicKey } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src/protocol/random.js'
import { x25519PublicKey } from '../../../src/protocol/transport/x25519.js'
import { toHex } from './helpers.js'

describe('x25519PublicKey', () => {
  it('matches RFC 7748 section 6.1 and node:crypto on seeded keys', () => {
    const alice = Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex')
    expect(toHex(x25519PublicKey(alice))).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a')
    const rnd = seededRandom(25519)
    for (let i = 0; i < 4; i++) {
      const priv = new Uint8Array(32)
      rnd(priv)
      const der = Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), priv])
      const pub = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' })
      expect(toHex(x25519PublicKey(priv))).toBe(toHex(pub.subarray(-32)))
    }
  })
})
