/**
 * The pure-JS IGE path on its own: published vectors, the FIPS-197 AES-256 single-block vector (IGE with an
 * all-zero iv reduces to one plain AES block), and seeded random data against the oracle, aligned and unaligned.
 */
import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { portableIgeDecrypt, portableIgeEncrypt } from '../../../src/protocol/crypto/ige-portable.js'
import { hex, IGE256_VECTORS, oracleIgeDecrypt, oracleIgeEncrypt, seededBytes, toHex } from './oracle.js'

describe('portable AES-256-IGE', () => {
  it('reproduces the published vectors', () => {
    for (const v of IGE256_VECTORS) {
      expect(toHex(portableIgeEncrypt(hex(v.plaintext), hex(v.key), hex(v.iv))), v.id).toBe(v.ciphertext)
      expect(toHex(portableIgeDecrypt(hex(v.ciphertext), hex(v.key), hex(v.iv))), v.id).toBe(v.plaintext)
    }
  })

  it('reduces to the FIPS-197 C.3 AES-256 block with a zero iv', () => {
    const key = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')
    const zero = new Uint8Array(32)
    const pt = hex('00112233445566778899aabbccddeeff')
    expect(toHex(portableIgeEncrypt(pt, key, zero))).toBe('8ea2b7ca516745bfeafc49904b496089')
    expect(toHex(portableIgeDecrypt(hex('8ea2b7ca516745bfeafc49904b496089'), key, zero))).toBe(toHex(pt))
  })

  it('matches the oracle on seeded random data, aligned and unaligned', () => {
    const rnd = seededBytes(0x9e)
    for (let i = 0; i < 30; i++) {
      const len = 16 * (1 + i * 3)
      const key = rnd(32)
      const iv = rnd(32)
      const data = rnd(len)
      const shift = i % 4
      const view = new Uint8Array(len + shift).subarray(shift)
      view.set(data)
      expect(toHex(portableIgeEncrypt(view, key, iv))).toBe(toHex(oracleIgeEncrypt(data, key, iv)))
      expect(toHex(portableIgeDecrypt(view, key, iv))).toBe(toHex(oracleIgeDecrypt(data, key, iv)))
    }
  })

  it('rejects bad sizes with ArgumentError', () => {
    const k = new Uint8Array(32)
    expect(() => portableIgeDecrypt(new Uint8Array(17), k, k)).toThrow(ArgumentError)
    expect(() => portableIgeEncrypt(new Uint8Array(16), k, new Uint8Array(31))).toThrow(ArgumentError)
  })
})
