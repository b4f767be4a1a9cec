/**
 * The coordinator-side bookkeeping of a worker actor's calls: the unsettled calls by their slot in the shared sent
 * table (results name their slot, so no map per call), and the callers waiting for room (back-pressure), woken
 * oldest first and only as many as there is room for.
 *
 * Spec: none in MTProto (the thread boundary of the design); https://core.telegram.org/mtproto/description#session
 * names the requests these track.
 */
import { CancelledError } from '../errors.js'
import type { InvokeSink } from './actor-types.js'

/** One unsettled call. */
export interface PendingCall {
  readonly id: number
  readonly slot: number
  /** Where the outcome goes: the caller's sink (submit) or a promise's resolvers (invoke). */
  readonly sink: InvokeSink
  cleanup(): void
}

/** Unsettled calls by slot; a slot holds one call at a time and freed slots are reused last-in first-out. */
export class CallSlots {
  readonly #calls: Array<PendingCall | undefined> = []
  /** Free slots (LIFO: the pages of the shared table in use stay few), then the never-used ones from {@link #next}. */
  readonly #free: number[] = []
  #next = 0
  #count = 0

  /** `capacity`: slots of the shared sent table. */
  constructor(readonly capacity: number) {}

  /** Unsettled calls. */
  get count(): number {
    return this.#count
  }

  /** Slots free now (reused and never used). */
  get room(): number {
    return this.#free.length + (this.capacity - this.#next)
  }

  /** Claims a free slot (callers check {@link room} first). */
  claim(): number {
    return this.#free.pop() ?? this.#next++
  }

  /** Puts a call in the slot it claimed. */
  set(call: PendingCall): void {
    this.#calls[call.slot] = call
    this.#count++
  }

  /** Whether `slot` still holds call `id`. */
  holds(id: number, slot: number): boolean {
    return this.#calls[slot]?.id === id
  }

  /** Takes call `id` out of `slot` (slot freed, cleanup run); undefined when it is no longer there. */
  take(id: number, slot: number): PendingCall | undefined {
    const c = this.#calls[slot]
    if (c === undefined || c.id !== id) return undefined
    this.#calls[slot] = undefined
    this.#count--
    this.#free.push(slot)
    c.cleanup()
    return c
  }

  /** The unsettled calls, lowest slot first (a copy: settling them changes the table). */
  unsettled(): PendingCall[] {
    const out: PendingCall[] = []
    for (const c of this.#calls) if (c !== undefined) out.push(c)
    return out
  }
}

/** Callers waiting for room, oldest first. */
export class RoomWaiters {
  #waiters: Array<() => void> = []

  get length(): number {
    return this.#waiters.length
  }

  /**
   * Waits until woken ({@link wake}, {@link wakeAll}) or until `signal` aborts (the wait then leaves the queue, so
   * room freed later goes to a caller still waiting, and rejects with CancelledError). `queued` runs once the wait is
   * in the queue (the caller asks for a room signal there, and checks for room that appeared before it asked).
   */
  async wait(signal: AbortSignal | undefined, queued: () => void): Promise<void> {
    if (signal?.aborted === true) throw new CancelledError()
    let onAbort: () => void = () => undefined
    let aborted = false
    await new Promise<void>((resolve) => {
      const wake = (): void => resolve()
      this.#waiters.push(wake)
      onAbort = () => {
        const i = this.#waiters.indexOf(wake)
        if (i >= 0) this.#waiters.splice(i, 1)
        aborted = true
        resolve()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      queued()
    })
    // Woken by room or by the abort: either way this wait's listener goes.
    signal?.removeEventListener('abort', onAbort)
    if (aborted) throw new CancelledError()
  }

  /** Wakes up to `room` of the oldest waiters. */
  wake(room: number): void {
    if (room <= 0 || this.#waiters.length === 0) return
    for (const resume of this.#waiters.splice(0, room)) resume()
  }

  /** Wakes every waiter (the actor died or closes: each one finds out as it goes on). */
  wakeAll(): void {
    const w = this.#waiters
    this.#waiters = []
    for (const resume of w) resume()
  }
}
