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
import { serializeError } from '../errors.js'
import { DEFAULT_POOL_THRESHOLD, defaultPoolThreshold } from '../protocol/crypto/async-provider.js'
import { checkMessageFrame } from '../protocol/crypto/message-pooled.js'
import { checkIge } from '../protocol/crypto/check.js'
import type { CryptoProvider } from '../protocol/crypto/provider.js'
import { OffloadingProvider, type OffloadStats, owned } from './crypto-offload.js'
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
export type CryptoPoolStats = OffloadStats

/** An async crypto provider that spreads large jobs over worker threads. */
export class CryptoPool extends OffloadingProvider {
  readonly name: string
  readonly #pool: Piscina<CryptoTask, CryptoTaskResult>

  constructor(opts: CryptoPoolOptions) {
    super(opts.inline, opts.threshold)
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

  /**
   * Runs one task on a pool thread whatever its size (never inline: a caller that already chose the pool, such as a
   * worker actor through {@link servePoolPort}, must not have the job land on this thread). Takes ownership of the
   * task's buffers (transferred, detached afterwards) and resolves with the worker's answer; failures come back as
   * data, never as a rejection. Validates first, so bad arguments fail here with the provider's typed errors.
   */
  async runTask(task: CryptoTask): Promise<CryptoTaskResult> {
    try {
      if (task.op === 'pbkdf2-sha512') {
        if (!Number.isInteger(task.iterations) || task.iterations < 1) this.inline.pbkdf2Sha512(task.password, task.salt, task.iterations)
        const t = { ...task, password: ownedOrSelf(task.password), salt: ownedOrSelf(task.salt) }
        return await this.post(t, [])
      }
      if (task.op === 'ige-encrypt' || task.op === 'ige-decrypt') {
        checkIge(task.data, task.key, task.iv)
        const data = ownedOrSelf(task.data)
        return await this.post({ ...task, data }, [data.buffer as ArrayBuffer])
      }
      // (the compiler does not narrow the union after the returns above)
      const msg = task as Extract<CryptoTask, { op: 'msg-seal' | 'msg-open' }>
      checkMessageFrame(msg.frame, msg.keys, msg.op === 'msg-seal')
      const frame = ownedOrSelf(msg.frame)
      return await this.post({ ...msg, frame }, [frame.buffer as ArrayBuffer])
    } catch (err) {
      return { ok: false, error: serializeError(err) }
    }
  }

  /** Stops the threads; pending jobs reject. */
  async close(): Promise<void> {
    await this.#pool.destroy()
  }

  protected dispatch(task: CryptoTask, transfer: ArrayBuffer[]): Promise<CryptoTaskResult> {
    return this.#pool.run(task, { transferList: transfer })
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

