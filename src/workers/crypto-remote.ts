/**
 * The DC actor's end of a crypto pool port: an {@link AsyncCryptoProvider} inside a worker thread whose large
 * AES-IGE jobs and PBKDF2 run on the coordinator's pool (see crypto-port-server.ts), while hashes, random bytes and
 * small IGE jobs run on the worker's own thread. Inputs are copied once into a buffer of their own and transferred;
 * results come back transferred. Loads nothing of piscina: safe to import in a lean worker.
 *
 * Spec: https://core.telegram.org/mtproto/description (AES-256-IGE), https://core.telegram.org/api/srp (PBKDF2).
 */
import type { MessagePort } from 'node:worker_threads'
import { CancelledError } from '../errors.js'
import type { defaultPoolThreshold } from '../protocol/crypto/async-provider.js'
import type { CryptoProvider } from '../protocol/crypto/provider.js'
import { OffloadingProvider, type OffloadStats } from './crypto-offload.js'
import type { PoolPortRequest, PoolPortResponse } from './crypto-port-messages.js'
import type { CryptoTask, CryptoTaskResult } from './crypto-tasks.js'

/** Options of {@link RemotePoolProvider}. */
export interface RemotePoolOptions {
  /** This thread's provider, for hashes, random bytes and small IGE jobs. */
  readonly inline: CryptoProvider
  /** IGE payloads of at least this many bytes go through the port (default {@link defaultPoolThreshold}(inline)). */
  readonly threshold?: number
}

/** Counters for tests. */
export type RemotePoolStats = OffloadStats

interface Waiter {
  resolve(res: CryptoTaskResult): void
  reject(err: Error): void
}

/** An async crypto provider whose heavy jobs run on the coordinator's pool, reached through a MessagePort. */
export class RemotePoolProvider extends OffloadingProvider {
  readonly name: string
  readonly #port: MessagePort
  readonly #waiting = new Map<number, Waiter>()
  #nextId = 1
  #closed = false

  constructor(port: MessagePort, opts: RemotePoolOptions) {
    super(opts.inline, opts.threshold)
    this.#port = port
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

  /** Rejects pending jobs with CancelledError and closes the port. */
  close(): void {
    this.#shut('crypto pool provider closed')
    this.#port.close()
  }

  protected dispatch(task: CryptoTask, transfer: ArrayBuffer[]): Promise<CryptoTaskResult> {
    if (this.#closed) return Promise.reject(new CancelledError('crypto pool port closed'))
    const id = this.#nextId++
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
    w.resolve(msg)
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

