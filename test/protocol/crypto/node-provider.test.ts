import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'

interface IgeVector { key: string; iv: string; plaintext: string; ciphertext: string; id?: string }
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/aes-ige.json'), 'utf8')) as {
  vectors: IgeVector[]
}
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
const aes256 = fixture.vectors.filter((v) => v.key.length === 64)

describe('node provider AES-256-IGE', () => {
  const p = createNodeCryptoProvider()
  it('has AES-256 vectors to check', () => expect(aes256.length).toBeGreaterThanOrEqual(3))
  it.each(aes256.map((v, i) => [v.id ?? String(i), v] as const))('vector %s', (_name, v) => {
    expect(Buffer.from(p.igeEncrypt(hex(v.plaintext), hex(v.key), hex(v.iv))).toString('hex')).toBe(v.ciphertext)
    expect(Buffer.from(p.igeDecrypt(hex(v.ciphertext), hex(v.key), hex(v.iv))).toString('hex')).toBe(v.plaintext)
  })
})
