import { describe, expect, it } from 'vitest'
import { Batcher, ownedForTransfer, sentRecords } from '../../src/actors/actor-messages.js'

describe('actor messages', () => {
  it('transfers whole owned buffers as they are and copies views of shared memory once', () => {
    const whole = new Uint8Array(16)
    expect(ownedForTransfer(whole)).toBe(whole)
    const pooled = Buffer.from([1, 2, 3, 4])
    const own = ownedForTransfer(pooled)
    expect(own).not.toBe(pooled)
    expect([...own]).toEqual([1, 2, 3, 4])
    expect(own.byteOffset === 0 && own.buffer.byteLength === 4).toBe(true)
    const slice = whole.subarray(4, 8)
    expect(ownedForTransfer(slice).buffer).not.toBe(whole.buffer)
  })

  it('posts one batch per turn with each buffer listed once, and at once on flushNow', async () => {
    const posts: Array<{ batch: readonly number[]; transfer: ArrayBuffer[] }> = []
    const b = new Batcher<number>((batch, transfer) => posts.push({ batch, transfer }))
    const buf = new Uint8Array(8)
    b.push(1, buf)
    b.push(2, buf)
    b.push(3)
    expect(posts).toHaveLength(0)
    await Promise.resolve()
    expect(posts).toEqual([{ batch: [1, 2, 3], transfer: [buf.buffer] }])
    b.push(4)
    b.flushNow()
    expect(posts[1]?.batch).toEqual([4])
    await Promise.resolve()
    expect(posts).toHaveLength(2)
    expect(b.batches).toBe(2)
    expect(b.messages).toBe(4)
  })

  it('rebuilds column-wise sent records', () => {
    const recs = sentRecords({ requestIds: new Float64Array([7, 9]), msgIds: new BigInt64Array([4n, 8n]), seqNos: new Int32Array([1, 3]) })
    expect(recs).toEqual([
      { requestId: 7, msgId: 4n, seqNo: 1 },
      { requestId: 9, msgId: 8n, seqNo: 3 },
    ])
  })
})
