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

/**
 * Open-addressing table from constructor id to reader: faster than a Map for the hot `object()` dispatch (ids
 * are mostly outside the small-integer range, so Map hashing would box them).
 */
export interface IdTable {
  /** Signed 32-bit ids, parallel to `fns`. */
  readonly ids: Int32Array
  /** Reader per slot; `undefined` marks an empty slot. */
  readonly fns: ReadonlyArray<ReadFn | undefined>
  /** Capacity - 1 (capacity is a power of two). */
  readonly mask: number
}

/** Slot of an id: CRC32 ids are already well mixed; folding the halves spreads small hand-picked ones too. */
export function idSlot(id: number, mask: number): number {
  return (id ^ (id >>> 16)) & mask
}

/** Builds an {@link IdTable} with load factor at most 1/4 (short probe sequences). */
export function buildIdTable(map: ReadonlyMap<number, ReadFn>): IdTable {
  let cap = 16
  while (cap < map.size * 4) cap *= 2
  const mask = cap - 1
  const ids = new Int32Array(cap)
  const fns: Array<ReadFn | undefined> = Array.from({ length: cap }, () => undefined)
  for (const [id, fn] of map) {
    let h = idSlot(id | 0, mask)
    while (fns[h] !== undefined) h = (h + 1) & mask
    ids[h] = id | 0
    fns[h] = fn
  }
  return { ids, fns, mask }
}

let registryVersion = 0
let cachedTable: IdTable | undefined
let cachedVersion = -1
const foreignTables = new WeakMap<ReadonlyMap<number, ReadFn>, IdTable>()

/** The id table for a readers map (the live registry's table is rebuilt after each registration). */
export function idTableFor(map: ReadonlyMap<number, ReadFn>): IdTable {
  if (map === registry.readers) {
    if (cachedTable === undefined || cachedVersion !== registryVersion) {
      cachedTable = buildIdTable(map)
      cachedVersion = registryVersion
    }
    return cachedTable
  }
  let t = foreignTables.get(map)
  if (t === undefined) {
    t = buildIdTable(map)
    foreignTables.set(map, t)
  }
  return t
}

/** Adds a generated module's tables to the live registry. Called by generated `index.ts` files at load time. */
export function registerTlModule(t: TlModuleTables): void {
  registryVersion++
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
