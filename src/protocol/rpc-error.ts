/**
 * RPC errors returned by the server (`rpc_error error_code:int error_message:string`), parsed into data.
 *
 * Spec: https://core.telegram.org/api/errors. Messages such as `FLOOD_WAIT_17`, `PHONE_MIGRATE_2` or
 * `SLOWMODE_WAIT_5` carry a number X at the end; `FLOOD_PREMIUM_WAIT_X`, `2FA_CONFIRM_WAIT_X` and the like follow the
 * same shape, so the parser is generic: a trailing `_<digits>` becomes {@link RpcError.value} and the rest the
 * {@link RpcError.type}.
 */
import { type ErrorField, MtError, registerError } from '../errors.js'

/** Kinds of `*_MIGRATE_X` and what they change: the home DC, or only where this one request goes. */
export type MigrateKind = 'PHONE' | 'USER' | 'NETWORK' | 'FILE' | 'STATS'

const MIGRATE = /^(PHONE|USER|NETWORK|FILE|STATS)_MIGRATE$/

/** An error the server returned for one request. */
export class RpcError extends MtError {
  override readonly kind: string = 'RpcError'
  /** The message without its trailing number: `FLOOD_WAIT` for `FLOOD_WAIT_17`. */
  readonly type: string
  /** The trailing number X, when the message has one. */
  readonly value: number | undefined

  constructor(
    /** The error code (303 redirect, 400 bad request, 401, 403, 406, 420 flood, 500, ...). */
    readonly code: number,
    /** The server's error_message verbatim. */
    readonly text: string,
    /** The method that failed, when known. */
    readonly method?: string,
  ) {
    super(`${code} ${text}${method ? ` (in ${method})` : ''}`)
    const m = /^(.*?)_(\d+)$/.exec(text)
    this.type = m?.[1] ?? text
    this.value = m?.[2] === undefined ? undefined : Number(m[2])
  }

  /** Whether this is the given error type (`err.is('FLOOD_WAIT')`). */
  is(type: string): boolean {
    return this.type === type || this.text === type
  }

  /** Seconds to wait for FLOOD_WAIT_X, FLOOD_PREMIUM_WAIT_X and SLOWMODE_WAIT_X; undefined otherwise. */
  get waitSeconds(): number | undefined {
    return this.type === 'FLOOD_WAIT' || this.type === 'FLOOD_PREMIUM_WAIT' || this.type === 'SLOWMODE_WAIT'
      ? this.value
      : undefined
  }

  /** For `*_MIGRATE_X`: the kind and the DC to use. */
  get migrate(): { kind: MigrateKind; dcId: number } | undefined {
    const m = MIGRATE.exec(this.type)
    if (!m || this.value === undefined) return undefined
    return { kind: m[1] as MigrateKind, dcId: this.value }
  }

  override fields(): Record<string, ErrorField> {
    return { code: this.code, text: this.text, method: this.method ?? null }
  }
}
registerError('RpcError', (_m, f) => new RpcError(Number(f.code), String(f.text), typeof f.method === 'string' ? f.method : undefined))
