/**
 * Whole-message entry points of the TL codec: serialize a boxed object into one exactly sized buffer, read a boxed
 * object, read an RPC result with the pending request's return type, and compute sizes.
 *
 * Spec: https://core.telegram.org/mtproto/serialize, https://core.telegram.org/mtproto/service_messages
 * (rpc_result carries the answer of the request whose `req_msg_id` it names; its type is the method's result
 * type, which for `Vector<int>`/`Vector<long>` results no constructor id describes).
 *
 * This module uses only the runtime registry; it works with whatever generated modules have been imported (the
 * service schema alone in a DC worker, or service + API via `src/tl/index.ts`).
 */
import { ArgumentError, MtError } from '../errors.js'
import { TlError } from './errors.js'
import { ID_GZIP_PACKED, TlReader, type TlReaderOptions } from './runtime/reader.js'
import { type TlObject, registry } from './runtime/registry.js'
import { TlWriter, sizeObject } from './runtime/writer.js'

/** Exact serialized size of a boxed object (id included). Throws ArgumentError for malformed objects. */
export function sizeOf(obj: TlObject | boolean | readonly TlObject[]): number {
  try {
    return sizeObject(obj)
  } catch (e) {
    throw asArgumentError(e, obj)
  }
}

function asArgumentError(e: unknown, obj: unknown): MtError {
  if (e instanceof MtError) return e
  const name = typeof obj === 'object' && obj !== null && '_' in obj ? String((obj as TlObject)._) : typeof obj
  const err = new ArgumentError(`cannot serialize ${name}: ${e instanceof Error ? e.message : String(e)}`, name)
  err.cause = e
  return err
}

/**
 * Serializes a boxed object (or Bool, or vector of objects) into a new buffer of exactly the right size.
 * Missing required fields, wrong primitive types and unknown names raise {@link ArgumentError}.
 */
export function serializeObject(obj: TlObject | boolean | readonly TlObject[]): Uint8Array {
  let w: TlWriter
  let size: number
  try {
    size = sizeObject(obj)
    w = new TlWriter(size)
    w.object(obj)
  } catch (e) {
    throw asArgumentError(e, obj)
  }
  if (w.pos !== size) {
    const name = typeof obj === 'object' && '_' in obj ? obj._ : typeof obj
    throw new ArgumentError(
      `cannot serialize ${name}: a field present in flags is missing or mistyped (wrote ${w.pos} of ${size} bytes)`,
      name,
    )
  }
  return w.buf
}

/** Value returned by an untyped read: an object, a Bool, or a vector of those. */
export type TlDeserialized = TlObject | boolean | TlDeserialized[]

/** Reads one boxed object from `bytes` (gzip_packed unwrapped); trailing bytes are ignored. */
export function deserializeObject(bytes: Uint8Array, opts?: TlReaderOptions): TlDeserialized {
  return new TlReader(bytes, 0, bytes.length, opts).object() as TlDeserialized
}

/** A method name, or the request object itself (generic wrappers are then resolved to the wrapped query). */
export type ResultKey = string | TlObject

function methodName(method: ResultKey): string {
  if (typeof method === 'string') return method
  let req: TlObject = method
  for (let hops = 0; hops < 16; hops++) {
    const param = registry.genericQueryParam.get(req._)
    if (param === undefined) break
    const inner = (req as unknown as Record<string, unknown>)[param]
    if (typeof inner !== 'object' || inner === null || !('_' in inner)) break
    req = inner as TlObject
  }
  return req._
}

/**
 * Reads an RPC result (the `result` of rpc_result) with the return type of `method`, from a buffer or from a
 * reader positioned at the result. Results with a constructor id are read as boxed objects; `Vector<int>`,
 * `Vector<long>` and similar results use the method's dedicated reader. A gzip_packed wrapper is unwrapped.
 */
export function readResult(input: Uint8Array | TlReader, method: ResultKey): unknown {
  const r = input instanceof TlReader ? input : new TlReader(input)
  const name = methodName(method)
  if (!registry.writers.has(name)) {
    throw new TlError(`no method named "${name}" is registered`, 'unknown-method', r.pos)
  }
  const fn = registry.resultReaders.get(name)
  if (fn === undefined) return r.object()
  const at = r.pos
  r.need(4)
  const b = r.buf
  const id = ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24)) >>> 0
  if (id === ID_GZIP_PACKED) {
    r.pos += 4
    return r.gzipped(at, fn)
  }
  return fn(r)
}
