/**
 * Public entry of the TL layer: the binary codec with BOTH the MTProto service schema and the API schema
 * registered (the combined registry), the generated `Api`/`Mt` types, and debugging helpers.
 *
 * Spec: https://core.telegram.org/mtproto/serialize, https://core.telegram.org/mtproto/TL,
 * https://core.telegram.org/schema (API), https://core.telegram.org/schema/mtproto (service).
 *
 * Conventions (see src/tl/codegen/generate.ts): objects are plain `{ _: 'full.name', camelCaseField }`, longs are
 * bigint, bytes Uint8Array, `flags` bitmasks are computed on write, `flags.N?true` fields are booleans.
 */
import type { ApiMethod, ApiResultOf } from '../../generated/api/index.js'
import { readResult as readResultUntyped } from './codec.js'
import type { TlReader } from './runtime/reader.js'

export * from './service.js'
export {
  LAYER,
  apiGenericQueryParam,
  apiNames,
  apiReadResult,
  apiReaders,
  apiSizes,
  apiTables,
  apiWriters,
} from '../../generated/api/index.js'
export type * from '../../generated/api/types.js'
export { computeId, normalizeDeclaration, parseSchema } from './parser/index.js'
export type { TlDecl, TlParam, TlSchema, TlType } from './parser/index.js'

/** Result type of an API request: `ResultOf<Api.messages.sendMessage>` is `Api.Updates` (service: `MtResultOf`). */
export type ResultOf<R extends ApiMethod> = ApiResultOf<R>

/**
 * Reads an RPC result typed by the pending API request (generic wrappers such as invokeWithLayer resolve to the
 * wrapped query). Untyped by method name: `readResultByName`; service requests: `readServiceResult`.
 */
export function readResult<R extends ApiMethod>(input: Uint8Array | TlReader, req: R): ApiResultOf<R> {
  return readResultUntyped(input, req) as ApiResultOf<R>
}
