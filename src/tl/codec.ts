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
export function sizeOf<T extends TlSerializable>(obj: T): number {
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

/** What {@link serializeObject} accepts: a boxed object, a Bool, or a boxed vector of objects. */
export type TlSerializable = TlObject | boolean | readonly TlObject[]

/**
 * Slab for small messages: one exactly sized view per message, carved from a 64 KiB block. Allocating a fresh
 * ArrayBuffer per message costs ~0.5 us in V8 (off-heap backing store), 20x a view; this is the Buffer-pool
 * technique. Views are never reused, so messages never alias; a slab lives while any of its views does.
 */
const SLAB_SIZE = 64 * 1024
/** Messages above this size get their own ArrayBuffer (keeps slabs from being pinned by big payloads). */
const SLAB_MAX_MESSAGE = SLAB_SIZE / 8
let slab = new Uint8Array(Buffer.allocUnsafeSlow(SLAB_SIZE).buffer, 0, SLAB_SIZE)
let slabPos = 0
const slabWriter = new TlWriter(slab)

/** Options of {@link serializeObject}. */
export interface SerializeOptions {
  /** Return a buffer that owns its whole ArrayBuffer (e.g. to transfer it to a worker). Default false. */
  readonly ownBuffer?: boolean
}

/**
 * Serializes a boxed object (or Bool, or vector of objects) into exactly `sizeOf(obj)` bytes, written in one
 * pass after a size pre-pass. Small messages are views into a shared slab unless `ownBuffer` is set.
 * Missing required fields, wrong primitive types and unknown names raise {@link ArgumentError}.
 */
export function serializeObject<T extends TlSerializable>(obj: T, opts?: SerializeOptions): Uint8Array {
  let size: number
  let w: TlWriter
  let start: number
  try {
    size = sizeObject(obj)
    if (size <= SLAB_MAX_MESSAGE && opts?.ownBuffer !== true) {
      if (slabPos + size > SLAB_SIZE) {
        slab = new Uint8Array(Buffer.allocUnsafeSlow(SLAB_SIZE).buffer, 0, SLAB_SIZE)
        slabPos = 0
      }
      w = slabWriter
      start = slabPos
      w.rebind(slab, start)
    } else {
      w = new TlWriter(size)
      start = 0
    }
    w.object(obj)
  } catch (e) {
    throw asArgumentError(e, obj)
  }
  if (w.pos - start !== size) {
    const name = typeof obj === 'object' && '_' in obj ? obj._ : typeof obj
    throw new ArgumentError(
      `cannot serialize ${name}: a field present in flags is missing or mistyped (wrote ${w.pos - start} of ${size} bytes)`,
      name,
    )
  }
  if (w !== slabWriter) return w.buf
  // keep every message 8-byte aligned within the slab
  slabPos = (start + size + 7) & ~7
  return new Uint8Array(slab.buffer, start, size)
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
