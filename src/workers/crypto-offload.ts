/**
 * The part every offloading crypto provider shares: hashes and small jobs on the caller's thread, AES-IGE and whole
 * MTProto messages from a size threshold up handed to a thread elsewhere, with the same argument checks (and typed
 * errors) as the inline provider. Subclasses only say how a task reaches its thread: {@link CryptoPool} through
 * piscina, {@link RemotePoolProvider} through a MessagePort to the coordinator's pool.
 *
 * Spec: https://core.telegram.org/mtproto/description (AES-256-IGE, msg_key), https://core.telegram.org/api/srp
 * (PBKDF2).
 */
import { deserializeError, InternalError } from '../errors.js'
import { type AsyncCryptoProvider, createInThreadAsyncProvider, defaultPoolThreshold, type OpenedMessage } from '../protocol/crypto/async-provider.js'
import { checkIge } from '../protocol/crypto/check.js'
import { checkMessageFrame, openMessageInPlace, sealMessageInPlace } from '../protocol/crypto/message-pooled.js'
import type { CryptoProvider } from '../protocol/crypto/provider.js'
import type { CryptoTask, CryptoTaskResult } from './crypto-tasks.js'

/** Counters for tests and benches. */
export interface OffloadStats {
  /** Jobs sent to another thread. */
  pooled: number
  /** Jobs done on the caller's thread. */
  inline: number
  /** Of `pooled`: whole MTProto messages (sealMessage/openMessage: msg_key hashed on the thread too). */
  messages: number
  /** Thread ids that ran pooled jobs. */
  readonly threads: Set<number>
}

/** Base of the offloading providers; see the module comment. */
export abstract class OffloadingProvider implements AsyncCryptoProvider {
  abstract readonly name: string
  readonly stats: OffloadStats = { pooled: 0, inline: 0, messages: 0, threads: new Set() }
  protected readonly inline: CryptoProvider
  readonly #inlineAsync: AsyncCryptoProvider
  readonly #threshold: number

  constructor(inline: CryptoProvider, threshold: number | undefined) {
    this.inline = inline
    this.#inlineAsync = createInThreadAsyncProvider(inline)
    this.#threshold = threshold ?? defaultPoolThreshold(inline)
  }

  /** Hands a task (its buffers owned and listed in `transfer`) to a thread; failures come back as data. */
  protected abstract dispatch(task: CryptoTask, transfer: ArrayBuffer[]): Promise<CryptoTaskResult>

  // Hashes of protocol-sized inputs cost less than a thread hop: always inline.
  sha1(...parts: Uint8Array[]): Promise<Uint8Array> {
    return this.#inlineAsync.sha1(...parts)
  }
  sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
    return this.#inlineAsync.sha256(...parts)
  }
  hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Promise<Uint8Array> {
    return this.#inlineAsync.hmacSha256(key, ...parts)
  }
  randomBytes(length: number): Promise<Uint8Array> {
    return this.#inlineAsync.randomBytes(length)
  }

  async pbkdf2Sha512(password: Uint8Array, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
    // Validate on this thread so bad arguments fail the same way as with the inline provider.
    if (!Number.isInteger(iterations) || iterations < 1) return this.inline.pbkdf2Sha512(password, salt, iterations)
    return (await this.#run({ op: 'pbkdf2-sha512', password: owned(password), salt: owned(salt), iterations }, [])).out
  }

  igeEncrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Promise<Uint8Array> {
    return this.#ige('ige-encrypt', data, key, iv)
  }
  igeDecrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Promise<Uint8Array> {
    return this.#ige('ige-decrypt', data, key, iv)
  }

  /** A whole outgoing message's msg_key, key derivation and AES-IGE (message-pooled.ts) on a copy of `frame`. */
  async sealMessage(frame: Uint8Array, keys: Uint8Array): Promise<Uint8Array> {
    const n = checkMessageFrame(frame, keys, true)
    const buf = owned(frame)
    if (n < this.#threshold) {
      this.stats.inline++
      return sealMessageInPlace(this.inline, buf, keys)
    }
    return (await this.#run({ op: 'msg-seal', frame: buf, keys }, [buf.buffer as ArrayBuffer])).out
  }

  /** A whole received message's AES-IGE and msg_key recomputation (message-pooled.ts) on a copy of `frame`. */
  async openMessage(frame: Uint8Array, keys: Uint8Array): Promise<OpenedMessage> {
    const n = checkMessageFrame(frame, keys, false)
    const buf = owned(frame)
    if (n < this.#threshold) {
      this.stats.inline++
      return { msgKey: openMessageInPlace(this.inline, buf, keys), frame: buf }
    }
    const res = await this.#run({ op: 'msg-open', frame: buf, keys }, [buf.buffer as ArrayBuffer])
    if (res.msgKey === undefined) throw new InternalError('pool thread answered msg-open without a msg_key')
    return { frame: res.out, msgKey: res.msgKey }
  }

  /** Sends a task whatever its size, counting it; resolves with the thread's answer (failures as data). */
  protected async post(task: CryptoTask, transfer: ArrayBuffer[]): Promise<CryptoTaskResult> {
    this.stats.pooled++
    if (task.op === 'msg-seal' || task.op === 'msg-open') this.stats.messages++
    const res = await this.dispatch(task, transfer)
    if (res.ok) this.stats.threads.add(res.threadId)
    return res
  }

  async #ige(op: 'ige-encrypt' | 'ige-decrypt', data: Uint8Array, key: Uint8Array, iv: Uint8Array): Promise<Uint8Array> {
    checkIge(data, key, iv)
    if (data.length < this.#threshold) {
      this.stats.inline++
      return op === 'ige-encrypt' ? this.inline.igeEncrypt(data, key, iv) : this.inline.igeDecrypt(data, key, iv)
    }
    const buf = owned(data)
    return (await this.#run({ op, data: buf, key, iv }, [buf.buffer as ArrayBuffer])).out
  }

  async #run(task: CryptoTask, transfer: ArrayBuffer[]): Promise<Extract<CryptoTaskResult, { ok: true }>> {
    const res = await this.post(task, transfer)
    if (!res.ok) throw deserializeError(res.error)
    return res
  }
}

/** A copy of `src` in an ArrayBuffer of its own (transferable without moving anything else). */
export function owned(src: Uint8Array): Uint8Array {
  const buf = new Uint8Array(new ArrayBuffer(src.length))
  buf.set(src)
  return buf
}
