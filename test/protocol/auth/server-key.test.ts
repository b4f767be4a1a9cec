import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generateServerRsaKeyPair, isPeerCompatibleFingerprint, loadServerRsaKeyPair } from '../../../src/protocol/auth/server-key.js'
import { rsaPadDecrypt } from '../../../src/protocol/crypto/rsa-server.js'
import { rsaPadEncrypt } from '../../../src/protocol/crypto/rsa.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { crypto, errorOf, serverKey } from './helpers.js'

describe('server RSA keys', () => {
  it('isPeerCompatibleFingerprint refuses fingerprints with a leading zero nibble (mtcute 0.30 cannot match those)', () => {
    expect(isPeerCompatibleFingerprint(0x03c429a3c5d3f613n)).toBe(false)
    expect(isPeerCompatibleFingerprint(0xd09d1d85de64fd85n)).toBe(true)
    expect(isPeerCompatibleFingerprint(serverKey().publicKey.fingerprint.u64)).toBe(true)
  })

  it('generates compatible key pairs that decrypt what the public half encrypts', () => {
    const pair = generateServerRsaKeyPair(crypto)
    expect(isPeerCompatibleFingerprint(pair.publicKey.fingerprint.u64)).toBe(true)
    const data = new Uint8Array(100).fill(5)
    const dec = rsaPadDecrypt(crypto, pair, rsaPadEncrypt(crypto, pair.publicKey, data, seededRandom(1)))
    expect(Buffer.from(dec.subarray(0, 100)).equals(Buffer.from(data))).toBe(true)
  })

  it('loads a private key PEM (PKCS#1 and PKCS#8) and rejects other input', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const a = loadServerRsaKeyPair(crypto, privateKey.export({ type: 'pkcs1', format: 'pem' }).toString())
    const b = loadServerRsaKeyPair(crypto, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())
    expect(a.publicKey.fingerprint.u64).toBe(b.publicKey.fingerprint.u64)
    expect(a.publicPem).toContain('BEGIN RSA PUBLIC KEY')
    expect(errorOf(() => loadServerRsaKeyPair(crypto, 'not a pem'))).toBe('ArgumentError:')
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()
    expect(errorOf(() => loadServerRsaKeyPair(crypto, small))).toBe('ArgumentError:')
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    expect(errorOf(() => loadServerRsaKeyPair(crypto, ec))).toBe('ArgumentError:')
  })
})
