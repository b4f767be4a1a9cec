/**
 * The main-thread update stream: every actor's Updates, decoded, in the order each DC sent them, for
 * `for await (const u of client.updates())`.
 *
 * Overflow policy: the buffer holds at most `capacity` updates per subscriber. When a subscriber falls that far
 * behind, the OLDEST buffered updates are dropped (the newest are kept, because later updates carry the newer
 * pts/seq state) and the next value the subscriber reads is a `{ _: 'overflow', dropped }` marker telling it how
 * many it missed, so it can resynchronise with updates.getDifference. Producers are never blocked: a slow consumer
 * cannot stall a DC connection.
 *
 * Spec: https://core.telegram.org/api/updates (Updates constructors, gaps and getDifference).
 */
import { CancelledError } from '../errors.js'
import type { Api } from '../tl/index.js'

/** Default per-subscriber buffer: a few seconds of a busy account's updates, bounded in memory. */
export const DEFAULT_UPDATE_BUFFER = 10_000

/** Tells a subscriber that `dropped` updates were discarded because it fell behind (see the module's policy). */
export interface UpdatesOverflow {
  readonly _: 'overflow'
  readonly dropped: number
}

/** What `client.updates()` yields: a decoded Updates object, or an overflow marker. */
export type UpdateItem = Api.Updates | UpdatesOverflow

/** One subscriber's bounded queue. */
class Subscriber implements AsyncIterableIterator<UpdateItem> {
  readonly #buf: UpdateItem[] = []
  #head = 0
  #dropped = 0
  #waiter: ((r: IteratorResult<UpdateItem>) => void) | undefined
  #done = false

  constructor(
    readonly capacity: number,
    readonly onEnd: (s: Subscriber) => void,
  ) {}

  push(u: UpdateItem): void {
    if (this.#done) return
    if (this.#waiter !== undefined) {
      const w = this.#waiter
      this.#waiter = undefined
      w({ value: u, done: false })
      return
    }
    if (this.#buf.length - this.#head >= this.capacity) {
      this.#head++
      this.#dropped++
    }
    this.#buf.push(u)
    if (this.#head > 1024 && this.#head * 2 > this.#buf.length) {
      this.#buf.splice(0, this.#head)
      this.#head = 0
    }
  }

  end(): void {
    if (this.#done) return
    this.#done = true
    const w = this.#waiter
    this.#waiter = undefined
    w?.({ value: undefined, done: true })
  }

  next(): Promise<IteratorResult<UpdateItem>> {
    if (this.#dropped > 0) {
      const dropped = this.#dropped
      this.#dropped = 0
      return Promise.resolve({ value: { _: 'overflow', dropped }, done: false })
    }
    if (this.#head < this.#buf.length) {
      const value = this.#buf[this.#head] as UpdateItem
      this.#head++
      return Promise.resolve({ value, done: false })
    }
    if (this.#done) return Promise.resolve({ value: undefined, done: true })
    if (this.#waiter !== undefined) return Promise.reject(new CancelledError('updates(): one next() at a time'))
    return new Promise((resolve) => {
      this.#waiter = resolve
    })
  }

  return(): Promise<IteratorResult<UpdateItem>> {
    this.end()
    this.#buf.length = 0
    this.#head = 0
    this.onEnd(this)
    return Promise.resolve({ value: undefined, done: true })
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<UpdateItem> {
    return this
  }
}

/** Fans decoded updates out to every current subscriber. */
export class UpdateHub {
  readonly #subs = new Set<Subscriber>()
  #closed = false

  constructor(readonly capacity = DEFAULT_UPDATE_BUFFER) {}

  /** A new subscription; it sees updates published from now on. Ends when the client closes or on `break`. */
  subscribe(): AsyncIterableIterator<UpdateItem> {
    const s = new Subscriber(this.capacity, (x) => this.#subs.delete(x))
    if (this.#closed) s.end()
    else this.#subs.add(s)
    return s
  }

  get subscribers(): number {
    return this.#subs.size
  }

  publish(u: UpdateItem): void {
    for (const s of this.#subs) s.push(u)
  }

  close(): void {
    this.#closed = true
    for (const s of this.#subs) s.end()
    this.#subs.clear()
  }
}
