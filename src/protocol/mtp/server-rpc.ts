/**
 * The server's RPC handler registry: handlers by TL method name, the invoke wrappers every client sends
 * (invokeWithLayer, initConnection, invokeWithoutUpdates, invokeAfterMsg(s)), and per-request execution counters.
 *
 * Spec: https://core.telegram.org/api/invoking (layers, initConnection, invokeWithoutUpdates, invokeAfterMsg),
 * https://core.telegram.org/api/errors (400 CONNECTION_NOT_INITED, LAYER_INVALID...).
 */
import type { TlObject, TlSerializable } from '../../tl/service.js'
import type { ServerAuthKey } from './server-keys.js'
import { RpcFailure } from './server-errors.js'

/** Oldest API layer the server answers (the issue: 198 to 228; `config#cc1a241e` is unchanged across them). */
export const MIN_LAYER = 198
/** Newest API layer: the schema's. */
export const MAX_LAYER = 228

/** `RpcContext.count` when per-request counting is off. */
const noCount = (): void => undefined

/** What a handler knows about the call. */
export interface RpcContext {
  readonly dcId: number
  readonly key: ServerAuthKey
  readonly sessionId: bigint
  /** The client's msg_id of the request. */
  readonly msgId: bigint
  /** Server time, unix seconds. */
  readonly now: number
  /** The layer of the innermost invokeWithLayer, or the key's remembered one. */
  readonly layer: number
  /** Counts one execution for `argument` (the exactly-once probe: e.g. a requested user id). */
  count(argument: string): void
}

/** Answers one method; throw {@link RpcFailure} for an rpc_error. */
export type RpcHandler = (req: TlObject, ctx: RpcContext) => TlSerializable

/**
 * Runs before every handler (after the initConnection check, before the call counts as an execution): login gates
 * and injected errors. Throw {@link RpcFailure} to answer with it instead of running the handler.
 */
export type RpcGuard = (method: string, ctx: RpcContext) => void

/** Registration options. */
export interface HandlerOptions {
  /** Whether the key must have sent initConnection first (default true, as on Telegram). */
  readonly needsInit?: boolean
}

/** Execution counts, for tests: by request msg_id and by handler-defined argument. */
export class ExecutionCounters {
  readonly byMsgId = new Map<bigint, number>()
  readonly byArgument = new Map<string, number>()
  total = 0
  /** Whether per-request maps are kept (benchmarks turn this off; `total` always counts). */
  detailed = true

  clear(): void {
    this.byMsgId.clear()
    this.byArgument.clear()
    this.total = 0
  }
}

interface Entry {
  readonly handler: RpcHandler
  readonly needsInit: boolean
}

/** Handlers by method name; the invoke wrappers are built in. */
export class RpcRegistry {
  readonly #handlers = new Map<string, Entry>()
  #guard: RpcGuard | undefined

  /** Installs the guard every call passes (replacing an earlier one); undefined removes it. */
  setGuard(guard: RpcGuard | undefined): this {
    this.#guard = guard
    return this
  }

  register(method: string, handler: RpcHandler, opts: HandlerOptions = {}): this {
    this.#handlers.set(method, { handler, needsInit: opts.needsInit ?? true })
    return this
  }

  has(method: string): boolean {
    return this.#handlers.has(method)
  }

  /** The method a request finally invokes (through the wrappers). */
  static leafMethod(req: TlObject): string {
    let cur: TlObject = req
    for (let i = 0; i < 16; i++) {
      const q = (cur as unknown as { query?: unknown }).query
      if (!WRAPPERS.has(cur._) || typeof q !== 'object' || q === null || !('_' in q)) return cur._
      cur = q as TlObject
    }
    return cur._
  }

  /**
   * Executes a request through its wrappers. `noUpdates` is set when invokeWithoutUpdates was seen.
   * Throws {@link RpcFailure} for anything answered with rpc_error.
   */
  execute(
    req: TlObject,
    base: Omit<RpcContext, 'layer' | 'count'>,
    counters: ExecutionCounters,
    flags: { noUpdates: boolean },
  ): TlSerializable {
    let layer = base.key.client?.layer ?? MAX_LAYER
    let cur: TlObject = req
    let initHere = false
    for (let depth = 0; ; depth++) {
      if (depth > 16) throw new RpcFailure(400, 'INPUT_REQUEST_TOO_LONG')
      const o = cur as unknown as Record<string, unknown>
      if (cur._ === 'invokeWithLayer') {
        const l = o.layer
        if (typeof l !== 'number' || l < MIN_LAYER || l > MAX_LAYER) throw new RpcFailure(400, 'LAYER_INVALID')
        layer = l
      } else if (cur._ === 'initConnection') {
        base.key.client = {
          layer,
          apiId: Number(o.apiId),
          deviceModel: String(o.deviceModel),
          appVersion: String(o.appVersion),
        }
        initHere = true
      } else if (cur._ === 'invokeWithoutUpdates') {
        flags.noUpdates = true
      } else if (!WRAPPERS.has(cur._)) {
        break
      }
      const q = o.query
      if (typeof q !== 'object' || q === null || !('_' in q)) throw new RpcFailure(400, 'INPUT_REQUEST_INVALID')
      cur = q as TlObject
    }
    const entry = this.#handlers.get(cur._)
    if (entry === undefined) throw new RpcFailure(400, `INPUT_METHOD_INVALID_${cur._}`)
    if (entry.needsInit && base.key.client === undefined && !initHere) throw new RpcFailure(400, 'CONNECTION_NOT_INITED')
    const detailed = counters.detailed
    const ctx: RpcContext = {
      dcId: base.dcId,
      key: base.key,
      sessionId: base.sessionId,
      msgId: base.msgId,
      now: base.now,
      layer,
      count: detailed ? (argument) => counters.byArgument.set(argument, (counters.byArgument.get(argument) ?? 0) + 1) : noCount,
    }
    this.#guard?.(cur._, ctx)
    counters.total++
    if (detailed) counters.byMsgId.set(base.msgId, (counters.byMsgId.get(base.msgId) ?? 0) + 1)
    return entry.handler(cur, ctx)
  }
}

/** Wrapper methods whose `query` field holds the real request. */
const WRAPPERS = new Set(['invokeWithLayer', 'initConnection', 'invokeWithoutUpdates', 'invokeAfterMsg', 'invokeAfterMsgs'])
