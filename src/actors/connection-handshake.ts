/**
 * One run of the auth key exchange over a connection: plain (unencrypted) messages carrying the sans-IO handshake's
 * bodies, with a deadline. The driver feeds it received frames; it resolves with the new key or rejects with a typed
 * error.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key, https://core.telegram.org/mtproto/description#unencrypted-message
 */
import { type MtError, TimeoutError } from '../errors.js'
import { MsgIdGenerator } from '../protocol/mtp/msg-id.js'
import { decodePlainMessage, encodePlainMessage } from '../protocol/mtp/plain.js'
import type { AuthKeyResult, HandshakeLike } from './connection-types.js'

/** A key exchange in progress. */
export class HandshakeRun {
  /** Settles when the exchange finishes, fails, times out or is aborted. */
  readonly done: Promise<AuthKeyResult>
  readonly #hs: HandshakeLike
  readonly #write: (frame: Uint8Array) => void
  readonly #ids = new MsgIdGenerator('client')
  #timer: NodeJS.Timeout | undefined
  #resolve!: (r: AuthKeyResult) => void
  #reject!: (e: MtError) => void
  #settled = false

  /** Starts the exchange: writes the first plain message at once. */
  constructor(hs: HandshakeLike, write: (frame: Uint8Array) => void, timeoutMs: number) {
    this.#hs = hs
    this.#write = write
    this.done = new Promise<AuthKeyResult>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    // The run's failure is an outcome its driver awaits, never a crash: a run failed (by close, a transport error or
    // its deadline) after its driver stopped awaiting it must not surface as an unhandled rejection.
    this.done.catch(() => undefined)
    this.#timer = setTimeout(() => this.fail(new TimeoutError(`auth key exchange timed out after ${timeoutMs} ms`, timeoutMs)), timeoutMs)
    try {
      this.#send(hs.start(Date.now()))
    } catch (e) {
      this.fail(e as MtError)
    }
  }

  /** Whether the exchange is still running. */
  get active(): boolean {
    return !this.#settled
  }

  /** Handles one received frame (a plain message). */
  onFrame(payload: Uint8Array): void {
    if (this.#settled) return
    try {
      const step = this.#hs.receive(decodePlainMessage(payload).body, Date.now())
      if ('send' in step) this.#send(step.send)
      else this.#finish(() => this.#resolve(step.done))
    } catch (e) {
      this.fail(e as MtError)
    }
  }

  /** Ends the exchange with an error (connection closed, transport error, cancellation). */
  fail(error: MtError): void {
    this.#finish(() => this.#reject(error))
  }

  #send(body: Uint8Array): void {
    this.#write(encodePlainMessage(body, this.#ids.next(Date.now())))
  }

  #finish(settle: () => void): void {
    if (this.#settled) return
    this.#settled = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    settle()
  }
}
