/**
 * Emits the type declarations of a schema module (`generated/<mod>/types.ts`).
 *
 * Spec: https://core.telegram.org/mtproto/TL (constructors, boxed types, functions). Conventions:
 * - one interface per constructor and per method inside `export namespace Api` (or `Mt`), nested namespaces for
 *   TL namespaces (`Api.messages.sendMessage`), tagged `_: '<full TL name>'`; camelCase fields; `flags`/`flags2`
 *   bitmasks omitted; `flags.N?true` -> optional boolean; other conditional fields `?:`;
 * - one union per boxed type (`Api.Message`, `Api.messages.Messages`);
 * - `<Ns>Object` (every constructor), `<Ns>Method` (every method), `<Ns>ResultMap` (method name -> result type) and
 *   `<Ns>ResultOf<R>` (the result of a request, resolving generic wrappers such as `invokeWithLayer` to the
 *   result of the wrapped query).
 */
import type { TlDecl, TlType } from '../parser/types.js'
import { type Model, bareCtor, camel, fields, genericQuery, ident, importLine, qualified } from './model.js'

/** TS type of a TL type inside model `m`; `generic` names the type variable for `!X`. */
export function tsType(m: Model, t: TlType, d: TlDecl): string {
  switch (t.kind) {
    case 'prim':
      switch (t.name) {
        case 'int':
        case 'double':
          return 'number'
        case 'long':
          return 'bigint'
        case 'int128':
        case 'int256':
        case 'bytes':
          return 'Uint8Array'
        case 'string':
          return 'string'
        default:
          return 'boolean'
      }
    case 'vector': {
      const inner = tsType(m, t.elem, d)
      return /^[\w.]+$/.test(inner) ? `${inner}[]` : `Array<${inner}>`
    }
    case 'boxed':
      return t.type === 'Bool' ? 'boolean' : qualified(m.ns, t.type)
    case 'bare':
      return qualified(m.ns, bareCtor(m, t, d).name)
    case 'generic':
      return t.name
    case 'any':
      return 'TlValue'
  }
}

function fieldLines(m: Model, d: TlDecl): string[] {
  const out = [`  _: '${d.name}'`]
  for (const p of fields(d)) {
    const opt = p.cond !== undefined ? '?' : ''
    out.push(`  ${camel(p.name)}${opt}: ${tsType(m, p.type, d)}`)
  }
  return out
}

interface NsNode {
  lines: string[]
  children: Map<string, NsNode>
}

function nsPath(root: NsNode, tlName: string): NsNode {
  const dot = tlName.indexOf('.')
  if (dot < 0) return root
  const ns = tlName.slice(0, dot)
  let node = root.children.get(ns)
  if (!node) {
    node = { lines: [], children: new Map() }
    root.children.set(ns, node)
  }
  return node
}

function lastSegment(tlName: string): string {
  return ident(tlName.slice(tlName.lastIndexOf('.') + 1))
}

function render(node: NsNode, indent: string, out: string[]): void {
  for (const l of node.lines) out.push(l === '' ? '' : indent + l)
  for (const [name, child] of node.children) {
    out.push(`${indent}export namespace ${name} {`)
    render(child, `${indent}  `, out)
    out.push(`${indent}}`)
  }
}

/** Source text of `types.ts` for model `m`. */
export function emitTypes(m: Model, banner: string, runtimeImport: string): string {
  const root: NsNode = { lines: [], children: new Map() }
  const methodUnion = `${m.ns}Method`
  for (const c of m.ctors) {
    const node = nsPath(root, c.name)
    node.lines.push(`/** Constructor \`${c.name}\`${c.hasId ? ` #${c.id.toString(16)}` : ' (bare only, no id)'}. */`)
    node.lines.push(`export interface ${lastSegment(c.name)} {`, ...fieldLines(m, c), '}')
  }
  for (const [t, list] of m.types) {
    const node = nsPath(root, t)
    node.lines.push(`/** Boxed type \`${t}\`. */`)
    node.lines.push(`export type ${lastSegment(t)} = ${list.map((c) => qualified(m.ns, c.name)).join(' | ')}`)
  }
  for (const f of m.methods) {
    const node = nsPath(root, f.name)
    const g = f.generics[0]
    const head = g !== undefined ? `<${g} extends ${methodUnion} = ${methodUnion}>` : ''
    node.lines.push(`/** Method \`${f.name}\` #${f.id.toString(16)}, returns \`${f.resultText}\`. */`)
    node.lines.push(`export interface ${lastSegment(f.name)}${head} {`, ...fieldLines(m, f), '}')
  }
  const out: string[] = []
  out.push(`/** Every ${m.ns} constructor and method as a type. */`)
  out.push(`export namespace ${m.ns} {`)
  render(root, '  ', out)
  out.push('}', '')
  const objects = m.ctors.map((c) => qualified(m.ns, c.name))
  out.push(`/** Any ${m.ns} constructor object. */`)
  out.push(`export type ${m.ns}Object =\n  | ${objects.join('\n  | ')}`, '')
  out.push(`/** Any ${m.ns} method request object. */`)
  out.push(`export type ${methodUnion} =\n  | ${m.methods.map((f) => qualified(m.ns, f.name)).join('\n  | ') || 'never'}`, '')
  out.push(`/** Result type of each ${m.ns} method (generic wrappers: see {@link ${m.ns}ResultOf}). */`)
  out.push(`export interface ${m.ns}ResultMap {`)
  for (const f of m.methods) {
    const r = f.result.kind === 'generic' ? 'unknown' : tsType(m, f.result, f)
    out.push(`  '${f.name}': ${r}`)
  }
  out.push('}', '')
  out.push(
    `/** The result type of request \`R\`; generic wrappers resolve to the wrapped query's result (\`unknown\` when the query is untyped). */`,
  )
  let chain = ''
  for (const f of m.methods) {
    const q = genericQuery(f)
    if (!q) continue
    chain += `R extends { _: '${f.name}'; ${camel(q.name)}: infer Q extends ${methodUnion} }\n  ? ${methodUnion} extends Q\n    ? unknown\n    : ${m.ns}ResultOf<Q>\n  : `
  }
  out.push(`export type ${m.ns}ResultOf<R extends ${methodUnion}> = ${chain}${m.ns}ResultMap[R['_']]`, '')
  const body = out.join('\n')
  return [banner, importLine(['type TlValue'], body, runtimeImport), ''].join('\n') + body
}
