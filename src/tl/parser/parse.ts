/**
 * TL schema parser: turns `.tl` text (api.tl, mtproto.tl, tdesktop's mtproto.tl) into {@link TlSchema}.
 *
 * Spec: https://core.telegram.org/mtproto/TL (syntax), https://core.telegram.org/mtproto/TL-combinators,
 * https://core.telegram.org/mtproto/TL-abstract-types; file quirks in schema/SOURCE.md.
 *
 * Supported: `---types---`/`---functions---` switches (the file starts in types mode), `{X:Type}` generics and
 * `!X`, `flags:#`/`flags2:#` with `flags.N?Type` and `flags.N?true`, boxed `Vector<T>` and bare `vector<T>`, `%T`,
 * lowercase constructor names as bare types, `int128`/`int256`, `bytes`/`string`, `//` comments (whole-line and
 * trailing) and the `// LAYER N` line. Built-in declarations (`int ? = Int;`, `vector ... # [ t ] = Vector t;`)
 * are skipped, as are id-less declarations that no other declaration uses as a bare type (tdesktop's
 * `tlsClientHello`/`tlsBlock*` template lines); an id-less constructor used bare (mtproto's `message` inside
 * `vector<%Message>`) is kept with `hasId: false`.
 */
import { TlSchemaError } from '../errors.js'
import { computeId } from './crc.js'
import type { TlDecl, TlParam, TlPrimName, TlSchema, TlType } from './types.js'

const PRIMS: ReadonlySet<string> = new Set<TlPrimName>([
  'int',
  'long',
  'double',
  'int128',
  'int256',
  'bytes',
  'string',
  'Bool',
  'true',
])
const NAME_RE = /^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)?$/
const PARAM_RE = /^([a-zA-Z_][a-zA-Z0-9_]*):(.+)$/
const COND_RE = /^([a-zA-Z_][a-zA-Z0-9_]*)\.(\d+)\?(.+)$/
/** Highest bit a `flags.N` condition may name: the bitmask is a 32-bit int. */
const MAX_FLAG_BIT = 31

/** Parses a whole schema file. Throws {@link TlSchemaError} (naming the line) on malformed input. */
export function parseSchema(text: string, file = '<input>'): TlSchema {
  const lines = text.split('\n')
  let layer: number | undefined
  let section: 'types' | 'functions' = 'types'
  const raw: TlDecl[] = []
  let pending = ''
  let pendingLine = 0
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1
    const full = (lines[i] ?? '').replace(/\r$/, '')
    const layerMatch = /^\s*\/\/\s*LAYER\s+(\d+)\s*$/.exec(full)
    if (layerMatch?.[1] !== undefined) {
      layer = Number(layerMatch[1])
      continue
    }
    const commentAt = full.indexOf('//')
    const line = (commentAt >= 0 ? full.slice(0, commentAt) : full).trim()
    if (line === '') continue
    if (pending === '' && line.startsWith('---')) {
      if (line === '---functions---') section = 'functions'
      else if (line === '---types---') section = 'types'
      else throw new TlSchemaError(`unknown section switch "${line}"`, lineNo, file)
      continue
    }
    if (pending === '') pendingLine = lineNo
    pending = pending === '' ? line : `${pending} ${line}`
    if (!pending.endsWith(';')) continue
    const decl = parseDeclaration(pending, section, pendingLine, file)
    pending = ''
    if (decl !== undefined) raw.push(decl)
  }
  if (pending !== '') throw new TlSchemaError('declaration not terminated by ";"', pendingLine, file)
  return { layer, decls: dropUnusedIdless(raw, file) }
}

function dropUnusedIdless(decls: TlDecl[], file: string): TlDecl[] {
  const usedBare = new Set<string>()
  const visit = (t: TlType): void => {
    if (t.kind === 'bare') usedBare.add(t.ref)
    else if (t.kind === 'vector') visit(t.elem)
  }
  for (const d of decls) if (d.hasId) for (const p of d.params) visit(p.type)
  const kept = decls.filter(
    (d) => d.hasId || (d.kind === 'ctor' && (usedBare.has(d.name) || usedBare.has(resultName(d)))),
  )
  const seen = new Map<string, number>()
  for (const d of kept) {
    const prev = seen.get(d.name)
    if (prev !== undefined) throw new TlSchemaError(`duplicate declaration "${d.name}" (first on line ${prev})`, d.line, file)
    seen.set(d.name, d.line)
  }
  return kept
}

function resultName(d: TlDecl): string {
  return d.result.kind === 'boxed' ? d.result.type : d.resultText
}

