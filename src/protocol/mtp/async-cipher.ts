/**
 * The asynchronous crypto step of the session path: large encrypted messages have their size-proportional crypto
 * done by an {@link AsyncCryptoProvider} (the worker pool) while small ones stay synchronous, and frames still leave
 * in the order the session produced them (msg_id order) and reach the session in the order they arrived.
 *
 * Spec: https://core.telegram.org/mtproto/description#encrypted-message (layout; the size-proportional work is
 * msg_key's SHA-256 over the plaintext and the AES-IGE), https://core.telegram.org/mtproto/security_guidelines (every
 * receiving check still runs on the session's thread).
 *
 * How it plugs in without changing the session: the session is given a {@link DeferringCipher} as its cipher. For a
 * message of at least `threshold` plaintext bytes its `encrypt` returns an unfinished frame and remembers the job:
 * - 'whole' (the provider has `sealMessage`/`openMessage`, as the pool does): the frame holds the plaintext and a
 *   zero msg_key; the provider computes msg_key, derives the key and encrypts, all off this thread;
 * - 'ige' (any provider): msg_key and the key are computed here, only the AES-IGE runs on the provider.
 * {@link OutgoingFrames} finishes the jobs and releases frames strictly in order. Incoming, {@link IncomingFrames} has
 * the provider decrypt a large frame (and, in 'whole' mode, recompute its msg_key) and hands the frame to the session
 * in arrival order; the cipher's `decrypt` then uses that plaintext instead of decrypting again, compares msg_key in
 * constant time and runs every other check.
 *
 * Sans-IO: no timers or threads here, only Promises from the provider. A failed asynchronous job (the pool closed or
 * a worker died) falls back to the synchronous provider, so a frame is never lost or reordered because of the pool.
 */
import { type AsyncCryptoProvider, defaultPoolThreshold } from '../crypto/async-provider.js'
import type { Sender } from '../crypto/kdf.js'
import { type DecryptOptions, type DecryptedMessage, type EncryptOptions, MessageCipher, type PlainMessage, type SealedMessage } from '../crypto/message.js'
import { messageKeys, sealMessageInPlace } from '../crypto/message-pooled.js'
import type { CryptoProvider } from '../crypto/provider.js'

export { DEFAULT_POOL_THRESHOLD, defaultPoolThreshold, PORTABLE_POOL_THRESHOLD } from '../crypto/async-provider.js'


/** Bytes of auth_key_id + msg_key before the ciphertext. */
const ENVELOPE = 24

/** Counters for tests and benches. */
export interface AsyncCipherStats {
  /** Messages whose AES-IGE went to the async provider (both directions). */
  pooled: number
  /** Jobs the provider failed; they were done synchronously instead. */
  fallbacks: number
}

/**
 * A {@link MessageCipher} that leaves the AES-IGE of large outgoing messages to {@link OutgoingFrames} and accepts
 * plaintexts decrypted by {@link IncomingFrames}. Give it to the session as its `cipher`.
 */
export class DeferringCipher extends MessageCipher {
  /** Plaintext bytes (header + body + padding) from which the AES-IGE is deferred. */
  readonly threshold: number
  /**
   * Whether msg_key's SHA-256 and the key derivation are deferred too (the provider has `sealMessage` and
   * `openMessage`): a large message then costs this thread only the copy of its body.
   */
  readonly wholeMessage: boolean
  readonly stats: AsyncCipherStats = { pooled: 0, fallbacks: 0 }
  /** The synchronous provider (fallback when an asynchronous job fails). */
  readonly sync: CryptoProvider
  /** The auth key material of each direction for message-pooled.ts. */
  readonly keys: Readonly<Record<Sender, Uint8Array>>
  readonly #sealed = new WeakMap<Uint8Array, DeferredJob>()
  readonly #opened = new WeakMap<Uint8Array, { plaintext: Uint8Array; msgKey?: Uint8Array }>()

  /** `threshold` defaults to the measured one for `crypto` ({@link defaultPoolThreshold}). */
  constructor(crypto: CryptoProvider, authKey: Uint8Array, threshold?: number, opts: { wholeMessage?: boolean } = {}) {
    super(crypto, authKey)
    this.sync = crypto
    this.threshold = Math.max(16, threshold ?? defaultPoolThreshold(crypto))
    this.wholeMessage = opts.wholeMessage === true
    this.keys = { client: messageKeys(authKey, 'client'), server: messageKeys(authKey, 'server') }
  }

