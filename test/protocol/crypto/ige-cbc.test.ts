/**
 * Proves the CBC identity behind cbcIgeEncrypt (see the derivation in src/protocol/crypto/ige-cbc.ts) byte for byte:
 * against the published vectors, against the block-wise oracle on seeded random data of every small block count
 * (1, 2 and 3 blocks exercise each special case x_1, x_2, x_i), and in place.
 */
import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { cbcIgeEncrypt } from '../../../src/protocol/crypto/ige-cbc.js'
import { hex, IGE256_VECTORS, oracleIgeEncrypt, seededBytes, toHex } from './oracle.js'

describe('cbcIgeEncrypt (IGE encryption as CBC over p_i ^ p_{i-2})', () => {
  it('reproduces the published encryption vectors', () => {
    for (const v of IGE256_VECTORS) {
      expect(toHex(cbcIgeEncrypt(hex(v.plaintext), hex(v.key), hex(v.iv))), v.id).toBe(v.ciphertext)
    }
  })

  it('matches the block-wise definition for 1..40 blocks and across 64 KiB chunk boundaries, out of place and in place', () => {
    const rnd = seededBytes(0xcbc)
    const sizes = [...Array.from({ length: 40 }, (_, i) => (i + 1) * 16), 4096, 65536, 65536 + 16, 65536 + 32, 2 * 65536 + 48]
    for (const len of sizes) {
      const key = rnd(32)
      const iv = rnd(32)
      const data = rnd(len)
      const want = toHex(oracleIgeEncrypt(data, key, iv))
      expect(toHex(cbcIgeEncrypt(data, key, iv)), `len ${len}`).toBe(want)
      const inPlace = data.slice()
      cbcIgeEncrypt(inPlace, key, iv, inPlace)
      expect(toHex(inPlace), `in place, len ${len}`).toBe(want)
      // Unaligned input and output take the byte-wise XOR loop.
      const odd = new Uint8Array(len + 1)
      odd.set(data, 1)
      const oddOut = new Uint8Array(len + 3).subarray(3)
      expect(toHex(cbcIgeEncrypt(odd.subarray(1), key, iv, oddOut)), `unaligned, len ${len}`).toBe(want)
    }
  })

  it('leaves its input untouched when writing elsewhere, and rejects bad sizes', () => {
    const data = new Uint8Array(64).fill(7)
    cbcIgeEncrypt(data, new Uint8Array(32), new Uint8Array(32))
    expect(data).toEqual(new Uint8Array(64).fill(7))
    expect(() => cbcIgeEncrypt(new Uint8Array(20), new Uint8Array(32), new Uint8Array(32))).toThrow(ArgumentError)
  })
})
