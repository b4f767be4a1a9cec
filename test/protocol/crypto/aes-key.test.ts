/** AES-256 key expansion against FIPS-197 Appendix A.3, and the table generator against known S-box entries. */
import { describe, expect, it } from 'vitest'
import { expandDecKey, expandEncKey } from '../../../src/protocol/crypto/aes-key.js'
import { INV_SBOX, SBOX } from '../../../src/protocol/crypto/aes-tables.js'
import { hex } from './oracle.js'

/** Big-endian FIPS word (as printed in the standard) from our little-endian column word. */
const fipsWord = (w: number): string => {
  const b = [w & 255, (w >>> 8) & 255, (w >>> 16) & 255, w >>> 24]
  return b.map((x) => x.toString(16).padStart(2, '0')).join('')
}

describe('AES tables and key schedule', () => {
  it('builds the FIPS-197 S-box and its inverse', () => {
    expect(SBOX[0x00]).toBe(0x63)
    expect(SBOX[0x53]).toBe(0xed)
    expect(SBOX[0xff]).toBe(0x16)
    for (let x = 0; x < 256; x++) expect(INV_SBOX[SBOX[x] ?? 0]).toBe(x)
  })

  it('expands the FIPS-197 A.3 AES-256 key', () => {
    const w = expandEncKey(hex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4'))
    expect(fipsWord(w[8] ?? 0)).toBe('9ba35411')
    expect(fipsWord(w[12] ?? 0)).toBe('a8b09c1a')
    expect(fipsWord(w[59] ?? 0)).toBe('706c631e')
  })

  it('keeps the first and last decryption round keys unmixed and reversed', () => {
    const enc = expandEncKey(new Uint8Array(32).fill(1))
    const dec = expandDecKey(enc)
    expect(Array.from(dec.subarray(0, 4))).toEqual(Array.from(enc.subarray(56, 60)))
    expect(Array.from(dec.subarray(56, 60))).toEqual(Array.from(enc.subarray(0, 4)))
  })
})
