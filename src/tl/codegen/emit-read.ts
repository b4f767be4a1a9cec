/**
 * Emits the reader functions of a schema module (`generated/<mod>/read.ts`): one straight-line function per
 * constructor/method that reads the body (the id is already consumed) into a plain object literal, the table keyed
 * by constructor id, and result readers for methods whose result has no constructor id (`Vector<int>`).
 *
 * Spec: https://core.telegram.org/mtproto/serialize. Fields are read in wire order into locals, then returned as
 * one literal with every field present (absent optional fields are `undefined`), which keeps one hidden class per
 * constructor.
 */
import { InternalError } from '../../errors.js'
import type { TlDecl, TlType } from '../parser/types.js'
import { type Model, bareCtor, camel, flat, importLine, minSize, qualified } from './model.js'
import { tsType } from './emit-types.js'

const PRIM_VEC: Readonly<Record<string, string>> = {
  int: 'vecInt',
  long: 'vecLong',
  double: 'vecDouble',
  string: 'vecString',
  bytes: 'vecBytes',
  Bool: 'vecBool',
}

/** Hex literal of a flag bit. */
export function mask(bit: number): string {
  return `0x${(2 ** bit).toString(16)}`
}

class Ctx {
  n = 0
  tmp(p: string): string {
    return `${p}${this.n++}`
  }
}

/** A single expression reading `t`, or undefined when statements are needed. */
function readExpr(m: Model, t: TlType, d: TlDecl): string | undefined {
  switch (t.kind) {
    case 'prim':
      return t.name === 'Bool' ? 'r.bool()' : t.name === 'true' ? 'true' : `r.${t.name}()`
    case 'boxed':
      if (t.type === 'Bool') return 'r.bool()'
      usedTypes.add(t.type)
      return `t_${flat(t.type)}(r)`
    case 'generic':
      return `r.object() as ${m.ns}Method`
    case 'any':
      return 'r.object() as TlValue'
    case 'bare':
      return `r_${flat(bareCtor(m, t, d).name)}(r)`
    case 'vector': {
      if (!t.boxed) return undefined
      const e = t.elem
      if (e.kind === 'prim' && PRIM_VEC[e.name]) return `r.${PRIM_VEC[e.name]}()`
      if (e.kind === 'boxed' && e.type === 'Bool') return 'r.vecBool()'
      if (e.kind === 'boxed') {
        usedTypes.add(e.type)
        usedVectorTypes.add(e.type)
        return `tv_${flat(e.type)}(r)`
      }
      if (e.kind === 'any') return `r.vecObject() as ${tsType(m, t, d)}`
      return undefined
    }
  }
}

/** Boxed types read by some field (each gets a typed dispatcher) and those read as `Vector<T>`. */
const usedTypes = new Set<string>()
const usedVectorTypes = new Set<string>()

/**
 * Typed dispatcher for boxed type `t`: a switch over the type's constructor ids calling the readers directly
 * (monomorphic, inlinable call sites instead of one megamorphic table call). Any other id (gzip_packed, an
 * unknown id, a constructor of another type) goes through the generic `r.object()`, with the same semantics.
 */
function dispatcher(m: Model, t: string): string[] {
  const ty = qualified(m.ns, t)
  const ctors = (m.types.get(t) ?? []).filter((c) => c.hasId && c.name !== 'gzip_packed')
  // no constructor with an id (the service `Message`): nothing to switch on
  if (ctors.length === 0) return [`function t_${flat(t)}(r: TlReader): ${ty} {`, `  return r.object() as ${ty}`, '}']
  const out = [
    `function t_${flat(t)}(r: TlReader): ${ty} {`,
    '  const at = r.pos',
    '  const id = r.int()',
    '  if (r.depth >= MAX_DEPTH) throw r.tooDeep(at, id)',
    '  r.depth++',
    `  let v: ${ty}`,
    '  switch (id) {',
  ]
  for (const c of ctors) {
    const call = c.name === 'boolTrue' || c.name === 'boolFalse' ? `${c.name === 'boolTrue'} as unknown as ${ty}` : `r_${flat(c.name)}(r)`
    out.push(`    case ${c.id | 0}: v = ${call}; break`)
  }
  out.push('    default:', '      r.depth--', '      r.pos = at', `      return r.object() as ${ty}`, '  }', '  r.depth--', '  return v', '}')
  return out
}

