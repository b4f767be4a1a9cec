/**
 * The coordinator's fast first attempt, as the actor sees it: an {@link InvokeSink} per call whose result settles the
 * caller's promise in the drain that read it, and whose failure goes on in the coordinator's general policy path
 * from inside that attempt ({@link Attempt}), so migrations, FLOOD_WAIT, supervision and errors are handled exactly
 * as for any other call.
 *
 * Spec: https://core.telegram.org/api/invoking (a plain call on the home DC once initConnection went out),
 * https://core.telegram.org/api/errors (what the general path then handles).
 */
import type { InvokeSink } from '../actors/actor-types.js'
import { type ApiMethod, type ResultOf, readResult } from '../tl/index.js'
import type { ActorSlot, DcState, InFlight } from './dc-state.js'

/** One attempt of a call on a slot, and how its first send failed (when it did). */
export interface Attempt {
  readonly dc: DcState
  readonly slot: ActorSlot
  readonly requestId: number
  /** The TL object as sent (wrappers included). */
  readonly sent: ApiMethod
  readonly wrapped: boolean
  /** The slot's generation when the failed send went out. */
  readonly generation: number
  readonly error: unknown
}

/** The coordinator's way back into its policy path for a failed attempt (one object per coordinator). */
export interface FailedAttemptResumer {
  resume(request: ApiMethod, failed: Attempt): Promise<unknown>
}

/** A settler before {@link FastCall.promise} binds the real ones. */
const settleNothing = (): void => undefined

/** The call {@link bindSettlers} hands its promise's settlers to (set only around one `new Promise`). */
let binding: { done: (v: never) => void; fail: (e: unknown) => void } | undefined

/** The one executor of every fast call's promise: no closure and no context per call. */
function bindSettlers(resolve: (v: never) => void, reject: (e: unknown) => void): void {
  if (binding === undefined) return
  binding.done = resolve
  binding.fail = reject
}

/** The sink of one fast attempt (one object per call, no closures), and its slot's in-flight record. */
export class FastCall<R extends ApiMethod> implements InvokeSink, InFlight {
  readonly #generation: number
  readonly method: string
  /** Settlers of the caller's promise ({@link promise}). */
  done: (v: ResultOf<R> | PromiseLike<ResultOf<R>>) => void = settleNothing
  fail: (e: unknown) => void = settleNothing

  constructor(
    readonly resumer: FailedAttemptResumer,
    readonly request: R,
    readonly dc: DcState,
    readonly slot: ActorSlot,
    readonly requestId: number,
  ) {
    this.#generation = slot.generation
    this.method = request._
  }

  /** The caller's promise, which this call settles (call once, before the call can settle). */
  promise(): Promise<ResultOf<R>> {
    binding = this as unknown as typeof binding
    try {
      return new Promise<ResultOf<R>>(bindSettlers)
    } finally {
      binding = undefined
    }
  }

  resolve(raw: Uint8Array): void {
    this.slot.settled(this.requestId)
    let result: ResultOf<R>
    try {
      result = readResult(raw, this.request) as ResultOf<R>
    } catch (e) {
      this.fail(e)
      return
    }
    this.done(result)
  }

  reject(error: unknown): void {
    const a: Attempt = { dc: this.dc, slot: this.slot, requestId: this.requestId, sent: this.request, wrapped: false, generation: this.#generation, error }
    this.done(this.resumer.resume(this.request, a) as Promise<ResultOf<R>>)
  }
}
