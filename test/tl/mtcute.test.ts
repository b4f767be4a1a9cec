/**
 * Byte-for-byte agreement with mtcute (@mtcute/tl-runtime 0.30.3 with @mtcute/core 0.30.3's reader/writer maps,
 * Layer 227) for every API constructor whose id is the same in Layers 227 and 228, three instances each (all
 * optional fields on, all off, random): we write, mtcute reads and re-writes the same bytes; mtcute's object
 * equals ours (its Long/int53 longs compared as bigint); we read mtcute's bytes and get our object back.
 *
 * Representation difference: mtcute treats an empty optional vector as absent (flag bit clear), mtactor as
 * present-and-empty (bit set, as the schema allows), so optional vectors here get at least one element.
 */
import { __tlReaderMap, __tlWriterMap } from '@mtcute/core/utils.js'
import { TlBinaryReader, TlBinaryWriter, type TlReaderMap, type TlWriterMap } from '@mtcute/tl-runtime'
import { describe, expect, it } from 'vitest'
import { deserializeObject, serializeObject } from '../../src/tl/index.js'
import type { TlObject } from '../../src/tl/runtime/registry.js'
import { type FlagMode, NoAllowedConstructor, RandomObjects } from './helpers/random-object.js'
import { Rng } from './helpers/rng.js'
import { apiModel } from './helpers/schema-model.js'

const readers = __tlReaderMap as unknown as TlReaderMap
const writers = __tlWriterMap as unknown as TlWriterMap

/** Ids mtcute's reader handles inside `object()` and maps to non-objects (true, null, Bool). */
const SPECIAL = new Set(['boolTrue', 'boolFalse', 'true', 'null'])

function longOf(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v
  if (typeof v === 'number') return BigInt(v)
  if (typeof v === 'object' && v !== null && 'high' in v && 'low' in v) {
    const l = v as { high: number; low: number }
    return BigInt.asIntN(64, (BigInt(l.high) << 32n) | BigInt(l.low >>> 0))
  }
  return undefined
}

/** Our value vs mtcute's: same structure, longs compared as bigint. Returns a path on mismatch. */
function diff(ours: unknown, theirs: unknown, path: string): string | undefined {
  if (typeof ours === 'bigint') return longOf(theirs) === ours ? undefined : path
  if (ours instanceof Uint8Array) {
    return theirs instanceof Uint8Array && Buffer.compare(ours, theirs) === 0 ? undefined : path
  }
  if (Array.isArray(ours)) {
    if (!Array.isArray(theirs) || theirs.length !== ours.length) return path
    for (let i = 0; i < ours.length; i++) {
      const d = diff(ours[i], theirs[i], `${path}[${i}]`)
      if (d) return d
    }
    return undefined
  }
  if (typeof ours === 'object' && ours !== null) {
    if (typeof theirs !== 'object' || theirs === null) return path
    const o = ours as Record<string, unknown>
    const t = theirs as Record<string, unknown>
    for (const k of Object.keys(o)) {
      const d = diff(o[k], t[k], `${path}.${k}`)
      if (d) return d
    }
    return undefined
  }
  return Object.is(ours, theirs) ? undefined : path
}

describe('agreement with mtcute 0.30.3', () => {
  it('every constructor with the same id in Layers 227 and 228, both directions', () => {
    const model = apiModel()
    const common = new Set<string>()
    for (const c of model.ctors) {
      if (SPECIAL.has(c.name) || !c.hasId) continue
      const fn = readers[c.id]
      if (fn?.toString().includes(`_: "${c.name}"`)) common.add(c.name)
    }
    // Same id does not mean same fields: `flags.N?true` fields are not part of the CRC, so Layer 228 added some
    // that mtcute's Layer 227 readers do not know. Only fields mtcute reads are filled.
    const known = new Map<string, Set<string>>()
    for (const name of common) {
      const c = model.ctorByName.get(name)
      const src = c ? String(readers[c.id]) : ''
      known.set(name, new Set([...src.matchAll(/(\w+): /g)].map((m) => m[1] as string)))
    }
    const keepField = (ctor: string, field: string): boolean => known.get(ctor)?.has(field) ?? true
    // mtcute is one layer behind: most constructors are shared, a few dozen changed id or are new.
    expect(common.size).toBeGreaterThan(1400)
    const gen = new RandomObjects(model, new Rng(227))
    let checked = 0
    let skipped = 0
    for (const c of model.ctors) {
      if (!common.has(c.name)) continue
      for (const mode of ['all', 'none', 'random'] as FlagMode[]) {
        let obj: TlObject
        try {
          obj = gen.build(c, { mode, safeLongs: true, allowed: common, nonEmptyOptionalVectors: true, keepField }) as unknown as TlObject
        } catch (e) {
          if (e instanceof NoAllowedConstructor) {
            skipped++
            continue
          }
          throw e
        }
        const ours = serializeObject(obj)
        const theirsObj = TlBinaryReader.deserializeObject<unknown>(readers, ours)
        const mismatch = diff(obj, theirsObj, c.name)
        if (mismatch) expect.fail(`mtcute read ${c.name} (${mode}) differently at ${mismatch}`)
        const theirs = TlBinaryWriter.serializeObject(writers, theirsObj as { _: string })
        if (Buffer.compare(theirs, ours) !== 0) {
          expect(Buffer.from(theirs).toString('hex'), `${c.name} (${mode})`).toBe(Buffer.from(ours).toString('hex'))
        }
        const back = deserializeObject(theirs)
        const d2 = diff(obj, back, c.name)
        if (d2) expect.fail(`we read mtcute's ${c.name} (${mode}) differently at ${d2}`)
        checked++
      }
    }
    process.stderr.write(`mtcute agreement: ${common.size} shared constructors, ${checked} instances checked, ${skipped} skipped\n`)
    expect(skipped).toBeLessThan(30)
    expect(checked).toBeGreaterThan(3 * 1400)
  })
})
