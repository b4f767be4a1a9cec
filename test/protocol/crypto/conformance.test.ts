/**
 * The one conformance suite: every CryptoProvider implementation (each sync provider and each async wrapper) over
 * the published vectors and over seeded random data compared against an independent oracle (@noble/ciphers,
 * @noble/hashes). Spec: https://core.telegram.org/mtproto/description
 */
import { hmac } from '@noble/hashes/hmac.js'
import { sha1 } from '@noble/hashes/legacy.js'
import { pbkdf2 } from '@noble/hashes/pbkdf2.js'
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import { afterAll, describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { type AsyncCryptoProvider, createInThreadAsyncProvider } from '../../../src/protocol/crypto/async-provider.js'
import { loadNativeIge } from '../../../src/protocol/crypto/native.js'
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import type { CryptoProvider } from '../../../src/protocol/crypto/provider.js'
import { CryptoPool } from '../../../src/workers/crypto-pool.js'
import { createPoolPort } from '../../../src/workers/crypto-port-server.js'
import { RemotePoolProvider } from '../../../src/workers/crypto-remote.js'
import { hex, IGE256_VECTORS, oracleCtr, oracleIgeDecrypt, oracleIgeEncrypt, seededBytes, toHex } from './oracle.js'

const native = loadNativeIge()
const syncProviders: Array<[string, CryptoProvider]> = [
  ['wasm', createNodeCryptoProvider({ ige: 'wasm' })],
  ['js', createNodeCryptoProvider({ ige: 'js' })],
]
if (native.ok) syncProviders.push(['native', createNodeCryptoProvider({ ige: 'native' })])
// The worker pool, with every IGE job sent to a thread (threshold 0), is one more implementation under test.
const pool = new CryptoPool({ inline: createNodeCryptoProvider(), threads: 2, threshold: 0 })
// And the pool reached through a MessagePort, as a DC actor's worker reaches it (both ends on this thread here;
// test/workers/crypto-remote.test.ts runs the remote end in a real worker thread).
const served = createPoolPort(pool)
const remote = new RemotePoolProvider(served.port, { inline: createNodeCryptoProvider(), threshold: 0 })
afterAll(async () => {
  remote.close()
  served.server.close()
  await pool.close()
})
const asyncProviders: Array<[string, AsyncCryptoProvider]> = [
  ...syncProviders.map(([n, p]): [string, AsyncCryptoProvider] => [`async ${n}`, createInThreadAsyncProvider(p)]),
  ['worker pool', pool],
  ['remote pool port', remote],
]

/** Every provider seen through one async-shaped lens, so the same assertions cover both kinds. */
interface Subject {
  ige(decrypt: boolean, data: Uint8Array, key: Uint8Array, iv: Uint8Array): Promise<Uint8Array>
  sha1(...p: Uint8Array[]): Promise<Uint8Array>
  sha256(...p: Uint8Array[]): Promise<Uint8Array>
  hmacSha256(k: Uint8Array, ...p: Uint8Array[]): Promise<Uint8Array>
  pbkdf2Sha512(pw: Uint8Array, salt: Uint8Array, it: number): Promise<Uint8Array>
}
const subjects: Array<[string, Subject]> = [
  ...syncProviders.map(([n, p]): [string, Subject] => [
    n,
    {
      ige: async (d, data, key, iv) => (d ? p.igeDecrypt(data, key, iv) : p.igeEncrypt(data, key, iv)),
      sha1: async (...parts) => p.sha1(...parts),
      sha256: async (...parts) => p.sha256(...parts),
      hmacSha256: async (k, ...parts) => p.hmacSha256(k, ...parts),
      pbkdf2Sha512: async (pw, s, i) => p.pbkdf2Sha512(pw, s, i),
    },
  ]),
  ...asyncProviders.map(([n, p]): [string, Subject] => [
    n,
    {
      ige: (d, data, key, iv) => (d ? p.igeDecrypt(data, key, iv) : p.igeEncrypt(data, key, iv)),
      sha1: (...parts) => p.sha1(...parts),
      sha256: (...parts) => p.sha256(...parts),
      hmacSha256: (k, ...parts) => p.hmacSha256(k, ...parts),
      pbkdf2Sha512: (pw, s, i) => p.pbkdf2Sha512(pw, s, i),
    },
  ]),
]

const concat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts))

