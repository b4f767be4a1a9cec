/**
 * Reconnect backoff of the connection driver: exponential delays with jitter, and a sleep that a "network restored"
 * signal ({@link Backoff.wake}) or a close cuts short.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports#transport-errors (-429: back off before connecting
 * again). Jitter keeps many clients (or many actors of one client) that lost the network together from reconnecting
 * in lockstep.
 */
import type { RandomSource } from '../protocol/random.js'
import type { ReconnectPolicy } from './connection-types.js'

/**
 * The delay before reconnect attempt `attempt` (1-based): `min(maxDelayMs, minDelayMs * factor^(attempt-1))`, spread
 * uniformly over +-`jitter` of itself by `unit` (a number in [0, 1)), never above `maxDelayMs` nor below 0.
 */
export function backoffDelay(p: Required<ReconnectPolicy>, attempt: number, unit: number): number {
  const base = Math.min(p.maxDelayMs, p.minDelayMs * p.factor ** Math.max(0, attempt - 1))
  const spread = base * p.jitter * (2 * unit - 1)
  return Math.max(0, Math.min(p.maxDelayMs, Math.round(base + spread)))
}

/** A uniform number in [0, 1) from a random source (32 bits). */
export function randomUnit(random: RandomSource): number {
  const b = new Uint8Array(4)
  random(b)
  return new DataView(b.buffer).getUint32(0, true) / 2 ** 32
}

/** One connection's backoff sleep; at most one sleep at a time. */
export class BackoffSleep {
  #timer: NodeJS.Timeout | undefined
  #resolve: (() => void) | undefined

  /** Resolves after `ms`, or earlier on {@link wake} or {@link cancel}. */
  sleep(ms: number): Promise<void> {
    this.wake()
    return new Promise((resolve) => {
      this.#resolve = resolve
      this.#timer = setTimeout(() => this.wake(), ms)
    })
  }

  /** Whether a sleep is running. */
  get sleeping(): boolean {
    return this.#resolve !== undefined
  }

  /** Ends the current sleep now (the network is back, or the connection closes). */
  wake(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    const r = this.#resolve
    this.#resolve = undefined
    r?.()
  }
}
