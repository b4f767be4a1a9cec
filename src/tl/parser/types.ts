/**
 * The parsed form of a TL schema: declarations (constructors and functions) with typed parameters.
 *
 * Spec: https://core.telegram.org/mtproto/TL (language), https://core.telegram.org/mtproto/TL-combinators
 * (combinators, bare and boxed types), https://core.telegram.org/mtproto/TL-abstract-types (flags, generics).
 */

/** Primitive wire types (all bare; `Bool` is boxed boolTrue/boolFalse, `true` occupies no bytes). */
export type TlPrimName = 'int' | 'long' | 'double' | 'int128' | 'int256' | 'bytes' | 'string' | 'Bool' | 'true'

/** A parameter or result type. */
export type TlType =
  | { readonly kind: 'prim'; readonly name: TlPrimName }
  /** `Vector<T>` (boxed: id 0x1cb5c415 + count + items) or `vector<T>` (bare: count + items). */
  | { readonly kind: 'vector'; readonly boxed: boolean; readonly elem: TlType }
  /** A boxed object of a TL type (`Message`, `messages.Messages`). */
  | { readonly kind: 'boxed'; readonly type: string }
  /** A bare constructor (`future_salt`, `%Message` resolved to its only constructor later). */
  | { readonly kind: 'bare'; readonly ref: string; readonly viaPercent: boolean }
  /** `!X`: a boxed function call of the generic type X (serialized in place). */
  | { readonly kind: 'generic'; readonly name: string }
  /** `Object`: any boxed object. */
  | { readonly kind: 'any' }

/** One parameter of a declaration. */
export interface TlParam {
  /** TL name (`random_id`). */
  readonly name: string
  /** `true` for `flags:#` / `flags2:#` bitmask fields (never present in generated objects). */
  readonly isFlags: boolean
  /** The type (meaningless when `isFlags`). */
  readonly type: TlType
  /** For `name:flags.N?Type`: the bitmask field name and the bit. */
  readonly cond?: { readonly field: string; readonly bit: number }
}

/** One constructor or function declaration. */
export interface TlDecl {
  readonly kind: 'ctor' | 'method'
  /** Full name with namespace (`auth.sentCode`). */
  readonly name: string
  /** The constructor id as written after `#`, or the computed CRC32 if none was written (unsigned 32-bit). */
  readonly id: number
  /** Whether the declaration carried an explicit `#id`. */
  readonly hasId: boolean
  /** CRC32 of the normalized declaration (schema/SOURCE.md "Id check rule"). */
  readonly computedId: number
  /** Generic parameters `{X:Type}`. */
  readonly generics: readonly string[]
  readonly params: readonly TlParam[]
  /** Result type: for ctors the boxed type name; for methods any type. */
  readonly result: TlType
  /** The raw result type text (`messages.Messages`, `Vector<int>`, `X`). */
  readonly resultText: string
  /** 1-based line in the source file. */
  readonly line: number
}

/** A parsed schema file. */
export interface TlSchema {
  /** Value of the `// LAYER N` comment, if present. */
  readonly layer: number | undefined
  readonly decls: readonly TlDecl[]
}
