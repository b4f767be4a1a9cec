/**
 * Constructor ids: the CRC32 of a declaration's normalized text.
 *
 * Spec: https://core.telegram.org/mtproto/TL-tl ("CRC32 of the combinator declaration"), with the normalization
 * documented in schema/SOURCE.md ("Id check rule"): drop `#id` and `;`, drop `name:flags.N?true` arguments,
 * write `bytes` as `string`, turn `<` into a space and delete `>`, `{`, `}`, collapse whitespace.
 */
import { crc32 } from 'node:zlib'

/** Normalizes a declaration (without comment) for id computation. */
export function normalizeDeclaration(text: string): string {
  let s = text.trim()
  s = s.replace(/;\s*$/, '')
  s = s.replace(/^([^\s#]+)#[0-9a-fA-F]+/, '$1')
  s = ` ${s} `
  s = s.replace(/ [A-Za-z_][\w]*:flags\d*\.\d+\?true(?= )/g, '')
  s = s.replace(/:bytes /g, ':string ').replace(/\?bytes /g, '?string ')
  s = s.replace(/</g, ' ').replace(/[>{}]/g, '')
  return s.replace(/\s+/g, ' ').trim()
}

/** CRC32 (IEEE) of the normalized declaration, as an unsigned 32-bit number. */
export function computeId(text: string): number {
  return crc32(normalizeDeclaration(text)) >>> 0
}
