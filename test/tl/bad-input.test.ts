/**
 * Hostile input: every malformed buffer gets a typed TlError (with offset, reason, constructor id) before anything
 * is allocated for it, and a seeded fuzz loop of 100,000 mutated real messages never throws anything else.
 */
import { describe, expect, it } from 'vitest'
import { MtError, deserializeError, serializeError } from '../../src/errors.js'
import { ArgumentError } from '../../src/errors.js'
import { TlError, TlReader, deserializeObject, readResultByName, serializeObject, sizeOf } from '../../src/tl/index.js'
import type { TlObject } from '../../src/tl/runtime/registry.js'
import { RandomObjects } from './helpers/random-object.js'
import { Rng } from './helpers/rng.js'
import { apiModel, mtModel } from './helpers/schema-model.js'

function u32le(...vals: number[]): Uint8Array {
  const b = Buffer.alloc(vals.length * 4)
  for (const [i, v] of vals.entries()) b.writeUInt32LE(v >>> 0, i * 4)
  return new Uint8Array(b)
}

function tlErrorOf(fn: () => unknown): TlError {
  try {
    fn()
  } catch (e) {
    if (e instanceof TlError) return e
    throw e
  }
  throw new Error('expected a TlError')
}

const ID_VECTOR = 0x1cb5c415

describe('typed errors for malformed input', () => {
  it('truncated buffers', () => {
    const full = serializeObject({ _: 'inputPeerUser', userId: 1n, accessHash: 2n } as TlObject)
    for (let n = 0; n < full.length; n++) {
      const e = tlErrorOf(() => deserializeObject(full.subarray(0, n)))
      expect(e.reason).toBe('truncated')
      expect(e.offset).toBeLessThanOrEqual(n)
    }
  })

  it('length prefixes beyond the input (short and long forms)', () => {
    // rpc_error#2144ca19 error_code:int error_message:string
    const head = u32le(0x2144ca19, 400)
    const short = Buffer.concat([head, Buffer.from([200, 65, 66, 67])])
    const e1 = tlErrorOf(() => deserializeObject(short))
    expect([e1.reason, e1.offset]).toEqual(['length-out-of-range', 8])
    const long = Buffer.concat([head, Buffer.from([254, 0xff, 0xff, 0xff, 1, 2, 3, 4])])
    const e2 = tlErrorOf(() => deserializeObject(long))
    expect([e2.reason, e2.offset]).toEqual(['length-out-of-range', 8])
  })

  it.each([2, 1000, 0x7fffffff, 0xffffffff])('vector count %i beyond the remaining bytes', (count) => {
    const e = tlErrorOf(() => deserializeObject(u32le(ID_VECTOR, count, 0x3fedd339)))
    expect(e.reason).toBe('vector-too-long')
    expect(e.offset).toBe(4)
  })

  it('vector of longs: count x 8 is checked, not count x 1', () => {
    const r = new TlReader(u32le(ID_VECTOR, 2, 1, 2, 3))
    expect(tlErrorOf(() => r.vecLong()).reason).toBe('vector-too-long')
  })

  it('unknown constructor ids', () => {
    const e = tlErrorOf(() => deserializeObject(u32le(0xdeadbeef, 0)))
    expect([e.reason, e.offset, e.constructorId]).toEqual(['unknown-constructor', 0, 0xdeadbeef])
    const nested = u32le(ID_VECTOR, 1, 0x12345678)
    const e2 = tlErrorOf(() => deserializeObject(nested))
    expect([e2.reason, e2.offset, e2.constructorId]).toEqual(['unknown-constructor', 8, 0x12345678])
  })

  it('wrong vector ids', () => {
    const r = new TlReader(u32le(0x11111111, 0))
    const e = tlErrorOf(() => r.vecInt())
    expect([e.reason, e.offset, e.constructorId]).toEqual(['wrong-vector-id', 0, 0x11111111])
  })

  it('Bool that is neither boolTrue nor boolFalse', () => {
    const e = tlErrorOf(() => new TlReader(u32le(5)).bool())
    expect([e.reason, e.constructorId]).toEqual(['bad-bool', 5])
  })

  it('nesting deeper than the limit', () => {
    // 100 nested boxed vectors of one element each
    const parts: number[] = []
    for (let i = 0; i < 100; i++) parts.push(ID_VECTOR, 1)
    parts.push(0x3fedd339)
    const e = tlErrorOf(() => deserializeObject(u32le(...parts)))
    expect(e.reason).toBe('too-deep')
    expect(e.offset).toBe(64 * 8)
  })

  it('unknown method name for readResult is a typed error', () => {
    const e = tlErrorOf(() => readResultByName(u32le(ID_VECTOR, 0), 'no.suchMethod'))
    expect(e.reason).toBe('unknown-method')
  })

  it('TlError crosses threads as the same class with its fields', () => {
    const e = tlErrorOf(() => deserializeObject(u32le(0xdeadbeef)))
    const back = deserializeError(structuredClone(serializeError(e)))
    expect(back).toBeInstanceOf(TlError)
    expect(back).toBeInstanceOf(MtError)
    expect((back as TlError).fields()).toEqual(e.fields())
  })
})

