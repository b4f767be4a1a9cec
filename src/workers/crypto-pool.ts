/**
 * The crypto pool: an {@link AsyncCryptoProvider} backed by piscina worker threads for the heavy work (AES-256-IGE
 * of large payloads, PBKDF2), with small jobs done inline on the caller's thread where a thread hop would cost more
 * than the work. Inputs are copied once into a buffer the task owns, transferred to the worker, processed in place
 * and transferred back: no other copy crosses the boundary. The pool never blocks its caller.
 *
 * Spec: https://core.telegram.org/mtproto/description (AES-256-IGE), https://core.telegram.org/api/srp (PBKDF2).
 */
import { availableParallelism } from 'node:os'
import { Piscina } from 'piscina'
import { deserializeError, InternalError, serializeError } from '../errors.js'
import {
  type AsyncCryptoProvider,
  createInThreadAsyncProvider,
  DEFAULT_POOL_THRESHOLD,
  defaultPoolThreshold,
  type OpenedMessage,
} from '../protocol/crypto/async-provider.js'
import { checkMessageFrame, openMessageInPlace, sealMessageInPlace } from '../protocol/crypto/message-pooled.js'
import { checkIge } from '../protocol/crypto/check.js'
import type { CryptoProvider } from '../protocol/crypto/provider.js'
import type { CryptoTask, CryptoTaskResult } from './crypto-tasks.js'
import { workerFile } from './worker-file.js'

export { DEFAULT_POOL_THRESHOLD, defaultPoolThreshold }

/** Options of {@link CryptoPool}. */
export interface CryptoPoolOptions {
  /** The in-thread provider for small jobs and hashes. */
  readonly inline: CryptoProvider
  /** Worker threads; default: the machine's available parallelism. */
  readonly threads?: number
  /** IGE payloads of at least this many bytes go to the pool; default {@link defaultPoolThreshold}(inline). */
  readonly threshold?: number
}

/** Counters for tests and benches. */
export interface CryptoPoolStats {
  /** Jobs sent to pool threads. */
  pooled: number
  /** Jobs done inline. */
  inline: number
  /** Of `pooled`: whole MTProto messages (sealMessage/openMessage: msg_key hashed on the thread too). */
  messages: number
  /** Thread ids that ran pooled jobs. */
  readonly threads: Set<number>
}

/** An async crypto provider that spreads large jobs over worker threads. */
export class CryptoPool implements AsyncCryptoProvider {
  readonly name: string
  readonly stats: CryptoPoolStats = { pooled: 0, inline: 0, messages: 0, threads: new Set() }
  readonly #inline: CryptoProvider
  readonly #inlineAsync: AsyncCryptoProvider
  readonly #threshold: number
  readonly #pool: Piscina<CryptoTask, CryptoTaskResult>

