import { describe, expect, it } from 'vitest'
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import { evictOldest, ServerKeyStore } from '../../../src/protocol/mtp/server-keys.js'
import { seededRandom } from '../../../src/protocol/random.js'

const crypto = createNodeCryptoProvider()

describe('server key store', () => {
  it('accepts the current and the previous window salt only, and announces future ones lazily', () => {
    const store = new ServerKeyStore(crypto, 100)
    const random = seededRandom(3)
    const key = store.add(new Uint8Array(256).fill(1), { firstSalt: 42n, serverNow: 1000 })
    expect(store.get(key.id)).toBe(key)
    expect(store.saltValid(key, 42n, 1050, random)).toBe(true)
    const next = store.saltOf(key, 11, random)
    expect(store.saltValid(key, next, 1150, random)).toBe(true)
    expect(store.saltValid(key, 42n, 1150, random)).toBe(true)
    expect(store.saltValid(key, 42n, 1250, random)).toBe(false)
    for (let w = 10; w < 10 + 64; w++) store.saltOf(key, w, random)
    expect(store.saltValid(key, next, 1150, random)).toBe(true)
    expect(store.delete(key.id)).toBe(true)
    expect(store.get(key.id)).toBeUndefined()
  })

  it('evicts insertion-ordered caches in batches down to the cap', () => {
    const m = new Map<number, number>()
    const gone: number[] = []
    for (let i = 0; i < 100; i++) {
      m.set(i, i)
      evictOldest(m, 64, (k) => gone.push(k))
    }
    expect(m.size).toBeLessThanOrEqual(64)
    expect(gone).toEqual(Array.from({ length: gone.length }, (_, i) => i))
    expect([...m.keys()].at(-1)).toBe(99)
  })
})
