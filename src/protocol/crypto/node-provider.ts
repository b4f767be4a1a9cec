/**
 * CryptoProvider on node:crypto (OpenSSL): hashes, HMAC, PBKDF2 and AES-CTR natively; AES-256-IGE built from a
 * single-block AES-ECB primitive.
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector (IGE mode).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, pbkdf2Sync } from 'node:crypto'
import { ArgumentError } from '../../errors.js'
import type { AesCtr, CryptoProvider } from './provider.js'

const BLOCK = 16

function checkIge(data: Uint8Array, key: Uint8Array, iv: Uint8Array): void {
  if (key.length !== 32) throw new ArgumentError(`AES-256 key must be 32 bytes, got ${key.length}`, 'key')
  if (iv.length !== 32) throw new ArgumentError(`IGE iv must be 32 bytes, got ${iv.length}`, 'iv')
  if (data.length % BLOCK !== 0) throw new ArgumentError(`IGE data length ${data.length} is not a multiple of 16`, 'data')
}

function ige(decrypt: boolean, data: Uint8Array, key: Uint8Array, iv: Uint8Array, out?: Uint8Array): Uint8Array {
  checkIge(data, key, iv)
  const dst = out ?? new Uint8Array(data.length)
  const cipher = decrypt ? createDecipheriv('aes-256-ecb', key, null) : createCipheriv('aes-256-ecb', key, null)
  cipher.setAutoPadding(false)
  // Encrypt: c_i = E(p_i ^ c_{i-1}) ^ p_{i-1}, with c_0 = iv[0:16], p_0 = iv[16:32].
  // Decrypt: p_i = D(c_i ^ p_{i-1}) ^ c_{i-1} -- the same shape with the roles of the two iv halves swapped.
  let prevX = decrypt ? iv.slice(16, 32) : iv.slice(0, 16)
  let prevY = decrypt ? iv.slice(0, 16) : iv.slice(16, 32)
  const block = new Uint8Array(BLOCK)
  for (let off = 0; off < data.length; off += BLOCK) {
    const input = data.slice(off, off + BLOCK)
    for (let i = 0; i < BLOCK; i++) block[i] = (input[i] ?? 0) ^ (prevX[i] ?? 0)
    const mid = cipher.update(block)
    for (let i = 0; i < BLOCK; i++) dst[off + i] = (mid[i] ?? 0) ^ (prevY[i] ?? 0)
    prevX = dst.slice(off, off + BLOCK)
    prevY = input
  }
  return dst
}

class NodeCtr implements AesCtr {
  readonly #cipher
  constructor(key: Uint8Array, iv: Uint8Array) {
    if (key.length !== 32) throw new ArgumentError(`AES-256 key must be 32 bytes, got ${key.length}`, 'key')
    if (iv.length !== 16) throw new ArgumentError(`CTR iv must be 16 bytes, got ${iv.length}`, 'iv')
    this.#cipher = createCipheriv('aes-256-ctr', key, iv)
  }
  process(data: Uint8Array, out?: Uint8Array): Uint8Array {
    const res = this.#cipher.update(data)
    if (out) {
      out.set(res)
      return out
    }
    return new Uint8Array(res.buffer, res.byteOffset, res.length)
  }
}

function digest(alg: 'sha1' | 'sha256', parts: Uint8Array[]): Uint8Array {
  const h = createHash(alg)
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

/** A provider that uses node:crypto for everything it offers natively. */
export function createNodeCryptoProvider(): CryptoProvider {
  return {
    name: 'node',
    sha1: (...parts) => digest('sha1', parts),
    sha256: (...parts) => digest('sha256', parts),
    hmacSha256(key, ...parts) {
      const h = createHmac('sha256', key)
      for (const p of parts) h.update(p)
      return new Uint8Array(h.digest())
    },
    pbkdf2Sha512: (password, salt, iterations) => new Uint8Array(pbkdf2Sync(password, salt, iterations, 64, 'sha512')),
    igeEncrypt: (data, key, iv, out) => ige(false, data, key, iv, out),
    igeDecrypt: (data, key, iv, out) => ige(true, data, key, iv, out),
    createAesCtr: (key, iv) => new NodeCtr(key, iv),
  }
}