  constructor(opts: CryptoPoolOptions) {
    this.#inline = opts.inline
    this.#inlineAsync = createInThreadAsyncProvider(opts.inline)
    this.#threshold = opts.threshold ?? defaultPoolThreshold(opts.inline)
    const threads = Math.max(1, opts.threads ?? availableParallelism())
    const file = workerFile('crypto-worker')
    this.#pool = new Piscina({
      filename: file.filename,
      execArgv: [...inheritableExecArgv(process.execArgv), ...file.execArgv],
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: 5_000,
    })
    this.name = `pool(${threads}x ${opts.inline.name})`
  }

  /** Threads the pool may use. */
  get threads(): number {
    return this.#pool.options.maxThreads
  }

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
    if (!Number.isInteger(iterations) || iterations < 1) return this.#inline.pbkdf2Sha512(password, salt, iterations)
    return this.#run({ op: 'pbkdf2-sha512', password: owned(password), salt: owned(salt), iterations }, [])
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
      return sealMessageInPlace(this.#inline, buf, keys)
    }
    const res = await this.#post({ op: 'msg-seal', frame: buf, keys }, [buf.buffer as ArrayBuffer])
    if (!res.ok) throw deserializeError(res.error)
    return res.out
  }

  /** A whole received message's AES-IGE and msg_key recomputation (message-pooled.ts) on a copy of `frame`. */
  async openMessage(frame: Uint8Array, keys: Uint8Array): Promise<OpenedMessage> {
    const n = checkMessageFrame(frame, keys, false)
    const buf = owned(frame)
    if (n < this.#threshold) {
      this.stats.inline++
      return { msgKey: openMessageInPlace(this.#inline, buf, keys), frame: buf }
    }
    const res = await this.#post({ op: 'msg-open', frame: buf, keys }, [buf.buffer as ArrayBuffer])
    if (!res.ok) throw deserializeError(res.error)
    if (res.msgKey === undefined) throw new InternalError('pool thread answered msg-open without a msg_key')
    return { frame: res.out, msgKey: res.msgKey }
  }

  /**
   * Runs one task on a pool thread whatever its size (never inline: a caller that already chose the pool, such as a
   * worker actor through {@link servePoolPort}, must not have the job land on this thread). Takes ownership of the
   * task's buffers (transferred, detached afterwards) and resolves with the worker's answer; failures come back as
   * data, never as a rejection. Validates first, so bad arguments fail here with the provider's typed errors.
   */
  async runTask(task: CryptoTask): Promise<CryptoTaskResult> {
    try {
      if (task.op === 'pbkdf2-sha512') {
        if (!Number.isInteger(task.iterations) || task.iterations < 1) this.#inline.pbkdf2Sha512(task.password, task.salt, task.iterations)
        const t = { ...task, password: ownedOrSelf(task.password), salt: ownedOrSelf(task.salt) }
        return await this.#post(t, [])
      }
      if (task.op === 'ige-encrypt' || task.op === 'ige-decrypt') {
        checkIge(task.data, task.key, task.iv)
        const data = ownedOrSelf(task.data)
        return await this.#post({ ...task, data }, [data.buffer as ArrayBuffer])
      }
      // (the compiler does not narrow the union after the returns above)
      const msg = task as Extract<CryptoTask, { op: 'msg-seal' | 'msg-open' }>
      checkMessageFrame(msg.frame, msg.keys, msg.op === 'msg-seal')
      const frame = ownedOrSelf(msg.frame)
      return await this.#post({ ...msg, frame }, [frame.buffer as ArrayBuffer])
    } catch (err) {
      return { ok: false, error: serializeError(err) }
    }
  }

  /** Stops the threads; pending jobs reject. */
  async close(): Promise<void> {
    await this.#pool.destroy()
  }

  async #ige(op: 'ige-encrypt' | 'ige-decrypt', data: Uint8Array, key: Uint8Array, iv: Uint8Array): Promise<Uint8Array> {
    checkIge(data, key, iv)
    if (data.length < this.#threshold) {
      this.stats.inline++
      return op === 'ige-encrypt' ? this.#inline.igeEncrypt(data, key, iv) : this.#inline.igeDecrypt(data, key, iv)
    }
    const buf = owned(data)
    return this.#run({ op, data: buf, key, iv }, [buf.buffer as ArrayBuffer])
  }

  async #run(task: CryptoTask, transferList: ArrayBuffer[]): Promise<Uint8Array> {
    const res = await this.#post(task, transferList)
    if (!res.ok) throw deserializeError(res.error)
    return res.out
  }

  async #post(task: CryptoTask, transferList: ArrayBuffer[]): Promise<CryptoTaskResult> {
    this.stats.pooled++
    if (task.op === 'msg-seal' || task.op === 'msg-open') this.stats.messages++
    const res = await this.#pool.run(task, { transferList })
    if (res.ok) this.stats.threads.add(res.threadId)
    return res
  }
}

/** `src` itself when it spans its whole (non-shared) buffer, so transferring that buffer moves nothing else. */
function ownedOrSelf(src: Uint8Array): Uint8Array {
  const whole = src.byteOffset === 0 && src.byteLength === src.buffer.byteLength && src.buffer instanceof ArrayBuffer
  return whole ? src : owned(src)
}

/** Node flags a worker inherits: module loading ones. V8 and process-wide flags (e.g. --expose-gc) make Worker throw. */
const INHERITED_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C', '--enable-source-maps', '--no-warnings'])
/** Flags that take their value as the next argument when not written `--flag=value`. */
const FLAGS_WITH_VALUE = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C'])

/** The part of this process's execArgv a worker thread accepts and needs (a TS loader such as tsx's hooks). */
export function inheritableExecArgv(argv: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    const flag = arg.split('=', 1)[0] as string
    const takesNext = FLAGS_WITH_VALUE.has(flag) && !arg.includes('=')
    if (INHERITED_FLAGS.has(flag)) {
      out.push(arg)
      if (takesNext && i + 1 < argv.length) out.push(argv[i + 1] as string)
    }
    if (takesNext) i++
  }
  return out
}

/** A copy of `src` in a buffer of its own (safe to transfer: never a slice of a pool or of a caller's memory). */
function owned(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(new ArrayBuffer(src.length))
  out.set(src)
  return out
}