describe('fuzz', () => {
  it('100,000 mutated real messages: only TlError is ever thrown', () => {
    const rng = new Rng(0xf022)
    const corpus: Uint8Array[] = []
    for (const model of [apiModel(), mtModel()]) {
      const gen = new RandomObjects(model, rng)
      const decls = [...model.ctors, ...model.methods].filter(
        (d) => d.hasId && !['gzip_packed', 'boolTrue', 'boolFalse', 'msg_copy'].includes(d.name),
      )
      for (let i = 0; i < 150; i++) {
        const obj = gen.build(rng.pick(decls), { mode: 'random', maxDepth: 2 }) as unknown as TlObject
        corpus.push(serializeObject(obj))
      }
    }
    let typed = 0
    let ok = 0
    const ITER = 100_000
    for (let i = 0; i < ITER; i++) {
      const src = rng.pick(corpus)
      const buf = mutate(src, rng)
      try {
        deserializeObject(buf)
        ok++
      } catch (e) {
        if (!(e instanceof TlError)) {
          throw new Error(`iteration ${i}: non-TlError ${String(e)} for ${Buffer.from(buf).toString('hex').slice(0, 200)}`)
        }
        typed++
      }
    }
    expect(typed + ok).toBe(ITER)
    // the mutations must actually break things most of the time, or the loop proves nothing
    expect(typed).toBeGreaterThan(ITER / 4)
  })
})

describe('malformed objects to serialize', () => {
  it('20,000 damaged objects: serializeObject either succeeds exactly or throws ArgumentError', () => {
    const rng = new Rng(0xbad0)
    const model = apiModel()
    const gen = new RandomObjects(model, rng)
    const decls = model.ctors.filter((d) => d.hasId && d.params.length > 0 && !['boolTrue', 'boolFalse'].includes(d.name))
    const junk: unknown[] = [undefined, null, 1.5, -1, 'text', 7n, true, {}, [], new Uint8Array(3), { _: 'nope' }]
    let rejected = 0
    for (let i = 0; i < 20_000; i++) {
      const obj = gen.build(rng.pick(decls), { mode: 'random', maxDepth: 2 })
      const keys = Object.keys(obj).filter((k) => k !== '_')
      const key = rng.pick(keys.length > 0 ? keys : ['_'])
      if (rng.chance(0.3)) delete obj[key]
      else obj[key] = rng.pick(junk)
      try {
        const b = serializeObject(obj as unknown as TlObject)
        expect(b.length).toBe(sizeOfSafe(obj))
      } catch (e) {
        if (!(e instanceof ArgumentError)) throw new Error(`iteration ${i}: ${String(e)} for ${String(obj._)}.${key}`)
        rejected++
      }
    }
    expect(rejected).toBeGreaterThan(5_000)
  })
})

function sizeOfSafe(obj: Record<string, unknown>): number {
  return sizeOf(obj as unknown as TlObject)
}

function mutate(src: Uint8Array, rng: Rng): Uint8Array {
  const kind = rng.int(6)
  const b = Buffer.from(src)
  const at = rng.int(Math.max(1, b.length))
  switch (kind) {
    case 0: {
      const flips = 1 + rng.int(4)
      for (let k = 0; k < flips; k++) {
        const p = rng.int(b.length)
        b[p] = (b[p] as number) ^ (1 << rng.int(8))
      }
      return b
    }
    case 1:
      return b.subarray(0, at)
    case 2:
      return Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.int(8)), b.subarray(at)])
    case 3:
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rng.int(8)))])
    case 4: {
      // length-field mutation: a TL length byte (254 = long form) or a huge 4-byte count
      const p = at & ~3
      if (rng.chance(0.5)) b[p] = rng.pick([253, 254, 255, 0])
      else if (p + 4 <= b.length) b.writeUInt32LE(rng.pick([0x7fffffff, 0xffffffff, 0x10000, 255]), p)
      return b
    }
    default: {
      // replace an aligned word with a known id (vector, gzip_packed, Bool, random)
      const p = at & ~3
      if (p + 4 <= b.length) b.writeUInt32LE(rng.pick([0x1cb5c415, 0x3072cfa1, 0x997275b5, rng.u32()]), p)
      return b
    }
  }
}
