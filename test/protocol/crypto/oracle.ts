/**
 * Independent reference implementations for the crypto tests: AES-256-IGE built block by block from
 * @noble/ciphers AES-ECB exactly as the spec writes it, plus @noble CTR and hashes. Nothing here shares code with
 * src/protocol/crypto.
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector
 */
import { createCipheriv } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ctr, ecb } from '@noble/ciphers/aes.js'
import { seededRandom } from '../../../src/protocol/random.js'

/** One published IGE vector from test/fixtures/aes-ige.json. */
export interface IgeVector {
  readonly id: string
  readonly key: string
  readonly iv: string
  readonly plaintext: string
  readonly ciphertext: string
  readonly direction: string
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/aes-ige.json'), 'utf8')) as {
  vectors: IgeVector[]
}

/** The AES-256 vectors (the file also holds AES-128 ones from OpenSSL, which MTProto never uses). */
export const IGE256_VECTORS: readonly IgeVector[] = fixture.vectors.filter((v) => v.key.length === 64)

export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex')

function xor16(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(16)
  for (let i = 0; i < 16; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0)
  return out
}

/** Single-block AES-256 (noble's ECB objects are single-use, so one per block). */
function ecbBlock(key: Uint8Array): { encrypt(b: Uint8Array): Uint8Array; decrypt(b: Uint8Array): Uint8Array } {
  return {
    encrypt: (b) => ecb(key, { disablePadding: true }).encrypt(b),
    decrypt: (b) => ecb(key, { disablePadding: true }).decrypt(b),
  }
}

/** c_i = E(p_i ^ c_{i-1}) ^ p_{i-1}, c_0 = iv[0:16], p_0 = iv[16:32]; one noble ECB call per block. */
export function oracleIgeEncrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Uint8Array {
  const aes = ecbBlock(key)
  const out = new Uint8Array(data.length)
  let c: Uint8Array = iv.slice(0, 16)
  let p: Uint8Array = iv.slice(16, 32)
  for (let off = 0; off < data.length; off += 16) {
    const block = data.slice(off, off + 16)
    c = xor16(aes.encrypt(xor16(block, c)), p)
    out.set(c, off)
    p = block
  }
  return out
}

/** p_i = D(c_i ^ p_{i-1}) ^ c_{i-1}. */
export function oracleIgeDecrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Uint8Array {
  const aes = ecbBlock(key)
  const out = new Uint8Array(data.length)
  let c: Uint8Array = iv.slice(0, 16)
  let p: Uint8Array = iv.slice(16, 32)
  for (let off = 0; off < data.length; off += 16) {
    const block = data.slice(off, off + 16)
    p = xor16(aes.decrypt(xor16(block, p)), c)
    out.set(p, off)
    c = block
  }
  return out
}

/** One-shot AES-256-CTR keystream XOR. */
export function oracleCtr(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Uint8Array {
  return ctr(key, iv).encrypt(data)
}

/**
 * Seeded byte source for the fuzz loops: xorshift128+ (seededRandom) is slow per byte, so it seeds a node
 * AES-CTR keystream that expands cheaply and stays deterministic (a generator only, not an oracle).
 */
export function seededBytes(seed: number): (n: number) => Uint8Array {
  const seedBytes = new Uint8Array(48)
  seededRandom(seed)(seedBytes)
  const stream = createCipheriv('aes-256-ctr', seedBytes.subarray(0, 32), seedBytes.subarray(32, 48))
  return (n) => new Uint8Array(stream.update(new Uint8Array(n)))
}
