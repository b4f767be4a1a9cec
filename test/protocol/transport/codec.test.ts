import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { allocFrame, errorCodeEvent, errorCodePayload, resolveMaxFrameSize, serverErrorCode } from '../../../src/protocol/transport/codec.js'
import { IntermediateCodec } from '../../../src/protocol/transport/intermediate.js'
import { toHex } from './helpers.js'

describe('codec helpers', () => {
  it('encodes and recognizes transport error codes', () => {
    expect(toHex(errorCodePayload(-404))).toBe('6cfeffff')
    expect(errorCodeEvent(errorCodePayload(-429))).toMatchObject({ type: 'error', error: { reason: 'server-error-code', code: -429 } })
    expect(errorCodeEvent(errorCodePayload(5))).toBeUndefined()
    expect(errorCodeEvent(new Uint8Array(8))).toBeUndefined()
    expect(serverErrorCode(-444).details).toEqual({ code: -444 })
  })

  it('validates maxFrameSize', () => {
    expect(resolveMaxFrameSize(undefined)).toBe(16 * 1024 * 1024)
    for (const bad of [0, 3, 1.5, 2 ** 31, Number.NaN]) expect(() => resolveMaxFrameSize(bad)).toThrow(ArgumentError)
  })

  it('hands out disjoint frame arrays: earlier encoded frames never change', () => {
    const c = new IntermediateCodec({ marker: false })
    const kept: Array<[Uint8Array, string]> = []
    for (let i = 0; i < 400; i++) {
      const p = new Uint8Array(1 + ((i * 37) % 3000)).fill(i & 0xff)
      const f = c.encode(p)
      kept.push([f, toHex(f)])
    }
    for (const [f, h] of kept) expect(toHex(f)).toBe(h)
    const a = allocFrame(10)
    const b = allocFrame(10)
    expect(a.buffer !== b.buffer || a.byteOffset + 10 <= b.byteOffset).toBe(true)
    expect(allocFrame(100_000).length).toBe(100_000)
  })
})
