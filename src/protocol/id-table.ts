/**
 * A map from integer ids to values, for ids handed out mostly in increasing order (request ids): each id lives in
 * the array slot `id & mask`, so a set or delete allocates nothing and the table never shrinks. A V8 Map under the
 * same load (hundreds of ids added, then all removed, again and again) reallocates its hash table on every swing
 * up and down; those tables were a tenth of a pipelined connection's garbage. The few ids that meet an occupied slot
 * go to a small Map beside the array, and the array doubles once it is half full.
 *
 * Spec: none (a data structure of the session; https://core.telegram.org/mtproto/description#session names the
 * requests it indexes).
 */

/** Integer ids to values; iteration is in ascending id order. */
export class IdTable<T> {
  #keys: Float64Array
  #vals: Array<T | undefined>
  #mask: number
  #used = 0
  readonly #spill = new Map<number, T>()

  /** `capacity`: initial slots (rounded up to a power of two, at least 16). */
  constructor(capacity = 64) {
    let n = 16
    while (n < capacity) n *= 2
    this.#keys = new Float64Array(n).fill(Number.NaN)
    this.#vals = new Array<T | undefined>(n).fill(undefined)
    this.#mask = n - 1
  }

  get size(): number {
    return this.#used + this.#spill.size
  }

  get(id: number): T | undefined {
    const i = id & this.#mask
    if (this.#keys[i] === id) return this.#vals[i]
    return this.#spill.size === 0 ? undefined : this.#spill.get(id)
  }

  has(id: number): boolean {
    return this.#keys[id & this.#mask] === id || (this.#spill.size > 0 && this.#spill.has(id))
  }

  set(id: number, value: T): this {
    const i = id & this.#mask
    const k = this.#keys[i]
    if (k === id) {
      this.#vals[i] = value
    } else if (this.#spill.size > 0 && this.#spill.has(id)) {
      this.#spill.set(id, value)
    } else if (Number.isNaN(k)) {
      this.#keys[i] = id
      this.#vals[i] = value
      this.#used++
    } else if (this.size * 2 >= this.#keys.length) {
      this.#grow()
      this.set(id, value)
    } else {
      this.#spill.set(id, value)
    }
    return this
  }

  delete(id: number): boolean {
    const i = id & this.#mask
    if (this.#keys[i] === id) {
      this.#keys[i] = Number.NaN
      this.#vals[i] = undefined
      this.#used--
      return true
    }
    return this.#spill.size > 0 && this.#spill.delete(id)
  }

  clear(): void {
    this.#keys.fill(Number.NaN)
    this.#vals.fill(undefined)
    this.#used = 0
    this.#spill.clear()
  }

  /** The ids, ascending (a copy: the table may change while the caller walks it). */
  keys(): number[] {
    const out: number[] = []
    const keys = this.#keys
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as number
      if (!Number.isNaN(k)) out.push(k)
    }
    for (const k of this.#spill.keys()) out.push(k)
    return out.sort((a, b) => a - b)
  }

  /** The values in ascending id order (a copy). */
  values(): T[] {
    return this.keys().map((k) => this.get(k) as T)
  }

  #grow(): void {
    const keys = this.#keys
    const vals = this.#vals
    const spilled = [...this.#spill]
    const n = keys.length * 2
    this.#keys = new Float64Array(n).fill(Number.NaN)
    this.#vals = new Array<T | undefined>(n).fill(undefined)
    this.#mask = n - 1
    this.#used = 0
    this.#spill.clear()
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as number
      if (!Number.isNaN(k)) this.set(k, vals[i] as T)
    }
    for (const [k, v] of spilled) this.set(k, v)
  }
}
