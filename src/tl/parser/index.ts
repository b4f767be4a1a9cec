/**
 * TL schema parser entry point. Spec: https://core.telegram.org/mtproto/TL
 */
export { computeId, normalizeDeclaration } from './crc.js'
export { parseSchema, parseType } from './parse.js'
export type { TlDecl, TlParam, TlPrimName, TlSchema, TlType } from './types.js'
