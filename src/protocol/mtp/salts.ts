/**
 * Server salts of one auth key: the current one, the future ones the server announced, and when to ask for more.
 *
 * Spec: https://core.telegram.org/mtproto/description#server-salt and
 * https://core.telegram.org/mtproto/service_messages#request-for-several-future-salts (get_future_salts returns
 * between 1 and 64 salts with validity periods).
 */

/** A salt and the server-time window (unix seconds) in which it is valid. */
export interface FutureSalt {
  readonly validSince: number
  readonly validUntil: number
  readonly salt: bigint
}

/** How many seconds before the last known salt expires the session asks for more. */
export const SALT_REFRESH_MARGIN_SECONDS = 300

/** Keeps the salts of an auth key; all times are server time in unix seconds. */
export class SaltStore {
  #current: bigint
  #future: FutureSalt[] = []

  constructor(initial = 0n) {
    this.#current = initial
  }

  /** The salt to put in the next message at `serverNow`, advancing to an announced salt when one is valid. */
  current(serverNow: number): bigint {
    // Drop expired salts; take the newest one already valid.
    this.#future = this.#future.filter((s) => s.validUntil > serverNow)
    let pick: FutureSalt | undefined
    for (const s of this.#future) if (s.validSince <= serverNow && (!pick || s.validSince > pick.validSince)) pick = s
    if (pick) this.#current = pick.salt
    return this.#current
  }

  /** Replaces the current salt (bad_server_salt, new_session_created, the key exchange). */
  set(salt: bigint): void {
    this.#current = salt
  }

  /** Merges salts from a future_salts answer. */
  addFuture(salts: readonly FutureSalt[]): void {
    const bySalt = new Map(this.#future.map((s) => [s.salt, s]))
    for (const s of salts) bySalt.set(s.salt, s)
    this.#future = [...bySalt.values()].sort((a, b) => a.validSince - b.validSince)
  }

  /** Whether to send get_future_salts now: nothing known, or the last known salt expires within the margin. */
  needsRefresh(serverNow: number): boolean {
    const last = this.#future.at(-1)
    return last === undefined || last.validUntil - serverNow < SALT_REFRESH_MARGIN_SECONDS
  }

  /** Server time at which {@link needsRefresh} becomes true (for the actor's timer); `serverNow` if it already is. */
  refreshAt(serverNow: number): number {
    const last = this.#future.at(-1)
    return last === undefined ? serverNow : Math.max(serverNow, last.validUntil - SALT_REFRESH_MARGIN_SECONDS)
  }

  /** The announced salts, oldest first (for persistence). */
  get future(): readonly FutureSalt[] {
    return this.#future
  }
}
