/**
 * The constructor registry: readers keyed by constructor id, writers and size functions keyed by TL name.
 *
 * Spec: https://core.telegram.org/mtproto/serialize (boxed objects start with their 32-bit constructor id).
 *
 * Generated modules (`generated/mtproto`, `generated/api`) register their tables here when imported, so a DC
 * worker that imports only the service schema never loads the API codec, and importing both composes them into
 * one registry. Only one API layer can be registered per thread (the last import wins for a given name/id).
 */
import type { TlReader } from './reader.js'
import type { TlWriter } from './writer.js'

/** Any TL object: a plain object tagged with its full TL name. */
export interface TlObject {
  readonly _: string
}

/** What an `Object`-typed field or an untyped read can hold: an object, a Bool, or a vector of those. */
export type TlValue = TlObject | boolean | TlValue[]

/** Reads a constructor's body (its id has already been consumed). */
export type ReadFn = (r: TlReader) => unknown
/** Writes a boxed constructor: its id, then its body. */
export type WriteFn = (w: TlWriter, o: never) => void
/** Exact serialized size of a boxed constructor, id included. */
export type SizeFn = (o: never) => number

/** One generated schema module's tables. */
export interface TlModuleTables {
  /** Readers keyed by unsigned constructor id (constructors and methods). */
  readonly readers: ReadonlyMap<number, ReadFn>
  /** Boxed writers keyed by TL name. */
  readonly writers: ReadonlyMap<string, WriteFn>
  /** Size functions keyed by TL name. */
  readonly sizes: ReadonlyMap<string, SizeFn>
  /** Constructor id to full TL name. */
  readonly names: ReadonlyMap<number, string>
  /** Result readers for methods whose result no constructor id describes (`Vector<int>`, `Vector<long>`, ...). */
  readonly resultReaders: ReadonlyMap<string, ReadFn>
  /** For generic wrapper methods (`invokeWithLayer`): the parameter holding the wrapped `!X` query. */
  readonly genericQueryParam: ReadonlyMap<string, string>
}

/** The live registry (composition of every registered module). */
export const registry = {
  readers: new Map<number, ReadFn>(),
  writers: new Map<string, WriteFn>(),
  sizes: new Map<string, SizeFn>(),
  names: new Map<number, string>(),
  resultReaders: new Map<string, ReadFn>(),
  genericQueryParam: new Map<string, string>(),
}

/** Adds a generated module's tables to the live registry. Called by generated `index.ts` files at load time. */
export function registerTlModule(t: TlModuleTables): void {
  for (const [k, v] of t.readers) registry.readers.set(k, v)
  for (const [k, v] of t.writers) registry.writers.set(k, v)
  for (const [k, v] of t.sizes) registry.sizes.set(k, v)
  for (const [k, v] of t.names) registry.names.set(k, v)
  for (const [k, v] of t.resultReaders) registry.resultReaders.set(k, v)
  for (const [k, v] of t.genericQueryParam) registry.genericQueryParam.set(k, v)
}

/** Full TL name of a registered constructor id, or `undefined`. */
export function nameForId(id: number): string | undefined {
  return registry.names.get(id >>> 0)
}