  /** Small messages are encrypted now; large ones come back pending (see {@link takeSealed}). */
  override encrypt(msg: PlainMessage, opts: EncryptOptions): Uint8Array {
    // 32 header bytes + body + at least 12 bytes of padding: the smallest plaintext this message can have.
    if (32 + msg.body.length + 12 < this.threshold) return super.encrypt(msg, opts)
    if (this.wholeMessage) {
      const frame = this.plainFrame(msg, opts)
      this.#sealed.set(frame, { kind: 'whole', frame, sender: opts.sender })
      return frame
    }
    const sealed = this.seal(msg, opts)
    this.#sealed.set(sealed.frame, { kind: 'ige', sealed })
    return sealed.frame
  }

  /** The pending job of a frame {@link encrypt} returned unfinished (once), else undefined. */
  takeSealed(frame: Uint8Array): DeferredJob | undefined {
    const s = this.#sealed.get(frame)
    if (s !== undefined) this.#sealed.delete(frame)
    return s
  }

  /**
   * Records the asynchronously decrypted ciphertext of `data` (and, when computed there, its msg_key) for the next
   * {@link decrypt} of it.
   */
  setOpened(data: Uint8Array, plaintext: Uint8Array, msgKey?: Uint8Array): void {
    this.#opened.set(data, msgKey !== undefined ? { plaintext, msgKey } : { plaintext })
  }

  override decrypt(data: Uint8Array, opts: DecryptOptions): DecryptedMessage {
    const opened = this.#opened.get(data)
    if (opened === undefined) return super.decrypt(data, opts)
    this.#opened.delete(data)
    const pre = opened.msgKey !== undefined ? { plaintext: opened.plaintext, plaintextMsgKey: opened.msgKey } : { plaintext: opened.plaintext }
    return super.decrypt(data, { ...opts, ...pre })
  }
}

/**
 * A message {@link DeferringCipher.encrypt} left unfinished: only its AES-IGE ('ige': msg_key and key/iv computed
 * here), or everything size-proportional ('whole': the frame holds the plaintext and a zero msg_key).
 */
export type DeferredJob = { readonly kind: 'ige'; readonly sealed: SealedMessage } | { readonly kind: 'whole'; readonly frame: Uint8Array; readonly sender: Sender }

/**
 * Delivers values in push order although some become ready later. `reset` drops everything queued (the socket is
 * gone); values that complete afterwards are discarded.
 */
class OrderedQueue<T> {
  readonly #deliver: (values: T[]) => void
  #slots: Array<{ ready: boolean; value: T | undefined }> = []
  #head = 0
  #epoch = 0

  constructor(deliver: (values: T[]) => void) {
    this.#deliver = deliver
  }

  /** Slots queued and not yet delivered. */
  get length(): number {
    return this.#slots.length - this.#head
  }