/** Reader of `Vector<t>` using the typed dispatcher per element. */
function vectorReader(m: Model, t: string): string[] {
  const ty = qualified(m.ns, t)
  return [
    `function tv_${flat(t)}(r: TlReader): ${ty}[] {`,
    '  const n = r.vector(4)',
    `  const a: ${ty}[] = new Array(n)`,
    `  for (let i = 0; i < n; i++) a[i] = t_${flat(t)}(r)`,
    '  return a',
    '}',
  ]
}

/** Statements computing a value of type `t` (possibly none) and the expression that yields it. */
function readParts(m: Model, t: TlType, d: TlDecl, ctx: Ctx, ind: string): { pre: string[]; expr: string } {
  const e = readExpr(m, t, d)
  if (e !== undefined) return { pre: [], expr: e }
  if (t.kind !== 'vector') throw new InternalError(`codegen: type of ${d.name} has no read expression and is not a vector`)
  const n = ctx.tmp('n')
  const i = ctx.tmp('i')
  const arr = ctx.tmp('a')
  const min = minSize(m, t.elem)
  const elemType = tsType(m, t.elem, d)
  const inner = readParts(m, t.elem, d, ctx, `${ind}  `)
  return {
    pre: [
      `${ind}const ${n} = r.${t.boxed ? 'vector' : 'count'}(${min})`,
      `${ind}const ${arr}: Array<${elemType}> = []`,
      `${ind}for (let ${i} = 0; ${i} < ${n}; ${i}++) {`,
      ...inner.pre,
      `${ind}  ${arr}.push(${inner.expr})`,
      `${ind}}`,
    ],
    expr: arr,
  }
}

/**
 * Whether the reader can be one object literal with the reads inline (values are then stored straight into the
 * new object instead of being kept live across calls): every bitmask field must be preceded only by bitmask or
 * `flags.N?true` fields (so it can be read before the literal), and every field must be a single expression.
 */
function inlinable(m: Model, d: TlDecl): boolean {
  let consumed = false
  for (const p of d.params) {
    if (p.isFlags) {
      if (consumed) return false
      continue
    }
    if (p.type.kind === 'prim' && p.type.name === 'true') continue
    consumed = true
    if (readExpr(m, p.type, d) === undefined) return false
  }
  return true
}

function inlineReaderFn(m: Model, d: TlDecl): string[] {
  const out = [`function r_${flat(d.name)}(${d.params.length > 0 ? 'r' : '_r'}: TlReader): ${qualified(m.ns, d.name)} {`]
  const props: string[] = [`    _: '${d.name}',`]
  for (const p of d.params) {
    if (p.isFlags) {
      const used = d.params.some((q) => q.cond?.field === p.name)
      out.push(used ? `  const f_${p.name} = r.int()` : '  r.int()')
      continue
    }
    const cond = p.cond ? `(f_${p.cond.field} & ${mask(p.cond.bit)})` : ''
    let e: string
    if (p.type.kind === 'prim' && p.type.name === 'true') e = `${cond} !== 0`
    else {
      const x = readExpr(m, p.type, d) as string
      e = p.cond ? `${cond} !== 0 ? ${x} : undefined` : x
    }
    props.push(`    ${camel(p.name)}: ${e},`)
  }
  out.push('  return {', ...props, '  }', '}')
  return out
}

