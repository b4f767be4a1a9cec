/**
 * A FIFO of received byte chunks for the incremental transport decoders: it keeps references to the chunks it is
 * given (no concatenation per push), reads headers across chunk boundaries, and hands out a frame as a zero-copy
 * subarray whenever the frame lies inside one chunk. Only a frame that straddles chunks is copied, once.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports (the byte streams these queues carry).
 */

/** Once this many consumed chunk slots pile up at the head of the array, the array is compacted. */
const COMPACT_AFTER = 64

/**
 * Buffered, not yet consumed input bytes. Pushed chunks are referenced, not copied: callers must not mutate a chunk
 * after pushing it (Node's socket `data` buffers are fresh per event, so this holds for the connection driver).
 */
export class ByteQueue {
  #chunks: Uint8Array[] = []
  #head = 0
  #offset = 0
  #length = 0

  /** Number of buffered bytes. */
  get length(): number {
    return this.#length
  }

  /** Appends a chunk (by reference). Empty chunks are ignored. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return
    this.#chunks.push(chunk)
    this.#length += chunk.length
  }

  /** The byte at position `i` of the buffered data; the caller guarantees `i < length`. */
  byteAt(i: number): number {
    let idx = this.#head
    let pos = this.#offset + i
    for (;;) {
      const c = this.#chunks[idx]
      if (c === undefined) return 0
      if (pos < c.length) return c[pos] ?? 0
      pos -= c.length
      idx++
    }
  }

  /** Little-endian uint32 at position `i` (the caller guarantees `i + 4 <= length`). */
  u32le(i: number): number {
    const first = this.#chunks[this.#head]
    const p = this.#offset + i
    if (first !== undefined && p + 4 <= first.length) {
      return ((first[p] ?? 0) | ((first[p + 1] ?? 0) << 8) | ((first[p + 2] ?? 0) << 16) | ((first[p + 3] ?? 0) << 24)) >>> 0
    }
    return (this.byteAt(i) | (this.byteAt(i + 1) << 8) | (this.byteAt(i + 2) << 16) | (this.byteAt(i + 3) << 24)) >>> 0
  }

  /** Big-endian uint32 at position `i` (the caller guarantees `i + 4 <= length`). */
  u32be(i: number): number {
    return ((this.byteAt(i) << 24) | (this.byteAt(i + 1) << 16) | (this.byteAt(i + 2) << 8) | this.byteAt(i + 3)) >>> 0
  }

  /** A copy of the first `n` bytes, left in the queue (the caller guarantees `n <= length`; meant for short headers). */
  peek(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = this.byteAt(i)
    return out
  }

  /** Removes `n` bytes from the front (the caller guarantees `n <= length`). */
  skip(n: number): void {
    this.#length -= n
    while (n > 0) {
      const c = this.#chunks[this.#head]
      if (c === undefined) break
      const avail = c.length - this.#offset
      if (n < avail) {
        this.#offset += n
        return
      }
      n -= avail
      this.#dropHead()
    }
  }

  /**
   * Removes and returns the first `n` bytes (the caller guarantees `n <= length`): a subarray of the pushed chunk when
   * the bytes lie in one chunk, otherwise one fresh copy.
   */
  read(n: number): Uint8Array {
    const first = this.#chunks[this.#head]
    if (first === undefined || n === 0) return new Uint8Array(0)
    if (this.#offset + n <= first.length) {
      const out = first.subarray(this.#offset, this.#offset + n)
      this.skip(n)
      return out
    }
    const out = new Uint8Array(n)
    let filled = 0
    while (filled < n) {
      const c = this.#chunks[this.#head]
      if (c === undefined) break
      const take = Math.min(n - filled, c.length - this.#offset)
      out.set(c.subarray(this.#offset, this.#offset + take), filled)
      filled += take
      this.#length -= take
      if (this.#offset + take === c.length) this.#dropHead()
      else this.#offset += take
    }
    return out
  }

  /** Removes and returns everything buffered (zero-copy when a single chunk remains). */
  readAll(): Uint8Array {
    return this.read(this.#length)
  }

  /** Drops all buffered bytes. */
  clear(): void {
    this.#chunks = []
    this.#head = 0
    this.#offset = 0
    this.#length = 0
  }

  #dropHead(): void {
    this.#chunks[this.#head] = EMPTY
    this.#head++
    this.#offset = 0
    if (this.#head === this.#chunks.length) {
      this.#chunks = []
      this.#head = 0
    } else if (this.#head >= COMPACT_AFTER) {
      this.#chunks = this.#chunks.slice(this.#head)
      this.#head = 0
    }
  }
}

const EMPTY = new Uint8Array(0)
