/**
 * The one error tree of mtactor, and the registry that carries errors across worker threads.
 *
 * Every failure the library reports is an {@link MtError}. Layers subclass it (TL codec, transport, security,
 * RPC, timeout, cancellation) and register a factory under a stable `kind`, so an error thrown inside a DC
 * worker is rebuilt as the same class on the main thread (structured clone keeps only plain data).
 *
 * Design note: errors carry structured fields (numbers, strings, bigints, booleans) rather than formatted text
 * alone, so callers can branch on data (`err.offset`, `err.expected`) instead of parsing messages.
 */

/** A value that survives `structuredClone` and `postMessage` unchanged. */
export type ErrorField = string | number | bigint | boolean | null

/** Plain-data form of an {@link MtError}, safe to post between threads. */
export interface SerializedError {
  readonly kind: string
  readonly message: string
  readonly fields: Readonly<Record<string, ErrorField>>
  readonly stack?: string
}

/** Builds an error instance from its serialized fields. */
export type ErrorFactory = (message: string, fields: Readonly<Record<string, ErrorField>>) => MtError

const registry = new Map<string, ErrorFactory>()

/**
 * Base class of every error mtactor throws or rejects with.
 *
 * Subclasses set {@link MtError.kind} and override {@link MtError.fields} to expose the data that a receiver on
 * another thread needs to rebuild them, then call {@link registerError} once at module load.
 */
export class MtError extends Error {
  /** Stable discriminator used by the cross-thread registry. */
  readonly kind: string = 'MtError'

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }

  /** Structured fields of this error; the base class has none. */
  fields(): Record<string, ErrorField> {
    return {}
  }
}

/**
 * Registers the factory that rebuilds errors of `kind` on the receiving side of a thread boundary.
 * Registering the same kind twice replaces the earlier factory (modules may be loaded once per thread).
 */
export function registerError(kind: string, factory: ErrorFactory): void {
  registry.set(kind, factory)
}

/** Turns any thrown value into plain data that can be posted to another thread. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof MtError) {
    return { kind: err.kind, message: err.message, fields: err.fields(), ...(err.stack ? { stack: err.stack } : {}) }
  }
  if (err instanceof Error) {
    return { kind: 'Error', message: err.message, fields: { name: err.name }, ...(err.stack ? { stack: err.stack } : {}) }
  }
  return { kind: 'Error', message: String(err), fields: {} }
}

/**
 * Rebuilds an error posted by {@link serializeError}. Unknown kinds (or a plain `Error` from foreign code) come
 * back as an {@link InternalError} that keeps the original kind and message, so nothing is silently lost.
 */
export function deserializeError(data: SerializedError): MtError {
  const factory = registry.get(data.kind)
  const err = factory ? factory(data.message, data.fields) : new InternalError(data.message, data.kind)
  if (data.stack !== undefined) err.stack = data.stack
  return err
}

/** Numeric or textual details attached to an error (expected/got values, offsets, codes). */
export type ErrorDetails = Readonly<Record<string, string | number | bigint | boolean>>

/**
 * Base of the errors that carry a machine-readable `reason` (a string union per subclass) and free-form `details`:
 * transport, security and key-exchange errors. Their fields cross threads as `{ reason, ...details }`.
 */
export abstract class ReasonedError<R extends string> extends MtError {
  constructor(
    readonly reason: R,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message)
  }

  override fields(): Record<string, ErrorField> {
    return { reason: this.reason, ...this.details }
  }
}

/** Registers a {@link ReasonedError} subclass: rebuilds it from `{ reason, ...details }` (nulls dropped). */
export function registerReasonedError<R extends string>(
  kind: string,
  make: (reason: R, message: string, details: ErrorDetails) => ReasonedError<R>,
): void {
  registerError(kind, (m, f) => {
    const { reason, ...rest } = f
    const details: Record<string, string | number | bigint | boolean> = {}
    for (const [k, v] of Object.entries(rest)) if (v !== null) details[k] = v
    return make(String(reason) as R, m, details)
  })
}

/** A failure that no more specific class describes (a bug, or a foreign exception crossing a thread). */
export class InternalError extends MtError {
  override readonly kind: string = 'InternalError'

  constructor(
    message: string,
    /** The kind the error had where it was thrown, when that was not an mtactor error. */
    readonly originalKind = 'InternalError',
  ) {
    super(message)
  }

  override fields(): Record<string, ErrorField> {
    return { originalKind: this.originalKind }
  }
}
registerError('InternalError', (m, f) => new InternalError(m, typeof f.originalKind === 'string' ? f.originalKind : undefined))

/** Raised when a caller's own arguments are malformed (wrong type, out of range, missing field). */
export class ArgumentError extends MtError {
  override readonly kind: string = 'ArgumentError'

  constructor(
    message: string,
    /** Name of the offending argument or field path. */
    readonly argument: string,
  ) {
    super(message)
  }

  override fields(): Record<string, ErrorField> {
    return { argument: this.argument }
  }
}
registerError('ArgumentError', (m, f) => new ArgumentError(m, String(f.argument)))

/** An operation did not complete within its deadline. */
export class TimeoutError extends MtError {
  override readonly kind: string = 'TimeoutError'

  constructor(
    message: string,
    /** The deadline that passed, in milliseconds. */
    readonly timeoutMs: number,
  ) {
    super(message)
  }

  override fields(): Record<string, ErrorField> {
    return { timeoutMs: this.timeoutMs }
  }
}
registerError('TimeoutError', (m, f) => new TimeoutError(m, Number(f.timeoutMs)))

/** The caller cancelled the operation (an AbortSignal fired, or the client closed). */
export class CancelledError extends MtError {
  override readonly kind: string = 'CancelledError'

  constructor(message = 'operation cancelled') {
    super(message)
  }
}
registerError('CancelledError', (m) => new CancelledError(m))

/** Why a network operation failed. */
export type NetworkErrorReason = 'connect-failed' | 'proxy-failed' | 'proxy-auth-failed' | 'closed' | 'timeout'

/** A socket could not be opened, a proxy refused, or an open connection dropped. Retryable by policy. */
export class NetworkError extends MtError {
  override readonly kind: string = 'NetworkError'

  constructor(
    readonly reason: NetworkErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }

  override fields(): Record<string, ErrorField> {
    return { reason: this.reason }
  }
}
registerError('NetworkError', (m, f) => new NetworkError(f.reason as NetworkErrorReason, m))
