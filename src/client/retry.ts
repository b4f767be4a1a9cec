/**
 * What the coordinator does when a call fails: FLOOD_WAIT_X slept off automatically under a threshold (and
 * remembered per method, so a later call of that method first waits out the rest of the known window), otherwise a
 * typed {@link FloodWaitError}; network failures and 5xx/-503 style internal errors retried with backoff; the sleep
 * injectable (fake timers do not reach worker threads) and cancellable by AbortSignal.
 *
 * Spec: https://core.telegram.org/api/errors#420-flood (FLOOD_WAIT_X), https://core.telegram.org/api/errors#500-internal
 * (retry later).
 */
import { CancelledError, type ErrorField, MtError, NetworkError, registerError } from '../errors.js'
import { RpcError } from '../protocol/rpc-error.js'

/** Sleeps `ms`, rejecting with CancelledError when `signal` aborts. */
export type SleepFn = (ms: number, signal?: AbortSignal) => Promise<void>

/** The retry policy of a client; every field has a default. */
export interface RetryPolicy {
  /** FLOOD_WAIT of at most this many seconds is slept off and the call retried; longer ones throw. Default 60. */
  readonly floodSleepThresholdSeconds?: number
  /** Extra attempts after a network failure or an internal server error (5xx). Default 5. */
  readonly maxRetries?: number
  /** First backoff before an I/O retry, doubled per attempt up to {@link maxBackoffMs}. Default 200 ms. */
  readonly backoffMs?: number
  readonly maxBackoffMs?: number
  /** Most FLOOD_WAIT sleeps for one call (a call that keeps hitting them gives up). Default 5. */
  readonly maxFloodSleeps?: number
  /** The sleep used for FLOOD_WAIT and backoff (tests pass a fast one). Default: a real timer. */
  readonly sleep?: SleepFn
}

/** Defaults: 60 s is how long official clients wait silently; 5 retries span about 6 s of backoff. */
export const DEFAULT_RETRY: Required<Omit<RetryPolicy, 'sleep'>> = {
  floodSleepThresholdSeconds: 60,
  maxRetries: 5,
  backoffMs: 200,
  maxBackoffMs: 5000,
  maxFloodSleeps: 5,
}

/** A FLOOD_WAIT longer than the policy sleeps off: the caller decides (wait `seconds`, or give up). */
export class FloodWaitError extends MtError {
  override readonly kind: string = 'FloodWaitError'

  constructor(
    readonly method: string,
    /** Seconds until the method may be called again. */
    readonly seconds: number,
  ) {
    super(`${method}: flood wait of ${seconds} s (over the auto-sleep threshold)`)
  }

  override fields(): Record<string, ErrorField> {
    return { method: this.method, seconds: this.seconds }
  }
}
registerError('FloodWaitError', (_m, f) => new FloodWaitError(String(f.method), Number(f.seconds)))

/** A real-timer sleep that an AbortSignal cuts short (the timer is cleared, nothing stays behind). */
export const realSleep: SleepFn = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new CancelledError())
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new CancelledError())
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })

/** Whether an error is worth retrying as I/O: the network dropped, or the server said "internal, try again". */
export function isRetryableIo(e: unknown): boolean {
  if (e instanceof NetworkError) return true
  if (e instanceof RpcError) return e.code === 500 || e.code === -503 || e.type === 'RPC_CALL_FAIL' || e.type === 'RPC_MCGET_FAIL'
  return false
}

/**
 * Per-method FLOOD_WAIT windows: when a method got FLOOD_WAIT_X at time t, calls of it before t + X wait first.
 * Entries are dropped once their window has passed, so the map holds only methods currently limited.
 */
export class FloodMemory {
  readonly #until = new Map<string, number>()

  /** Whether no method has a window (the common case: nothing to look up). */
  get empty(): boolean {
    return this.#until.size === 0
  }

  note(method: string, seconds: number, nowMs: number): void {
    const until = nowMs + seconds * 1000
    if (until > (this.#until.get(method) ?? 0)) this.#until.set(method, until)
  }

  /** Forgets `method`'s window (a call went through after waiting it out). */
  clear(method: string): void {
    this.#until.delete(method)
  }

  /** Milliseconds `method` must still wait (0 when free). */
  remaining(method: string, nowMs: number): number {
    const until = this.#until.get(method)
    if (until === undefined) return 0
    if (until <= nowMs) {
      this.#until.delete(method)
      return 0
    }
    return until - nowMs
  }
}
