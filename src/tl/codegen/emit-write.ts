/**
 * Emits the writer and size functions of a schema module (`generated/<mod>/write.ts`).
 *
 * Spec: https://core.telegram.org/mtproto/serialize. Each boxed writer writes the constructor id, the computed
 * `flags`/`flags2` bitmasks (a bit is set when its optional field is not `undefined`, or, for `flags.N?true`, is
 * `true`) and the fields in wire order. Each size function returns the exact byte count (id included) and checks
 * the type of required numeric/bigint/boolean fields, so `serializeObject` allocates one exactly sized buffer.
 */
import type { TlDecl, TlType } from '../parser/types.js'
import { mask } from './emit-read.js'
import { tsType } from './emit-types.js'
import { type Model, bareCtor, camel, flat, importLine, qualified } from './model.js'

const PRIM_VEC: Readonly<Record<string, string>> = {
  int: 'vecInt',
  long: 'vecLong',
  double: 'vecDouble',
  string: 'vecString',
  bytes: 'vecBytes',
  Bool: 'vecBool',
}
const FIXED: Readonly<Record<string, number>> = { int: 4, long: 8, double: 8, int128: 16, int256: 32, Bool: 4 }

let tmpN = 0
const tmp = (p: string): string => `${p}${tmpN++}`

function isBool(t: TlType): boolean {
  return (t.kind === 'prim' && t.name === 'Bool') || (t.kind === 'boxed' && t.type === 'Bool')
}

function writeStmts(m: Model, t: TlType, d: TlDecl, x: string, ind: string): string[] {
  if (isBool(t)) return [`${ind}w.bool(${x})`]
  switch (t.kind) {
    case 'prim':
      return [`${ind}w.${t.name}(${x})`]
    case 'boxed':
    case 'generic':
    case 'any':
      return [`${ind}w.object(${x})`]
    case 'bare':
      return [`${ind}b_${flat(bareCtor(m, t, d).name)}(w, ${x})`]
    case 'vector': {
      const e = t.elem
      if (t.boxed) {
        if (isBool(e)) return [`${ind}w.vecBool(${x})`]
        if (e.kind === 'prim' && PRIM_VEC[e.name]) return [`${ind}w.${PRIM_VEC[e.name]}(${x})`]
        if (e.kind === 'boxed' || e.kind === 'any') return [`${ind}w.vecObject(${x})`]
      }
      const a = tmp('a')
      const el = tmp('e')
      return [
        `${ind}{`,
        `${ind}  const ${a} = ${x}`,
        t.boxed ? `${ind}  w.vectorHeader(${a}.length)` : `${ind}  w.int(${a}.length)`,
        `${ind}  for (const ${el} of ${a}) {`,
        ...writeStmts(m, e, d, el, `${ind}    `),
        `${ind}  }`,
        `${ind}}`,
      ]
    }
  }
}

/** Statements adding the size of `x` (type `t`) to `s`; fixed sizes are returned as a number instead. */
function sizeOf(m: Model, t: TlType, d: TlDecl, x: string, ind: string): number | string[] {
  if (isBool(t)) return 4
  switch (t.kind) {
    case 'prim': {
      const f = FIXED[t.name]
      if (f !== undefined) return f
      return [`${ind}s += ${t.name === 'string' ? 'sizeString' : 'sizeBytes'}(${x})`]
    }
    case 'boxed':
    case 'generic':
    case 'any':
      return [`${ind}s += sizeObject(${x})`]
    case 'bare':
      return [`${ind}s += s_${flat(bareCtor(m, t, d).name)}(${x}) - 4`]
    case 'vector': {
      const e = t.elem
      const head = t.boxed ? 8 : 4
      if (t.boxed) {
        if (e.kind === 'prim' && e.name === 'string') return [`${ind}s += sizeVecString(${x})`]
        if (e.kind === 'prim' && e.name === 'bytes') return [`${ind}s += sizeVecBytes(${x})`]
        if ((e.kind === 'boxed' && e.type !== 'Bool') || e.kind === 'any') return [`${ind}s += sizeVecObject(${x})`]
      }
      const fixed = sizeOf(m, e, d, 'unused', '')
      if (typeof fixed === 'number') return [`${ind}s += ${head} + ${fixed} * ${x}.length`]
      const el = tmp('e')
      const inner = sizeOf(m, e, d, el, `${ind}  `)
      return [
        `${ind}s += ${head}`,
        `${ind}for (const ${el} of ${x}) {`,
        ...(typeof inner === 'number' ? [`${ind}  s += ${inner}`] : inner),
        `${ind}}`,
      ]
    }
  }
}

function typeCheck(t: TlType): [string, string] | undefined {
  if (isBool(t)) return ['boolean', 'a boolean']
  if (t.kind !== 'prim') return undefined
  if (t.name === 'int' || t.name === 'double') return ['number', 'a number']
  if (t.name === 'long') return ['bigint', 'a bigint']
  return undefined
}

