/**
 * The TL codec with ONLY the MTProto service schema registered (for DC workers that never touch API objects).
 * Importing this module does not load the API codec; `src/tl/index.ts` adds it.
 *
 * Spec: https://core.telegram.org/schema/mtproto, https://core.telegram.org/mtproto/serialize
 */
import type { TlReader } from './runtime/reader.js'
import { readResult as readResultUntyped } from './codec.js'
import type { MtMethod, MtResultOf } from '../../generated/mtproto/index.js'

export * from '../../generated/mtproto/index.js'
export {
  type ResultKey,
  type SerializeOptions,
  type TlSerializable,
  type TlDeserialized,
  deserializeObject,
  readResult as readResultByName,
  serializeObject,
  sizeOf,
} from './codec.js'
export { DEFAULT_DEBUG_LENGTH, debugString } from './debug.js'
export { TlError, TlSchemaError, type TlErrorReason, hexId } from './errors.js'
export * from './runtime/index.js'

/** Reads the result of a service request (`req_pq_multi` -> `Mt.ResPQ`), typed by the request. */
export function readServiceResult<R extends MtMethod>(input: Uint8Array | TlReader, req: R): MtResultOf<R> {
  return readResultUntyped(input, req) as MtResultOf<R>
}
