/**
 * The code generator's view of a schema module: constructors, methods and types resolved for emission.
 *
 * Spec: https://core.telegram.org/mtproto/TL (types, constructors, functions), https://core.telegram.org/mtproto/TL-combinators
 * (bare types: `%T` and lowercase constructor names). Naming conventions of the generated code are documented in
 * src/tl/codegen/generate.ts.
 */
import { TlSchemaError } from '../errors.js'
import type { TlDecl, TlParam, TlType } from '../parser/types.js'

/** TypeScript reserved words that cannot be interface names (TL has constructors named `true`, `null`). */
const RESERVED = new Set(
  'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with implements interface let package private protected public static yield any boolean number string symbol bigint never unknown object undefined'.split(
    ' ',
  ),
)

/** A schema module ready for emission (`Api` or `Mt`). */
export interface Model {
  /** TS namespace name: `Api` or `Mt`. */
  readonly ns: string
  readonly layer: number | undefined
  readonly ctors: readonly TlDecl[]
  readonly methods: readonly TlDecl[]
  readonly ctorByName: ReadonlyMap<string, TlDecl>
  /** Boxed type name -> its constructors. */
  readonly types: ReadonlyMap<string, readonly TlDecl[]>
  /** Constructors used as bare types somewhere (need a body-only writer). */
  readonly bareUsed: ReadonlySet<string>
}

/** Builds a model from declarations, checking that every referenced type exists. */
export function buildModel(ns: string, layer: number | undefined, decls: readonly TlDecl[], file: string): Model {
  const ctors = decls.filter((d) => d.kind === 'ctor')
  const methods = decls.filter((d) => d.kind === 'method')
  const ctorByName = new Map(ctors.map((c) => [c.name, c]))
  const types = new Map<string, TlDecl[]>()
  for (const c of ctors) {
    const t = c.resultText
    const list = types.get(t)
    if (list) list.push(c)
    else types.set(t, [c])
  }
  const ids = new Map<number, string>()
  for (const d of decls) {
    if (!d.hasId) continue
    const prev = ids.get(d.id)
    if (prev !== undefined) throw new TlSchemaError(`id of "${d.name}" equals that of "${prev}"`, d.line, file)
    ids.set(d.id, d.name)
  }
  const bareUsed = new Set<string>()
  const model: Model = { ns, layer, ctors, methods, ctorByName, types, bareUsed }
  const check = (t: TlType, d: TlDecl): void => {
    if (t.kind === 'vector') check(t.elem, d)
    else if (t.kind === 'boxed' && !types.has(t.type) && t.type !== 'Bool') {
      throw new TlSchemaError(`"${d.name}" uses undefined type "${t.type}"`, d.line, file)
    } else if (t.kind === 'bare') {
      const c = bareCtor(model, t, d, file)
      bareUsed.add(c.name)
    }
  }
  for (const d of decls) {
    for (const p of d.params) if (!p.isFlags) check(p.type, d)
    if (d.kind === 'method' && d.result.kind !== 'generic') check(d.result, d)
  }
  return model
}

/** The constructor a bare type reference denotes (`future_salt`, or `%Message` = the only ctor of `Message`). */
export function bareCtor(m: Model, t: { ref: string; viaPercent: boolean }, d: TlDecl, file = ''): TlDecl {
  const direct = m.ctorByName.get(t.ref)
  if (direct && !t.viaPercent) return direct
  const list = m.types.get(t.ref)
  if (list?.length === 1 && list[0]) return list[0]
  if (direct) return direct
  throw new TlSchemaError(`"${d.name}" uses bare type "${t.ref}" that names no single constructor`, d.line, file)
}

/** `random_id` -> `randomId`. */
export function camel(name: string): string {
  return name.replace(/_([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase())
}

/** TS identifier for a TL name segment (`true` -> `true_`). */
export function ident(segment: string): string {
  return RESERVED.has(segment) ? `${segment}_` : segment
}

/** Qualified TS type name of a TL name inside namespace `ns` (`auth.sentCode` -> `Api.auth.sentCode`). */
export function qualified(ns: string, tlName: string): string {
  return `${ns}.${tlName.split('.').map(ident).join('.')}`
}

/** Flat JS function-name suffix for a TL name (`auth.sentCode` -> `auth$sentCode`). */
export function flat(tlName: string): string {
  return tlName.replace(/\./g, '$')
}

/** Params that appear in the generated object (everything but `#` bitmask fields). */
export function fields(d: TlDecl): TlParam[] {
  return d.params.filter((p) => !p.isFlags)
}

/** The generic type parameter a method's `!X` argument uses, if any. */
export function genericQuery(d: TlDecl): TlParam | undefined {
  return d.params.find((p) => p.type.kind === 'generic')
}

/** Minimum wire size of a value of this type (used for vector-count sanity checks). */
export function minSize(m: Model, t: TlType, seen: Set<string> = new Set()): number {
  switch (t.kind) {
    case 'prim':
      switch (t.name) {
        case 'long':
        case 'double':
          return 8
        case 'int128':
          return 16
        case 'int256':
          return 32
        case 'true':
          return 0
        default:
          return 4
      }
    case 'vector':
      return t.boxed ? 8 : 4
    case 'bare': {
      const c = m.ctorByName.get(t.ref) ?? m.types.get(t.ref)?.[0]
      if (!c || seen.has(c.name)) return 0
      seen.add(c.name)
      let n = 0
      for (const p of c.params) n += p.isFlags ? 4 : p.cond ? 0 : minSize(m, p.type, seen)
      seen.delete(c.name)
      return n
    }
    default:
      return 4
  }
}

/** An import statement listing only the names that `body` uses (entries may carry a `type ` prefix). */
export function importLine(names: readonly string[], body: string, from: string): string {
  const used = names.filter((n) => new RegExp(`\\b${n.replace(/^type /, '').replace(/\$/g, '\\$')}\\b`).test(body))
  if (used.length === 0) return ''
  if (used.every((n) => n.startsWith('type '))) return `import type { ${used.map((n) => n.slice(5)).join(', ')} } from '${from}'`
  return `import { ${used.join(', ')} } from '${from}'`
}