function readerFn(m: Model, d: TlDecl): string[] {
  if (inlinable(m, d)) return inlineReaderFn(m, d)
  const ret = qualified(m.ns, d.name)
  const out = [`function r_${flat(d.name)}(${d.params.length > 0 ? 'r' : '_r'}: TlReader): ${ret} {`]
  const ctx = new Ctx()
  const props: string[] = [`_: '${d.name}'`]
  for (const p of d.params) {
    if (p.isFlags) {
      const used = d.params.some((q) => q.cond?.field === p.name)
      out.push(used ? `  const f_${p.name} = r.int()` : '  r.int()')
      continue
    }
    const v = `v_${ctx.n++}`
    props.push(`${camel(p.name)}: ${v}`)
    const cond = p.cond ? `(f_${p.cond.field} & ${mask(p.cond.bit)})` : ''
    if (p.type.kind === 'prim' && p.type.name === 'true') {
      out.push(`  const ${v} = ${cond} !== 0`)
      continue
    }
    const e = readExpr(m, p.type, d)
    if (e !== undefined) {
      out.push(p.cond ? `  const ${v} = ${cond} !== 0 ? ${e} : undefined` : `  const ${v} = ${e}`)
      continue
    }
    if (p.cond) {
      const parts = readParts(m, p.type, d, ctx, '    ')
      out.push(`  let ${v}: ${tsType(m, p.type, d)} | undefined`)
      out.push(`  if (${cond} !== 0) {`, ...parts.pre, `    ${v} = ${parts.expr}`, '  }')
    } else {
      const parts = readParts(m, p.type, d, ctx, '  ')
      out.push(...parts.pre, `  const ${v} = ${parts.expr}`)
    }
  }
  out.push(`  return { ${props.join(', ')} }`, '}')
  return out
}

/** Source text of `read.ts` for model `m`. */
export function emitRead(m: Model, banner: string, runtimeImport: string): string {
  const out: string[] = []
  const table: string[] = []
  const lcName = `${m.ns.toLowerCase()}Readers`
  for (const d of [...m.ctors, ...m.methods]) {
    if (d.name === 'boolTrue' || d.name === 'boolFalse') {
      table.push(`${lcName}.set(0x${d.id.toString(16)}, () => ${d.name === 'boolTrue'})`)
      continue
    }
    if (d.name === 'gzip_packed') continue
    out.push(...readerFn(m, d))
    // gzip_packed is unwrapped by TlReader.object() itself; an id-less constructor is only ever read bare.
    if (d.hasId && d.name !== 'gzip_packed') table.push(`${lcName}.set(0x${d.id.toString(16)}, r_${flat(d.name)})`)
  }
  for (const t of [...usedTypes].sort()) out.push(...dispatcher(m, t))
  for (const t of [...usedVectorTypes].sort()) out.push(...vectorReader(m, t))
  usedTypes.clear()
  usedVectorTypes.clear()
  out.push('', `/** ${m.ns} readers keyed by constructor id (the id is consumed before the call). */`)
  out.push(`const ${lcName} = new Map<number, ReadFn>()`, ...table, `export { ${lcName} }`, '')
  const results: string[] = []
  const lcRes = `${m.ns.toLowerCase()}ReadResult`
  for (const f of m.methods) {
    const t = f.result
    if (t.kind !== 'vector') continue
    const e = t.elem
    if (e.kind === 'boxed' && e.type !== 'Bool') continue
    if (e.kind === 'any' || e.kind === 'generic') continue
    const parts = readParts(m, t, f, new Ctx(), '  ')
    const ty = tsType(m, t, f)
    results.push(`${lcRes}.set('${f.name}', (r: TlReader): ${ty} => {`, ...parts.pre, `  return ${parts.expr}`, '})')
  }
  out.push(`/** Readers for ${m.ns} method results that no constructor id describes (vectors of primitives). */`)
  out.push(
    `const ${lcRes} = new Map<string, ReadFn>()`,
    ...results,
    `export { ${lcRes} }`,
    '',
  )
  const body = out.join('\n')
  const head = [
    banner,
    importLine(['MAX_DEPTH', 'type ReadFn', 'type TlReader', 'type TlValue'], body, runtimeImport),
    importLine([`type ${m.ns}`, `type ${m.ns}Method`], body, './types.js'),
    '',
  ]
  return head.join('\n') + body
}
