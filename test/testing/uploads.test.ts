/** UploadStore alone: assembly needs every part, re-sent parts replace, memory stays bounded. */
import { describe, expect, it } from 'vitest'
import { RpcFailure } from '../../src/protocol/mtp/server-errors.js'
import { MAX_PART_SIZE, MAX_STORED_BYTES, UploadStore } from '../../src/testing/index.js'

describe('UploadStore', () => {
  it('assembles only complete uploads and replaces a re-sent part', () => {
    const s = new UploadStore()
    const u = s.upload('user:1', 5n, false)
    s.put(u, 1, Uint8Array.of(3, 4))
    expect(s.assembled(5n)).toBeUndefined()
    s.put(u, 0, Uint8Array.of(9))
    s.put(u, 0, Uint8Array.of(1, 2))
    expect(s.assembled(5n, 'user:1')).toEqual(Uint8Array.of(1, 2, 3, 4))
    expect(s.storedBytes).toBe(4)
    const big = s.upload('user:1', 6n, true)
    big.totalParts = 3
    s.put(big, 0, Uint8Array.of(1))
    s.put(big, 1, Uint8Array.of(2))
    expect(s.assembled(6n)).toBeUndefined()
  })

  it('stores a private copy of each part', () => {
    const s = new UploadStore()
    const u = s.upload('key:1', 1n, false)
    const b = Uint8Array.of(1, 2, 3)
    s.put(u, 0, b)
    b[0] = 99
    expect(s.assembled(1n)).toEqual(Uint8Array.of(1, 2, 3))
  })

  it('forgets the oldest uploads beyond its budget and refuses one upload larger than that', () => {
    expect(new UploadStore().maxBytes).toBe(MAX_STORED_BYTES)
    const budget = 16 * MAX_PART_SIZE
    const s = new UploadStore(budget)
    const part = new Uint8Array(MAX_PART_SIZE)
    const perUpload = 4
    for (let f = 0; f < 10; f++) {
      const u = s.upload('user:1', BigInt(f), false)
      for (let p = 0; p < perUpload; p++) s.put(u, p, part)
    }
    expect(s.storedBytes).toBeLessThanOrEqual(budget)
    expect(s.get(0n)).toBeUndefined()
    expect(s.assembled(9n)).toHaveLength(perUpload * MAX_PART_SIZE)
    const huge = s.upload('user:2', 100n, true)
    let err: unknown
    try {
      for (let p = 0; p < 20; p++) s.put(huge, p, part)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(RpcFailure)
    expect((err as RpcFailure).text).toBe('LOOPBACK_STORAGE_FULL')
    expect(s.storedBytes).toBeLessThanOrEqual(budget)
  })
})
