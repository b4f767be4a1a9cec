/**
 * A tiny builder for TLS handshake bytes with nested length scopes (2-byte or 3-byte big-endian lengths that are
 * filled in when the scope closes). Used to lay out the FakeTLS hellos.
 *
 * Spec: https://www.rfc-editor.org/rfc/rfc8446#section-4 (handshake message layout),
 * https://core.telegram.org/mtproto/mtproto-transports#mtproxy (FakeTLS).
 */

/** Appends bytes and tracks open length scopes. */
export class TlsWriter {
  #buf = new Uint8Array(1024)
  #pos = 0
  readonly #scopes: Array<{ at: number; size: 2 | 3 }> = []

  /** Bytes written so far. */
  get length(): number {
    return this.#pos
  }

  #reserve(n: number): void {
    if (this.#pos + n <= this.#buf.length) return
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#pos + n))
    next.set(this.#buf.subarray(0, this.#pos))
    this.#buf = next
  }

  /** Appends raw bytes. */
  bytes(data: ArrayLike<number>): this {
    this.#reserve(data.length)
    this.#buf.set(data, this.#pos)
    this.#pos += data.length
    return this
  }

  /** Appends a big-endian uint16. */
  u16(v: number): this {
    return this.bytes([(v >>> 8) & 0xff, v & 0xff])
  }

  /** Appends `n` zero bytes. */
  zeros(n: number): this {
    this.#reserve(n)
    this.#buf.fill(0, this.#pos, this.#pos + n)
    this.#pos += n
    return this
  }

  /** Opens a length scope of `size` bytes; {@link close} writes the length of what was appended since. */
  open(size: 2 | 3 = 2): this {
    this.#scopes.push({ at: this.#pos, size })
    return this.zeros(size)
  }

  /** Closes the innermost scope. */
  close(): this {
    const s = this.#scopes.pop()
    if (s === undefined) return this
    const len = this.#pos - s.at - s.size
    if (s.size === 3) this.#buf[s.at] = (len >>> 16) & 0xff
    this.#buf[s.at + s.size - 2] = (len >>> 8) & 0xff
    this.#buf[s.at + s.size - 1] = len & 0xff
    return this
  }

  /** The bytes written (a copy). */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#pos)
  }
}
