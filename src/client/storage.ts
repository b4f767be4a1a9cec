/**
 * The session store interface of the coordinator: per-DC permanent auth keys, the home DC, and the latest session
 * snapshot per DC. {@link MemoryStorage} keeps them for the life of the process; persistent stores implement the same
 * interface (every method may be asynchronous).
 *
 * Spec: https://core.telegram.org/mtproto/auth_key (a permanent key per DC, kept across runs),
 * https://core.telegram.org/api/datacenter (the home DC an account lives on).
 */
import type { SessionSnapshot } from '../actors/actor-types.js'

/** A stored permanent key with what a new connection needs to start with it. */
export interface StoredAuthKey {
  readonly authKey: Uint8Array
  readonly authKeyId: bigint
  readonly serverSalt: bigint
  readonly timeOffset: number
}

/** Where the coordinator keeps what outlives a connection. `undefined` deletes. */
export interface Storage {
  getAuthKey(dcId: number): Promise<StoredAuthKey | undefined> | StoredAuthKey | undefined
  setAuthKey(dcId: number, key: StoredAuthKey | undefined): Promise<void> | void
  getHomeDc(): Promise<number | undefined> | number | undefined
  setHomeDc(dcId: number): Promise<void> | void
  getSession(dcId: number): Promise<SessionSnapshot | undefined> | SessionSnapshot | undefined
  setSession(dcId: number, snapshot: SessionSnapshot | undefined): Promise<void> | void
}

/** Keeps everything in memory (lost when the process ends). */
export class MemoryStorage implements Storage {
  readonly #keys = new Map<number, StoredAuthKey>()
  readonly #sessions = new Map<number, SessionSnapshot>()
  #home: number | undefined

  getAuthKey(dcId: number): StoredAuthKey | undefined {
    return this.#keys.get(dcId)
  }

  setAuthKey(dcId: number, key: StoredAuthKey | undefined): void {
    if (key === undefined) this.#keys.delete(dcId)
    else this.#keys.set(dcId, key)
  }

  getHomeDc(): number | undefined {
    return this.#home
  }

  setHomeDc(dcId: number): void {
    this.#home = dcId
  }

  getSession(dcId: number): SessionSnapshot | undefined {
    return this.#sessions.get(dcId)
  }

  setSession(dcId: number, snapshot: SessionSnapshot | undefined): void {
    if (snapshot === undefined) this.#sessions.delete(dcId)
    else this.#sessions.set(dcId, snapshot)
  }
}
