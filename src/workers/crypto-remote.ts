/**
 * The DC actor's end of a crypto pool port: an {@link AsyncCryptoProvider} inside a worker thread whose large
 * AES-IGE jobs and PBKDF2 run on the coordinator's pool (see crypto-port-server.ts), while hashes, random bytes and
 * small IGE jobs run on the worker's own thread. Inputs are copied once into a buffer of their own and transferred;
 * results come back transferred. Loads nothing of piscina: safe to import in a lean worker.
 *
 * Spec: https://core.telegram.org/mtproto/description (AES-256-IGE), https://core.telegram.org/api/srp (PBKDF2).
 */
import type { MessagePort } from 'node:worker_threads'
import { CancelledError, deserializeError, InternalError } from '../errors.js'
import { type AsyncCryptoProvider, createInThreadAsyncProvider, defaultPoolThreshold, type OpenedMessage } from '../protocol/crypto/async-provider.js'
import { checkIge } from '../protocol/crypto/check.js'
import { checkMessageFrame, openMessageInPlace, sealMessageInPlace } from '../protocol/crypto/message-pooled.js'
import type { CryptoProvider } from '../protocol/crypto/provider.js'
import type { PoolPortRequest, PoolPortResponse } from './crypto-port-messages.js'
import type { CryptoTask } from './crypto-tasks.js'

/** Options of {@link RemotePoolProvider}. */
export interface RemotePoolOptions {
  /** This thread's provider, for hashes, random bytes and small IGE jobs. */
  readonly inline: CryptoProvider
  /** IGE payloads of at least this many bytes go through the port (default {@link defaultPoolThreshold}(inline)). */
  readonly threshold?: number
}

/** Counters for tests. */
export interface RemotePoolStats {
  /** Jobs sent through the port. */
  pooled: number
  /** IGE jobs done on this thread. */
  inline: number
  /** Pool thread ids that ran this provider's jobs. */
  readonly threads: Set<number>
}

interface Waiter {
  resolve(res: { out: Uint8Array; msgKey?: Uint8Array }): void
  reject(err: Error): void
}

/** An async crypto provider whose heavy jobs run on the coordinator's pool, reached through a MessagePort. */
export class RemotePoolProvider implements AsyncCryptoProvider {
  readonly name: string
  readonly stats: RemotePoolStats = { pooled: 0, inline: 0, threads: new Set() }
  readonly #port: MessagePort
  readonly #inline: CryptoProvider
  readonly #inlineAsync: AsyncCryptoProvider
  readonly #threshold: number
  readonly #waiting = new Map<number, Waiter>()
  #nextId = 1
  #closed = false

  constructor(port: MessagePort, opts: RemotePoolOptions) {
    this.#port = port
    this.#inline = opts.inline
    this.#inlineAsync = createInThreadAsyncProvider(opts.inline)
    this.#threshold = opts.threshold ?? defaultPoolThreshold(opts.inline)
    this.name = `remote-pool(${opts.inline.name})`
    port.on('message', (msg: PoolPortResponse) => this.#onMessage(msg))
    port.once('close', () => this.#shut('crypto pool port closed'))
    // Referenced only while jobs are in flight, so an idle provider never keeps its thread alive.
    port.unref()
  }

  /** Jobs sent and not yet answered. */
  get inFlight(): number {
    return this.#waiting.size
  }

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
    if (!Number.isInteger(iterations) || iterations < 1) return this.#inline.pbkdf2Sha512(password, salt, iterations)
    return (await this.#send({ op: 'pbkdf2-sha512', password: password.slice(), salt: salt.slice(), iterations }, [])).out
  }

  /** A whole outgoing message (message-pooled.ts) on a copy of `frame`: on the pool from the threshold up. */
  async sealMessage(frame: Uint8Array, keys: Uint8Array): Promise<Uint8Array> {
    const n = checkMessageFrame(frame, keys, true)
    const buf = copyOwned(frame)
    if (n < this.#threshold) {
      this.stats.inline++
      return sealMessageInPlace(this.#inline, buf, keys)
    }
    return (await this.#send({ op: 'msg-seal', frame: buf, keys: keys.slice() }, [buf.buffer as ArrayBuffer])).out
  }

  /** A whole received message (message-pooled.ts) on a copy of `frame`: on the pool from the threshold up. */
  async openMessage(frame: Uint8Array, keys: Uint8Array): Promise<OpenedMessage> {
    const n = checkMessageFrame(frame, keys, false)
    const buf = copyOwned(frame)
    if (n < this.#threshold) {
      this.stats.inline++
      return { msgKey: openMessageInPlace(this.#inline, buf, keys), frame: buf }
    }
    const res = await this.#send({ op: 'msg-open', frame: buf, keys: keys.slice() }, [buf.buffer as ArrayBuffer])
    if (res.msgKey === undefined) throw new InternalError('crypto pool answered msg-open without a msg_key')
    return { frame: res.out, msgKey: res.msgKey }
  }

  igeEncrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Promise<Uint8Array> {
    return this.#ige('ige-encrypt', data, key, iv)
  }
  igeDecrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Promise<Uint8Array> {
    return this.#ige('ige-decrypt', data, key, iv)
  }

  /** Rejects pending jobs with CancelledError and closes the port. */
  close(): void {
    this.#shut('crypto pool provider closed')
    this.#port.close()
  }

  async #ige(op: 'ige-encrypt' | 'ige-decrypt', data: Uint8Array, key: Uint8Array, iv: Uint8Array): Promise<Uint8Array> {
    checkIge(data, key, iv)
    if (data.length < this.#threshold) {
      this.stats.inline++
      return op === 'ige-encrypt' ? this.#inline.igeEncrypt(data, key, iv) : this.#inline.igeDecrypt(data, key, iv)
    }
    const buf = copyOwned(data)
    return (await this.#send({ op, data: buf, key: key.slice(), iv: iv.slice() }, [buf.buffer as ArrayBuffer])).out
  }

  #send(task: CryptoTask, transfer: ArrayBuffer[]): Promise<{ out: Uint8Array; msgKey?: Uint8Array }> {
    if (this.#closed) return Promise.reject(new CancelledError('crypto pool port closed'))
    const id = this.#nextId++
    this.stats.pooled++
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject })
      if (this.#waiting.size === 1) this.#port.ref()
      const req: PoolPortRequest = { id, task }
      this.#port.postMessage(req, transfer)
    })
  }

  #onMessage(msg: PoolPortResponse): void {
    const w = this.#waiting.get(msg.id)
    if (w === undefined) return
    this.#waiting.delete(msg.id)
    if (this.#waiting.size === 0) this.#port.unref()
    if (msg.ok) {
      this.stats.threads.add(msg.threadId)
      w.resolve(msg.msgKey !== undefined ? { out: msg.out, msgKey: msg.msgKey } : { out: msg.out })
    } else {
      w.reject(deserializeError(msg.error))
    }
  }

  #shut(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    const waiting = [...this.#waiting.values()]
    this.#waiting.clear()
    this.#port.unref()
    for (const w of waiting) w.reject(new CancelledError(reason))
  }
}

/** A copy of `src` in an ArrayBuffer of its own (transferable without moving anything else). */
function copyOwned(src: Uint8Array): Uint8Array {
  const buf = new Uint8Array(new ArrayBuffer(src.length))
  buf.set(src)
  return buf
}