  /** Queues ready values and pending ones, then delivers the ready prefix. */
  push(items: ReadonlyArray<T | Promise<T>>): void {
    const epoch = this.#epoch
    for (const item of items) {
      if (item instanceof Promise) {
        const slot: { ready: boolean; value: T | undefined } = { ready: false, value: undefined }
        this.#slots.push(slot)
        void item.then((v) => {
          if (epoch !== this.#epoch) return
          slot.ready = true
          slot.value = v
          this.#drain()
        })
      } else {
        this.#slots.push({ ready: true, value: item })
      }
    }
    this.#drain()
  }

  reset(): void {
    this.#epoch++
    this.#slots = []
    this.#head = 0
  }

  #drain(): void {
    const out: T[] = []
    const slots = this.#slots
    while (this.#head < slots.length) {
      const s = slots[this.#head]
      if (s === undefined || !s.ready) break
      out.push(s.value as T)
      slots[this.#head] = { ready: true, value: undefined }
      this.#head++
    }
    if (this.#head === slots.length) {
      this.#slots = []
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > slots.length) {
      this.#slots = slots.slice(this.#head)
      this.#head = 0
    }
    if (out.length > 0) this.#deliver(out)
  }
}

/**
 * The outgoing half: takes the session's flushed payloads and hands them to `write` in the same order, sealed ones
 * once their AES-IGE is done. A small frame behind a pending large one waits for it.
 */
export class OutgoingFrames {
  readonly #cipher: DeferringCipher
  readonly #provider: AsyncCryptoProvider
  readonly #queue: OrderedQueue<Uint8Array>

  constructor(cipher: DeferringCipher, provider: AsyncCryptoProvider, write: (payloads: Uint8Array[]) => void) {
    this.#cipher = cipher
    this.#provider = provider
    this.#queue = new OrderedQueue(write)
  }

  /** Frames waiting (for their own job or for an earlier one). */
  get pending(): number {
    return this.#queue.length
  }

  /** Queues the payloads of one {@link ClientSession.flush}; ready ones are written at once when nothing waits. */
  push(payloads: readonly Uint8Array[]): void {
    if (payloads.length === 0) return
    this.#queue.push(payloads.map((p) => this.#finish(p)))
  }

  /** Drops every queued frame (the socket closed; the session resends what was unanswered on the next one). */
  reset(): void {
    this.#queue.reset()
  }

  #finish(frame: Uint8Array): Uint8Array | Promise<Uint8Array> {
    const deferred = this.#cipher.takeSealed(frame)
    if (deferred === undefined) return frame
    const stats = this.#cipher.stats
    const sync = this.#cipher.sync
    if (deferred.kind === 'whole') {
      const keys = this.#cipher.keys[deferred.sender]
      const provider = this.#provider
      if (provider.sealMessage === undefined) return sealMessageInPlace(sync, frame, keys)
      stats.pooled++
      return provider.sealMessage(frame, keys).then(
        (sealed) => sealed,
        () => {
          stats.fallbacks++
          return sealMessageInPlace(sync, frame, keys)
        },
      )
    }
    const job = deferred.sealed
    stats.pooled++
    return this.#provider.igeEncrypt(job.plain, job.key, job.iv).then(
      (enc) => {
        job.plain.set(enc)
        return frame
      },
      () => {
        stats.fallbacks++
        this.#cipher.sync.igeEncrypt(job.plain, job.key, job.iv, job.plain)
        return frame
      },
    )
  }
}

/**
 * The incoming half: takes received transport payloads and hands them to `deliver` in arrival order; large ones are
 * first decrypted by the provider (the cipher then only checks them).
 */
export class IncomingFrames {
  readonly #cipher: DeferringCipher
  readonly #provider: AsyncCryptoProvider
  readonly #sender: Sender
  readonly #queue: OrderedQueue<Uint8Array>

  /** `sender`: who sent what we receive ('server' on a client). */
  constructor(cipher: DeferringCipher, provider: AsyncCryptoProvider, deliver: (payloads: Uint8Array[]) => void, sender: Sender = 'server') {
    this.#cipher = cipher
    this.#provider = provider
    this.#sender = sender
    this.#queue = new OrderedQueue(deliver)
  }

  /** Payloads waiting (for their own job or for an earlier one). */
  get pending(): number {
    return this.#queue.length
  }

  /** Queues received payloads; small ones behind nothing are delivered at once. */
  push(payloads: readonly Uint8Array[]): void {
    if (payloads.length === 0) return
    this.#queue.push(payloads.map((p) => this.#open(p)))
  }

  /** Drops every queued payload (the socket closed). */
  reset(): void {
    this.#queue.reset()
  }

  #open(data: Uint8Array): Uint8Array | Promise<Uint8Array> {
    const cipherLen = data.length - ENVELOPE
    if (cipherLen < this.#cipher.threshold) return data
    // Whole blocks only (the padded transport may append up to 15 bytes; the cipher decides whether they are allowed).
    const usable = cipherLen - (cipherLen % 16)
    const stats = this.#cipher.stats
    const provider = this.#provider
    if (this.#cipher.wholeMessage && provider.openMessage !== undefined) {
      stats.pooled++
      return provider.openMessage(data, this.#cipher.keys[this.#sender]).then(
        (opened) => {
          this.#cipher.setOpened(data, opened.frame.subarray(ENVELOPE, ENVELOPE + usable), opened.msgKey)
          return data
        },
        () => {
          stats.fallbacks++
          return data
        },
      )
    }
    const kv = this.#cipher.openingKey(data, this.#sender)
    if (kv === undefined) return data
    stats.pooled++
    return this.#provider.igeDecrypt(data.subarray(ENVELOPE, ENVELOPE + usable), kv.key, kv.iv).then(
      (plain) => {
        this.#cipher.setOpened(data, plain)
        return data
      },
      () => {
        // The session's own decrypt runs the synchronous AES-IGE instead.
        stats.fallbacks++
        return data
      },
    )
  }
}
