/**
 * Structural comparison of a source TL object with a library's decoded result, across long representations
 * (bigint, `Long` from the long package, JS numbers for int53 ids, big-integer). Used by benches to check every
 * library decoded the same thing before timing.
 */

function asBigint(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v)
  if (typeof v === 'object' && v !== null && 'high' in v && 'low' in v) {
    const l = v as { high: number; low: number }
    return BigInt.asIntN(64, (BigInt(l.high) << 32n) | BigInt(l.low >>> 0))
  }
  if (typeof v === 'object' && v !== null && 'value' in v && typeof (v as { value: unknown }).value === 'bigint') {
    return (v as { value: bigint }).value
  }
  return undefined
}

/**
 * Returns the path of the first difference between `source` and `got`, or undefined when equal. Keys absent
 * from `source` must be absent, undefined, null or false in `got` (optional fields and unset flags).
 * `strictBigint` requires longs to be real bigints (mtactor's representation) rather than any long form.
 */
export function looseDiff(source: unknown, got: unknown, path: string, strictBigint = false): string | undefined {
  if (typeof source === 'bigint') {
    if (strictBigint && typeof got !== 'bigint') return `${path} (not a bigint)`
    return asBigint(got) === source ? undefined : path
  }
  if (source instanceof Uint8Array) {
    return got instanceof Uint8Array && Buffer.compare(source, got) === 0 ? undefined : path
  }
  if (Array.isArray(source)) {
    if (!Array.isArray(got) || got.length !== source.length) return `${path} (length)`
    for (let i = 0; i < source.length; i++) {
      const d = looseDiff(source[i], got[i], `${path}[${i}]`, strictBigint)
      if (d) return d
    }
    return undefined
  }
  if (typeof source === 'object' && source !== null) {
    if (typeof got !== 'object' || got === null) return path
    const s = source as Record<string, unknown>
    const g = got as Record<string, unknown>
    for (const k of Object.keys(s)) {
      const d = looseDiff(s[k], g[k], `${path}.${k}`, strictBigint)
      if (d) return d
    }
    for (const k of Object.keys(g)) {
      if (!(k in s) && g[k] !== undefined && g[k] !== null && g[k] !== false) return `${path}.${k} (extra)`
    }
    return undefined
  }
  return Object.is(source, got) ? undefined : path
}
