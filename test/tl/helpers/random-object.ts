/**
 * Builds random TL objects for any constructor or method of a codegen model: every field filled with a random
 * value of its type, optional fields all present / all absent / a random mix. Test helper, not a test.
 */
import type { TlDecl, TlType } from '../../../src/tl/parser/types.js'
import { type Model, bareCtor, camel } from '../../../src/tl/codegen/model.js'
import type { Rng } from './rng.js'

/** Which optional fields to fill. */
export type FlagMode = 'all' | 'none' | 'random'

/** Options of the random builder. */
export interface RandomOptions {
  readonly mode: FlagMode
  /** Keep longs within +-2^52 (peers that read some longs as JS numbers). */
  readonly safeLongs?: boolean
  /** Nesting depth beyond which the simplest constructor of a type is chosen. */
  readonly maxDepth?: number
  /** Only these constructors may appear nested (e.g. those a peer library also knows). */
  readonly allowed?: ReadonlySet<string>
  /** Give optional (flag-guarded) vectors at least one element (mtcute treats an empty optional vector as absent). */
  readonly nonEmptyOptionalVectors?: boolean
  /** Leave out optional fields for which this returns false (fields a peer of an older layer lacks). */
  readonly keepField?: (ctor: string, field: string) => boolean
}

/** Thrown when `allowed` leaves no constructor for a required type. */
export class NoAllowedConstructor extends Error {}

/** Constructors that do not read back as plain objects (booleans, the gzip wrapper). */
const NOT_PLAIN = new Set(['gzip_packed', 'boolTrue', 'boolFalse'])

const SAMPLE_CHARS = ['a', 'Z', '0', ' ', 'é', 'ж', '✓', '😀', '\u0000', '~']

function randomString(rng: Rng): string {
  const len = rng.chance(0.1) ? 250 + rng.int(20) : rng.int(12)
  let s = ''
  for (let i = 0; i < len; i++) s += rng.chance(0.8) ? String.fromCharCode(32 + rng.int(95)) : rng.pick(SAMPLE_CHARS)
  return s
}

function randomLong(rng: Rng, safe: boolean): bigint {
  const hi = BigInt(rng.u32() | 0)
  const lo = BigInt(rng.u32())
  const v = (hi << 32n) | lo
  return safe ? v >> 12n : v
}

/** Complexity score used to pick small constructors when deep (required object-typed fields count). */
function weight(d: TlDecl): number {
  let n = 0
  for (const p of d.params) {
    if (p.isFlags || p.cond) continue
    const t = p.type
    if (t.kind === 'boxed' || t.kind === 'bare' || t.kind === 'generic' || t.kind === 'any') n++
    if (t.kind === 'vector') n++
  }
  return n
}

/** Random object generator bound to a model. */
export class RandomObjects {
  private readonly simplest = new Map<string, TlDecl>()

  constructor(
    readonly model: Model,
    readonly rng: Rng,
  ) {
    for (const [t, list] of model.types) {
      const sorted = [...list].sort((a, b) => weight(a) - weight(b))
      if (sorted[0]) this.simplest.set(t, sorted[0])
    }
  }

  /** A random instance of declaration `d`. */
  build(d: TlDecl, opts: RandomOptions, depth = 0): Record<string, unknown> {
    const o: Record<string, unknown> = { _: d.name }
    const on = new Map<string, boolean>()
    for (const p of d.params) {
      if (p.isFlags) continue
      const key = camel(p.name)
      if (p.cond && opts.keepField && !opts.keepField(d.name, key)) continue
      if (p.cond) {
        const bitKey = `${p.cond.field}.${p.cond.bit}`
        let present = on.get(bitKey)
        if (present === undefined) {
          present = opts.mode === 'all' ? true : opts.mode === 'none' ? false : this.rng.chance(0.5)
          on.set(bitKey, present)
        }
        if (p.type.kind === 'prim' && p.type.name === 'true') {
          o[key] = present
          continue
        }
        if (!present) continue
      }
      if (p.cond && p.type.kind === 'vector' && opts.nonEmptyOptionalVectors) {
        o[key] = [this.value(p.type.elem, d, opts, depth + 1)]
        continue
      }
      o[key] = this.value(p.type, d, opts, depth)
    }
    return o
  }

  private obj(typeName: string, opts: RandomOptions, depth: number): Record<string, unknown> {
    const all = this.model.types.get(typeName)
    const allowed = opts.allowed
    const list = allowed ? all?.filter((c) => allowed.has(c.name)) : all
    if (!list || list.length === 0) throw new NoAllowedConstructor(`no usable constructor for ${typeName}`)
    const deep = depth >= (opts.maxDepth ?? 3)
    const simplest = this.simplest.get(typeName)
    const d = deep ? (simplest && list.includes(simplest) ? simplest : [...list].sort((a, b) => weight(a) - weight(b))[0] as TlDecl) : this.rng.pick(list)
    return this.build(d, deep ? { ...opts, mode: 'none' } : opts, depth + 1)
  }

  /** A random value of TL type `t`. */
  value(t: TlType, d: TlDecl, opts: RandomOptions, depth: number): unknown {
    const rng = this.rng
    switch (t.kind) {
      case 'prim':
        switch (t.name) {
          case 'int':
            return rng.u32() | 0
          case 'long':
            return randomLong(rng, opts.safeLongs ?? false)
          case 'double':
            return (rng.u32() - 2147483648) / 1024
          case 'int128':
            return rng.bytes(16)
          case 'int256':
            return rng.bytes(32)
          case 'bytes':
            return rng.bytes(rng.chance(0.1) ? 254 + rng.int(300) : rng.int(20))
          case 'string':
            return randomString(rng)
          default:
            return rng.chance(0.5)
        }
      case 'vector': {
        const n = depth >= (opts.maxDepth ?? 3) ? 0 : rng.int(3)
        const out: unknown[] = []
        for (let i = 0; i < n; i++) out.push(this.value(t.elem, d, opts, depth + 1))
        return out
      }
      case 'boxed':
        if (t.type === 'Bool') return rng.chance(0.5)
        return this.obj(t.type, opts, depth)
      case 'bare':
        return this.build(bareCtor(this.model, t, d), opts, depth + 1)
      case 'generic': {
        const simple = this.model.methods.find((m) => m.params.length === 0 && m.generics.length === 0)
        if (!simple) throw new Error('no parameterless method for a generic query')
        return { _: simple.name }
      }
      case 'any': {
        const ctor = this.rng.pick(this.model.ctors.filter((c) => c.hasId && !NOT_PLAIN.has(c.name) && weight(c) === 0))
        return this.build(ctor, { ...opts, mode: 'none' }, depth + 1)
      }
    }
  }
}
