/**
 * Typed errors of the TL layer: binary codec failures ({@link TlError}) and schema parse failures
 * ({@link TlSchemaError}).
 *
 * Spec: https://core.telegram.org/mtproto/serialize (binary data serialization) and
 * https://core.telegram.org/mtproto/TL (the TL language). Every malformed input the codec sees is reported as a
 * `TlError` whose `offset` is the byte position of the problem, detected before anything is allocated for it.
 */
import { type ErrorField, MtError, registerError } from '../errors.js'

/** Why a TL buffer could not be decoded. */
export type TlErrorReason =
  | 'truncated'
  | 'length-out-of-range'
  | 'vector-too-long'
  | 'unknown-constructor'
  | 'wrong-vector-id'
  | 'bad-bool'
  | 'too-deep'
  | 'gzip-invalid'
  | 'gzip-too-large'
  | 'gzip-nested'
  | 'unknown-method'
  | 'bad-value'
  | 'schema-syntax'

/** A TL buffer failed to decode (or a value could not be encoded); `offset` is the byte position of the fault. */
export class TlError extends MtError {
  override readonly kind: string = 'TlError'

  constructor(
    message: string,
    /** Machine-readable cause. */
    readonly reason: TlErrorReason,
    /** Byte offset in the buffer being read where the problem was detected. */
    readonly offset: number,
    /** The constructor id involved (unknown id, wrong vector id, ...), or -1 when none applies. */
    readonly constructorId = -1,
  ) {
    super(message)
  }

  override fields(): Record<string, ErrorField> {
    return { reason: this.reason, offset: this.offset, constructorId: this.constructorId }
  }
}
registerError(
  'TlError',
  (m, f) => new TlError(m, f.reason as TlErrorReason, Number(f.offset), typeof f.constructorId === 'number' ? f.constructorId : -1),
)

/** A `.tl` schema file is malformed; `line` is 1-based. */
export class TlSchemaError extends TlError {
  override readonly kind: string = 'TlSchemaError'

  constructor(
    message: string,
    /** 1-based line number in the schema file. */
    readonly line: number,
    /** Name of the schema file (or `<input>`). */
    readonly file: string,
  ) {
    super(`${file}:${line}: ${message}`, 'schema-syntax', line)
  }

  override fields(): Record<string, ErrorField> {
    return { ...super.fields(), line: this.line, file: this.file }
  }
}
registerError('TlSchemaError', (m, f) => {
  const e = new TlSchemaError(m, Number(f.line), String(f.file))
  e.message = m
  return e
})

/** Hex form of a constructor id as it appears in schemas (`0x1cb5c415`). */
export function hexId(id: number): string {
  return `0x${(id >>> 0).toString(16).padStart(8, '0')}`
}