function writerFns(m: Model, d: TlDecl): { write: string[]; size: string[] } {
  const ty = qualified(m.ns, d.name)
  const fn = flat(d.name)
  const body: string[] = []
  for (const p of d.params) {
    if (!p.isFlags) continue
    const deps = d.params.filter((q) => q.cond?.field === p.name)
    body.push(`  ${deps.length > 0 ? 'let' : 'const'} f_${p.name} = 0`)
    for (const q of deps) {
      const test = q.type.kind === 'prim' && q.type.name === 'true' ? `o.${camel(q.name)} === true` : `o.${camel(q.name)} !== undefined`
      body.push(`  if (${test}) f_${p.name} |= ${mask(q.cond?.bit ?? 0)}`)
    }
  }
  for (const p of d.params) {
    if (p.isFlags) {
      body.push(`  w.int(f_${p.name})`)
      continue
    }
    if (p.type.kind === 'prim' && p.type.name === 'true') continue
    const x = `o.${camel(p.name)}`
    if (p.cond) {
      body.push(`  if ((f_${p.cond.field} & ${mask(p.cond.bit)}) !== 0) {`)
      body.push(...writeStmts(m, p.type, d, `${x} as ${tsType(m, p.type, d)}`, '    '), '  }')
    } else body.push(...writeStmts(m, p.type, d, x, '  '))
  }
  const out: string[] = []
  const oName = body.some((l) => /\bo\./.test(l) || /\(w, o\)/.test(l)) ? 'o' : '_o'
  const idLine = `  w.int(0x${d.id.toString(16)})`
  if (m.bareUsed.has(d.name)) {
    out.push(`function b_${fn}(w: TlWriter, ${oName}: ${ty}): void {`, ...body, '}')
    if (d.hasId) out.push(`function w_${fn}(w: TlWriter, o: ${ty}): void {`, idLine, `  b_${fn}(w, o)`, '}')
  } else {
    out.push(`function w_${fn}(w: TlWriter, ${oName}: ${ty}): void {`, idLine, ...body, '}')
  }
  let fixed = 4
  const sz: string[] = []
  for (const p of d.params) {
    if (p.isFlags) {
      fixed += 4
      continue
    }
    if (p.type.kind === 'prim' && p.type.name === 'true') continue
    const x = `o.${camel(p.name)}`
    if (p.cond) {
      const r = sizeOf(m, p.type, d, x, '    ')
      sz.push(`  if (${x} !== undefined) {`, ...(typeof r === 'number' ? [`    s += ${r}`] : r), '  }')
    } else {
      const chk = typeCheck(p.type)
      if (chk) sz.push(`  if (typeof ${x} !== '${chk[0]}') badField(o, '${camel(p.name)}', '${chk[1]}')`)
      const r = sizeOf(m, p.type, d, x, '  ')
      if (typeof r === 'number') fixed += r
      else sz.push(...r)
    }
  }
  const usesO = sz.length > 0
  const size = [`function s_${fn}(${usesO ? 'o' : '_o'}: ${ty}): number {`]
  if (!sz.some((l) => l.includes('s +='))) size.push(...sz, `  return ${fixed}`)
  else if (usesO) size.push(`  let s = ${fixed}`, ...sz, '  return s')
  else size.push(`  return ${fixed}`)
  size.push('}')
  return { write: out, size }
}

/** Source text of `write.ts` (writers) and `size.ts` (size functions) for model `m`. */
export function emitWrite(m: Model, banners: { write: string; size: string }, runtimeImport: string): { write: string; size: string } {
  tmpN = 0
  const lc = m.ns.toLowerCase()
  const out: string[] = []
  const sout: string[] = []
  const writers: string[] = []
  const sizes: string[] = []
  for (const d of [...m.ctors, ...m.methods]) {
    const fns = writerFns(m, d)
    out.push(...fns.write)
    sout.push(...fns.size)
    if (!d.hasId) continue
    writers.push(`${lc}Writers.set('${d.name}', w_${flat(d.name)})`)
    sizes.push(`${lc}Sizes.set('${d.name}', s_${flat(d.name)})`)
  }
  out.push('', `/** ${m.ns} boxed writers keyed by TL name. */`)
  out.push(`const ${lc}Writers = new Map<string, WriteFn>()`, ...writers, `export { ${lc}Writers }`, '')
  sout.push('', `/** ${m.ns} exact-size functions keyed by TL name (constructor id included). */`)
  sout.push(`const ${lc}Sizes = new Map<string, SizeFn>()`, ...sizes, `export { ${lc}Sizes }`, '')
  const body = out.join('\n')
  const sbody = sout.join('\n')
  const rt = ['type SizeFn', 'type TlWriter', 'type WriteFn', 'badField', 'sizeBytes', 'sizeObject', 'sizeString']
  rt.push('sizeVecBytes', 'sizeVecObject', 'sizeVecString')
  const head = (b: string, banner: string): string =>
    [banner, importLine(rt, b, runtimeImport), importLine([`type ${m.ns}`], b, './types.js'), ''].filter((l, i) => l !== '' || i === 3).join('\n')
  return { write: `${head(body, banners.write)}\n${body}`, size: `${head(sbody, banners.size)}\n${sbody}` }
}
