/**
 * Readable, bounded debug printing of TL objects: names first, fields indented, bigint with `n`, bytes as short hex.
 * Spec: https://core.telegram.org/mtproto/TL (object shapes printed here follow the schema's field order).
 */

/** Default cap on the printed length: enough for a full config, small enough for a log line. */
export const DEFAULT_DEBUG_LENGTH = 8192
/** Bytes values print at most this many bytes of hex. */
const HEX_PREVIEW = 16
/** Strings print at most this many characters. */
const STRING_PREVIEW = 200

function hex(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < Math.min(b.length, HEX_PREVIEW); i++) s += (b[i] as number).toString(16).padStart(2, '0')
  return `<${b.length} bytes ${s}${b.length > HEX_PREVIEW ? '…' : ''}>`
}

function fmt(v: unknown, indent: string, out: string[], budget: { left: number }): void {
  if (budget.left <= 0) return
  const push = (s: string): void => {
    out.push(s)
    budget.left -= s.length
  }
  if (v === undefined) push('undefined')
  else if (v === null) push('null')
  else if (typeof v === 'bigint') push(`${v}n`)
  else if (typeof v === 'string') push(JSON.stringify(v.length > STRING_PREVIEW ? `${v.slice(0, STRING_PREVIEW)}…` : v))
  else if (typeof v === 'number' || typeof v === 'boolean') push(String(v))
  else if (v instanceof Uint8Array) push(hex(v))
  else if (Array.isArray(v)) {
    if (v.length === 0) {
      push('[]')
      return
    }
    push('[\n')
    for (const item of v) {
      if (budget.left <= 0) break
      push(`${indent}  `)
      fmt(item, `${indent}  `, out, budget)
      push(',\n')
    }
    push(`${indent}]`)
  } else if (typeof v === 'object') {
    const rec = v as Record<string, unknown>
    const name = typeof rec._ === 'string' ? rec._ : 'object'
    const keys = Object.keys(rec).filter((k) => k !== '_' && rec[k] !== undefined && rec[k] !== false)
    if (keys.length === 0) {
      push(name)
      return
    }
    push(`${name} {\n`)
    for (const k of keys) {
      if (budget.left <= 0) break
      push(`${indent}  ${k}: `)
      fmt(rec[k], `${indent}  `, out, budget)
      push('\n')
    }
    push(`${indent}}`)
  } else push(String(v))
}

/**
 * Multi-line readable form of a TL value. Absent optional fields and false flags are omitted. Output is cut at
 * `maxLength` characters with a trailing `… (truncated)`.
 */
export function debugString(v: unknown, maxLength = DEFAULT_DEBUG_LENGTH): string {
  const out: string[] = []
  const budget = { left: maxLength }
  fmt(v, '', out, budget)
  const s = out.join('')
  return s.length > maxLength || budget.left <= 0 ? `${s.slice(0, maxLength)}… (truncated)` : s
}
