import { threadId } from 'node:worker_threads'
import { afterAll, describe, expect, it } from 'vitest'
import { ArgumentError } from '../../src/errors.js'
import { createNodeCryptoProvider } from '../../src/protocol/crypto/node-provider.js'
import { randomBytes, seededRandom } from '../../src/protocol/random.js'
import { CryptoPool, inheritableExecArgv } from '../../src/workers/crypto-pool.js'


/** Byte equality without vitest's element-by-element deep compare (seconds on 1 MiB arrays). */
function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))
}

const inline = createNodeCryptoProvider()
const pool = new CryptoPool({ inline, threads: 2, threshold: 64 * 1024 })
afterAll(() => pool.close())

describe('CryptoPool', { timeout: 30_000 }, () => {
  const rnd = seededRandom(5)
  const key = randomBytes(rnd, 32)
  const iv = randomBytes(rnd, 32)

  it('keeps small payloads inline and sends large ones to worker threads, with identical bytes', async () => {
    const small = randomBytes(rnd, 4096)
    const large = randomBytes(rnd, 1024 * 1024)
    const before = { ...pool.stats }
    expect(same(await pool.igeEncrypt(small, key, iv), inline.igeEncrypt(small, key, iv))).toBe(true)
    expect(pool.stats.inline).toBe(before.inline + 1)
    const enc = await pool.igeEncrypt(large, key, iv)
    expect(same(enc, inline.igeEncrypt(large, key, iv))).toBe(true)
    expect(same(await pool.igeDecrypt(enc, key, iv), large)).toBe(true)
    expect(pool.stats.pooled).toBe(before.pooled + 2)
    // The caller's buffers are untouched (the pool copies into a buffer it owns and transfers that).
    expect(large.byteLength).toBe(1024 * 1024)
    expect([...pool.stats.threads].every((id) => id !== threadId)).toBe(true)
  })

  it('spreads concurrent jobs over its threads', async () => {
    const jobs = Array.from({ length: 8 }, () => randomBytes(rnd, 256 * 1024))
    const outs = await Promise.all(jobs.map((j) => pool.igeEncrypt(j, key, iv)))
    for (const [i, o] of outs.entries()) expect(same(o, inline.igeEncrypt(jobs[i] as Uint8Array, key, iv))).toBe(true)
    expect(pool.stats.threads.size).toBe(2)
  })

  it('rejects bad arguments with the same typed errors as the inline provider', async () => {
    await expect(pool.igeEncrypt(new Uint8Array(100_008), key, iv)).rejects.toBeInstanceOf(ArgumentError)
    await expect(pool.pbkdf2Sha512(new Uint8Array(1), new Uint8Array(1), 0)).rejects.toBeInstanceOf(ArgumentError)
    const pb = await pool.pbkdf2Sha512(new Uint8Array([1, 2]), new Uint8Array([3]), 1000)
    expect(same(pb, inline.pbkdf2Sha512(new Uint8Array([1, 2]), new Uint8Array([3]), 1000))).toBe(true)
  })
})

describe('inheritableExecArgv', () => {
  it('keeps module loader flags with their values and drops flags a Worker rejects', () => {
    const argv = ['--expose-gc', '--require', '/x/preflight.cjs', '--import', 'file:///x/loader.mjs', '--max-old-space-size=512', '--conditions=dev', '--no-warnings']
    expect(inheritableExecArgv(argv)).toEqual(['--require', '/x/preflight.cjs', '--import', 'file:///x/loader.mjs', '--conditions=dev', '--no-warnings'])
  })
})
