/**
 * The WebAssembly IGE path on its own: published vectors, agreement with the (oracle-checked) JS kernels across the
 * 256 KiB window boundary where the chaining state is carried between chunks, and every aliasing of data and out.
 */
import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { portableIgeDecrypt, portableIgeEncrypt } from '../../../src/protocol/crypto/ige-portable.js'
import { wasmIgeAvailable, wasmIgeDecrypt, wasmIgeEncrypt } from '../../../src/protocol/crypto/ige-wasm.js'
import { hex, IGE256_VECTORS, oracleIgeDecrypt, oracleIgeEncrypt, seededBytes, toHex } from './oracle.js'

describe('WASM AES-256-IGE', () => {
  it('is available on Node', () => expect(wasmIgeAvailable()).toBe(true))

  it('reproduces the published vectors', () => {
    for (const v of IGE256_VECTORS) {
      expect(toHex(wasmIgeEncrypt(hex(v.plaintext), hex(v.key), hex(v.iv))), v.id).toBe(v.ciphertext)
      expect(toHex(wasmIgeDecrypt(hex(v.ciphertext), hex(v.key), hex(v.iv))), v.id).toBe(v.plaintext)
    }
  })

  it('matches the oracle on small seeded inputs', () => {
    const rnd = seededBytes(0x3a5)
    for (let i = 1; i <= 24; i++) {
      const key = rnd(32)
      const iv = rnd(32)
      const data = rnd(16 * i)
      expect(toHex(wasmIgeEncrypt(data, key, iv))).toBe(toHex(oracleIgeEncrypt(data, key, iv)))
      expect(toHex(wasmIgeDecrypt(data, key, iv))).toBe(toHex(oracleIgeDecrypt(data, key, iv)))
    }
  })

  it('carries the chaining state across 256 KiB windows', () => {
    const rnd = seededBytes(0x256)
    for (const len of [256 * 1024, 256 * 1024 + 16, 512 * 1024 + 48]) {
      const key = rnd(32)
      const iv = rnd(32)
      const data = rnd(len)
      expect(Buffer.compare(wasmIgeEncrypt(data, key, iv), portableIgeEncrypt(data, key, iv))).toBe(0)
      expect(Buffer.compare(wasmIgeDecrypt(data, key, iv), portableIgeDecrypt(data, key, iv))).toBe(0)
    }
  })

  it('works in place and with shifted overlapping views', () => {
    const rnd = seededBytes(0x77)
    const key = rnd(32)
    const iv = rnd(32)
    const data = rnd(4096)
    const want = toHex(oracleIgeEncrypt(data, key, iv))
    const buf = data.slice()
    wasmIgeEncrypt(buf, key, iv, buf)
    expect(toHex(buf)).toBe(want)
    const shared = new Uint8Array(4096 + 5)
    shared.set(data, 5)
    expect(toHex(wasmIgeEncrypt(shared.subarray(5), key, iv, shared.subarray(0, 4096)))).toBe(want)
  })

  it('rejects bad sizes with ArgumentError', () => {
    const k = new Uint8Array(32)
    expect(() => wasmIgeEncrypt(new Uint8Array(8), k, k)).toThrow(ArgumentError)
    expect(() => wasmIgeDecrypt(new Uint8Array(16), new Uint8Array(24), k)).toThrow(ArgumentError)
  })
})