function parseDeclaration(text: string, section: 'types' | 'functions', line: number, file: string): TlDecl | undefined {
  const body = text.slice(0, -1).trim()
  const eq = body.indexOf(' = ')
  if (eq < 0) throw new TlSchemaError('declaration has no " = ResultType"', line, file)
  const lhs = body.slice(0, eq).trim().split(/\s+/)
  const resultText = body.slice(eq + 3).trim()
  const head = lhs[0] ?? ''
  // Built-ins (`int ? = Int;`, `vector#1cb5c415 {t:Type} # [ t ] = Vector t;`, `int128 4*[ int ] = Int128;`)
  // describe the primitive types themselves and are not wire constructors.
  if (lhs.includes('?') || lhs.includes('#') || body.includes('[') || /\s/.test(resultText)) return undefined
  const hashAt = head.indexOf('#')
  const name = hashAt >= 0 ? head.slice(0, hashAt) : head
  const idText = hashAt >= 0 ? head.slice(hashAt + 1) : undefined
  if (!NAME_RE.test(name)) throw new TlSchemaError(`bad declaration name "${name}"`, line, file)
  if (idText !== undefined && !/^[0-9a-fA-F]{1,8}$/.test(idText)) {
    throw new TlSchemaError(`bad constructor id "#${idText}"`, line, file)
  }
  const generics: string[] = []
  const params: TlParam[] = []
  const flagFields = new Set<string>()
  for (const tok of lhs.slice(1)) {
    if (tok.startsWith('{')) {
      const g = /^\{([a-zA-Z_][a-zA-Z0-9_]*):Type\}$/.exec(tok)
      if (g?.[1] === undefined) throw new TlSchemaError(`bad generic parameter "${tok}"`, line, file)
      generics.push(g[1])
      continue
    }
    const m = PARAM_RE.exec(tok)
    if (m?.[1] === undefined || m[2] === undefined) throw new TlSchemaError(`bad parameter "${tok}"`, line, file)
    const pname = m[1]
    let typeText = m[2]
    if (params.some((p) => p.name === pname)) throw new TlSchemaError(`duplicate parameter "${pname}"`, line, file)
    if (typeText === '#') {
      flagFields.add(pname)
      params.push({ name: pname, isFlags: true, type: { kind: 'prim', name: 'int' } })
      continue
    }
    let cond: TlParam['cond']
    const c = COND_RE.exec(typeText)
    if (c?.[1] !== undefined && c[2] !== undefined && c[3] !== undefined) {
      const bit = Number(c[2])
      if (!flagFields.has(c[1])) throw new TlSchemaError(`"${pname}" depends on unknown flags field "${c[1]}"`, line, file)
      if (bit > MAX_FLAG_BIT) throw new TlSchemaError(`flag bit ${bit} out of range in "${tok}"`, line, file)
      cond = { field: c[1], bit }
      typeText = c[3]
    } else if (typeText.includes('?')) {
      throw new TlSchemaError(`bad conditional parameter "${tok}"`, line, file)
    }
    const type = parseType(typeText, generics, line, file)
    if (type.kind === 'prim' && type.name === 'true' && cond === undefined) {
      throw new TlSchemaError(`"${pname}:true" must be conditional (flags.N?true)`, line, file)
    }
    params.push(cond ? { name: pname, isFlags: false, type, cond } : { name: pname, isFlags: false, type })
  }
  const computedId = computeId(text)
  if (section === 'types' && !NAME_RE.test(resultText)) {
    throw new TlSchemaError(`constructor result "${resultText}" is not a type name`, line, file)
  }
  const result = parseType(resultText, generics, line, file)
  return {
    kind: section === 'types' ? 'ctor' : 'method',
    name,
    id: idText !== undefined ? Number.parseInt(idText, 16) >>> 0 : computedId,
    hasId: idText !== undefined,
    computedId,
    generics,
    params,
    result: section === 'types' ? { kind: 'boxed', type: resultText } : result,
    resultText,
    line,
  }
}

/** Parses a type expression (`int`, `Vector<Message>`, `vector<%Message>`, `!X`, `future_salt`, `Object`). */
export function parseType(text: string, generics: readonly string[], line: number, file: string): TlType {
  if (text.startsWith('!')) {
    const g = text.slice(1)
    if (!generics.includes(g)) throw new TlSchemaError(`"!${g}" names no generic parameter`, line, file)
    return { kind: 'generic', name: g }
  }
  const v = /^([Vv]ector)<(.+)>$/.exec(text)
  if (v?.[1] !== undefined && v[2] !== undefined) {
    return { kind: 'vector', boxed: v[1] === 'Vector', elem: parseType(v[2], generics, line, file) }
  }
  if (text.startsWith('%')) {
    const ref = text.slice(1)
    if (!NAME_RE.test(ref)) throw new TlSchemaError(`bad bare type "${text}"`, line, file)
    return { kind: 'bare', ref, viaPercent: true }
  }
  if (PRIMS.has(text)) return { kind: 'prim', name: text as TlPrimName }
  if (text === 'Object') return { kind: 'any' }
  if (generics.includes(text)) return { kind: 'generic', name: text }
  if (!NAME_RE.test(text)) throw new TlSchemaError(`bad type "${text}"`, line, file)
  const last = text.slice(text.lastIndexOf('.') + 1)
  const first = last[0] ?? ''
  if (first >= 'a' && first <= 'z') return { kind: 'bare', ref: text, viaPercent: false }
  return { kind: 'boxed', type: text }
}