describe('implementations under test', () => {
  it('include the native path wherever the addon is expected (linux-x64 with a build or prebuild)', () => {
    const names = syncProviders.map(([n, p]) => `${n}:${p.name}`)
    if (native.ok) expect(names).toContain('native:node+native-ige')
    else expect(process.env.MTACTOR_NO_NATIVE === '1' || process.arch !== 'x64' || !native.ok).toBe(true)
    expect(names).toContain('wasm:node+wasm-ige')
    expect(names).toContain('js:node+js-ige')
    expect(createNodeCryptoProvider({ ige: 'portable' }).name).toBe('node+wasm-ige')
    expect(createNodeCryptoProvider().name).toBe(native.ok ? 'node+native-ige' : 'node+wasm-ige')
    expect(() => createNodeCryptoProvider({ ige: 'fast' as 'auto' })).toThrow(ArgumentError)
  })
})

describe.each(subjects)('%s', (_name, s) => {
  it('matches the published AES-256-IGE vectors', async () => {
    expect(IGE256_VECTORS.length).toBeGreaterThanOrEqual(4)
    for (const v of IGE256_VECTORS) {
      const key = hex(v.key)
      const iv = hex(v.iv)
      expect(toHex(await s.ige(false, hex(v.plaintext), key, iv)), v.id).toBe(v.ciphertext)
      expect(toHex(await s.ige(true, hex(v.ciphertext), key, iv)), v.id).toBe(v.plaintext)
    }
  })

  it('matches the oracle on seeded random IGE inputs (both directions, 16 B .. 8 KiB)', async () => {
    const rnd = seededBytes(0x1ce)
    for (let i = 0; i < 60; i++) {
      const sizeByte = rnd(2)
      // Mostly small messages, every fourth one large enough to take the CBC-identity path (>= 2 KiB).
      const blocks = i % 4 === 3 ? 128 + ((sizeByte[0] ?? 0) << 1) : 1 + ((sizeByte[1] ?? 0) % 40)
      const data = rnd(blocks * 16)
      const key = rnd(32)
      const iv = rnd(32)
      const enc = await s.ige(false, data, key, iv)
      expect(toHex(enc)).toBe(toHex(oracleIgeEncrypt(data, key, iv)))
      expect(toHex(await s.ige(true, enc, key, iv))).toBe(toHex(data))
      expect(toHex(await s.ige(true, data, key, iv))).toBe(toHex(oracleIgeDecrypt(data, key, iv)))
    }
  })

  it('accepts empty input', async () => {
    const k = new Uint8Array(32)
    expect((await s.ige(false, new Uint8Array(0), k, k)).length).toBe(0)
    expect((await s.ige(true, new Uint8Array(0), k, k)).length).toBe(0)
  })

  it('rejects bad IGE arguments with ArgumentError', async () => {
    const ok = new Uint8Array(32)
    const bad: Array<[Uint8Array, Uint8Array, Uint8Array, string]> = [
      [new Uint8Array(15), ok, ok, 'data'],
      [new Uint8Array(16), new Uint8Array(31), ok, 'key'],
      [new Uint8Array(16), new Uint8Array(16), ok, 'key'],
      [new Uint8Array(16), ok, new Uint8Array(16), 'iv'],
      [new Uint8Array(16), ok, new Uint8Array(33), 'iv'],
      ['not bytes' as unknown as Uint8Array, ok, ok, 'data'],
      [new Uint8Array(16), [1, 2] as unknown as Uint8Array, ok, 'key'],
    ]
    for (const [data, key, iv, arg] of bad) {
      for (const decrypt of [false, true]) {
        const err = await s.ige(decrypt, data, key, iv).then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(err).toBeInstanceOf(ArgumentError)
        expect((err as ArgumentError).argument).toBe(arg)
      }
    }
  })

  it('hashes match the oracle and the FIPS 180 "abc" vectors', async () => {
    const abc = new TextEncoder().encode('abc')
    expect(toHex(await s.sha1(abc))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d')
    expect(toHex(await s.sha256(abc))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(toHex(await s.sha256())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    const rnd = seededBytes(7)
    for (let i = 0; i < 30; i++) {
      const parts = Array.from({ length: i % 4 }, (_, j) => rnd((i * 37 + j * 11) % 300))
      expect(toHex(await s.sha1(...parts))).toBe(toHex(sha1(concat(parts))))
      expect(toHex(await s.sha256(...parts))).toBe(toHex(sha256(concat(parts))))
      const key = rnd(i * 5)
      expect(toHex(await s.hmacSha256(key, ...parts))).toBe(toHex(hmac(sha256, key, concat(parts))))
    }
  })

  it('HMAC-SHA256 matches RFC 4231 test case 2', async () => {
    const enc = new TextEncoder()
    const mac = await s.hmacSha256(enc.encode('Jefe'), enc.encode('what do ya want '), enc.encode('for nothing?'))
    expect(toHex(mac)).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843')
  })

  it('PBKDF2-HMAC-SHA512 matches the oracle and rejects bad iteration counts', async () => {
    const rnd = seededBytes(11)
    for (const iterations of [1, 2, 50]) {
      const pw = rnd(20 + iterations)
      const salt = rnd(16)
      expect(toHex(await s.pbkdf2Sha512(pw, salt, iterations))).toBe(
        toHex(pbkdf2(sha512, pw, salt, { c: iterations, dkLen: 64 })),
      )
    }
    for (const it of [0, -1, 1.5, Number.NaN, 1e12]) {
      await expect(s.pbkdf2Sha512(new Uint8Array(1), new Uint8Array(1), it)).rejects.toBeInstanceOf(ArgumentError)
    }
  })
})

describe.each(syncProviders)('%s (sync-only members)', (_name, p) => {
  it('writes IGE results into out, in place, into a longer out, and at unaligned offsets', () => {
    const rnd = seededBytes(99)
    for (const len of [16, 48, 192, 4096]) {
      const key = rnd(32)
      const iv = rnd(32)
      const data = rnd(len)
      const want = oracleIgeEncrypt(data, key, iv)
      const out = new Uint8Array(len)
      expect(p.igeEncrypt(data, key, iv, out)).toBe(out)
      expect(toHex(out)).toBe(toHex(want))
      const inPlace = data.slice()
      expect(p.igeEncrypt(inPlace, key, iv, inPlace)).toBe(inPlace)
      expect(toHex(inPlace)).toBe(toHex(want))
      expect(toHex(p.igeDecrypt(inPlace, key, iv, inPlace))).toBe(toHex(data))
      const longer = new Uint8Array(len + 5).fill(0xaa)
      expect(toHex(p.igeEncrypt(data, key, iv, longer))).toBe(toHex(want))
      expect(longer.subarray(len)).toEqual(new Uint8Array(5).fill(0xaa))
      // Unaligned views of one buffer, overlapping with a shift of one byte: the result must still be exact.
      const shared = new Uint8Array(len + 1)
      shared.set(want, 1)
      const src = shared.subarray(1, len + 1)
      const dst = shared.subarray(0, len)
      expect(toHex(p.igeDecrypt(src, key, iv, dst))).toBe(toHex(data))
      const shared2 = new Uint8Array(len + 3)
      shared2.set(data, 0)
      expect(toHex(p.igeEncrypt(shared2.subarray(0, len), key, iv, shared2.subarray(3)))).toBe(toHex(want))
    }
  })

  it('rejects an out that is too short or not bytes', () => {
    const k = new Uint8Array(32)
    expect(() => p.igeEncrypt(new Uint8Array(32), k, k, new Uint8Array(16))).toThrow(ArgumentError)
    expect(() => p.igeDecrypt(new Uint8Array(32), k, k, new Uint16Array(16) as unknown as Uint8Array)).toThrow(
      ArgumentError,
    )
  })

  it('AES-256-CTR streams across arbitrary chunk sizes like the one-shot oracle', () => {
    const rnd = seededBytes(5)
    for (let round = 0; round < 8; round++) {
      const key = rnd(32)
      const iv = rnd(16)
      const data = rnd(1000 + round * 77)
      const ctr = p.createAesCtr(key, iv)
      const got = new Uint8Array(data.length)
      let off = 0
      const sizes = rnd(64)
      for (let i = 0; off < data.length; i++) {
        const n = Math.min(data.length - off, ((sizes[i % 64] ?? 1) % 97) + (i % 3 === 0 ? 0 : 1))
        const chunk = data.slice(off, off + n)
        const res = i % 2 === 0 ? ctr.process(chunk) : ctr.process(chunk, chunk)
        got.set(res, off)
        off += n
      }
      expect(toHex(got)).toBe(toHex(oracleCtr(data, key, iv)))
    }
    expect(() => p.createAesCtr(new Uint8Array(16), new Uint8Array(16))).toThrow(ArgumentError)
    expect(() => p.createAesCtr(new Uint8Array(32), new Uint8Array(32))).toThrow(ArgumentError)
    expect(() => p.createAesCtr(new Uint8Array(32), new Uint8Array(16)).process(new Uint8Array(4), new Uint8Array(3))).toThrow(
      ArgumentError,
    )
  })

  it('randomFill fills the buffer it is given', () => {
    const a = p.randomFill(new Uint8Array(64))
    const b = p.randomFill(new Uint8Array(64))
    expect(a.length).toBe(64)
    expect(toHex(a)).not.toBe(toHex(b))
    expect(p.randomFill(new Uint8Array(0)).length).toBe(0)
    expect(() => p.randomFill([] as unknown as Uint8Array)).toThrow(ArgumentError)
  })
})

describe.each(asyncProviders)('%s (async-only members)', (_name, p) => {
  it('randomBytes returns fresh bytes and rejects bad lengths', async () => {
    const a = await p.randomBytes(32)
    expect(a.length).toBe(32)
    expect(toHex(a)).not.toBe(toHex(await p.randomBytes(32)))
    await expect(p.randomBytes(-1)).rejects.toBeInstanceOf(ArgumentError)
    await expect(p.randomBytes(1.5)).rejects.toBeInstanceOf(ArgumentError)
    await expect(p.randomBytes(2 ** 40)).rejects.toBeInstanceOf(ArgumentError)
  })

  it('turns a synchronous ArgumentError into a rejection', () => {
    const k = new Uint8Array(32)
    const pending = p.igeEncrypt(new Uint8Array(3), k, k)
    expect(pending).toBeInstanceOf(Promise)
    return expect(pending).rejects.toBeInstanceOf(ArgumentError)
  })
})

describe('provider results behave as plain Uint8Array', () => {
  it('slice() of a digest is a copy starting at offset 0 (not a Buffer view)', () => {
    const p = createNodeCryptoProvider()
    const outs = [p.sha1(new Uint8Array(3)), p.sha256(new Uint8Array(3), new Uint8Array(2)), p.hmacSha256(new Uint8Array(4), new Uint8Array(1))]
    for (const d of outs) {
      expect(Buffer.isBuffer(d)).toBe(false)
      const tail = d.slice(12, 20)
      expect(tail.byteOffset).toBe(0)
      expect(new DataView(tail.buffer).getUint8(0)).toBe(d[12])
    }
  })
})
