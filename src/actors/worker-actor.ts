/**
 * The worker-thread DC actor: {@link createWorkerActor} starts a worker_thread running dc-worker.ts (one Connection:
 * socket, transport, session, timers) and returns a {@link DcActor} that talks to it:
 * - control plane: a comlink proxy (start, stop, status, setAuthKey, allowHandshake, wake);
 * - data plane: batched typed messages on a MessagePort of their own (actor-messages.ts): every invoke queued in one
 *   event-loop turn goes in one postMessage, and so do the results, acks and events coming back;
 * - bodies are transferred (the caller's buffer is detached afterwards; a view that does not cover its whole
 *   ArrayBuffer is copied once first), results arrive as whole ArrayBuffers of their own;
 * - errors cross as their own classes (src/errors.ts registry);
 * - back-pressure: at most `maxQueued` invokes posted and not yet acknowledged by the worker; further invokes wait;
 * - a crash or terminate rejects pending invokes and reports 'exit' (after every message the worker posted before it
 *   died, so the supervisor's sent records are complete).
 *
 * Spec: https://core.telegram.org/mtproto/description#session (the session a replacement actor resumes).
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads'
import { type Remote, releaseProxy, transfer, wrap } from 'comlink'
import { ArgumentError, CancelledError, deserializeError, InternalError, type MtError, NetworkError } from '../errors.js'
import type { AuthKeyResult } from '../protocol/auth/index.js'
import { workerEntry } from '../workers/worker-file.js'
import type { ControlResult, DcWorkerApi, WorkerStatus } from '../workers/dc-worker.js'
import { type Batch, Batcher, type FromWorker, ownedForTransfer, sentRecords, type ToWorker, type WireEvent } from './actor-messages.js'
import type { ActorCallbacks, ActorConfig, ActorEvent, ActorFactory, ActorInvokeOptions, ActorStatus, DcActor, WorkerLimits } from './actor-types.js'

/**
 * Default V8 limits of a worker actor's thread (ActorConfig.workerLimits): Node's own. Measured (bench:actor-thread,
 * built JS, 2 cores): capping the young generation at 2 MiB (or 1) saves ~1.3 MiB of an idle actor's ~16 MiB RSS
 * and costs ~7% pipelined small-RPC throughput (~12% at 1 MiB); at 4 MiB it saves nothing measurable. So the default
 * stays uncapped and the cap is the caller's choice.
 */
export const DEFAULT_WORKER_LIMITS: WorkerLimits = {}

/** Default bound on invokes posted and not yet acknowledged by the worker (ActorConfig.maxQueued). */
export const DEFAULT_MAX_QUEUED = 1024
/**
 * After a worker dies, how long to wait for its data port to close (every message it posted is delivered before the
 * close) before reporting 'exit' anyway.
 */
const EXIT_DRAIN_MS = 1_000

const NO_OPTIONS: ActorInvokeOptions = {}
const noop = (): void => undefined

interface Pending {
  resolve(body: Uint8Array): void
  reject(e: MtError): void
  cleanup(): void
}

function unwrapResult<T>(r: ControlResult<T>): T {
  if (!r.ok) throw deserializeError(r.error)
  return r.value
}

function actorEvent(e: WireEvent): ActorEvent {
  switch (e.type) {
    case 'disconnected':
      return e.error !== undefined ? { type: 'disconnected', error: deserializeError(e.error) } : { type: 'disconnected' }
    case 'auth-key-dropped':
      return { type: 'auth-key-dropped', error: deserializeError(e.error) }
    case 'rejected':
      return { type: 'rejected', error: deserializeError(e.error) }
    case 'sent':
      return { type: 'sent', records: sentRecords(e) }
    default:
      return e
  }
}

/** Main-thread counters of one worker actor (tests and benches). */
export interface WorkerActorStats {
  /** Invokes posted and not yet acknowledged by the worker. */
  readonly unacked: number
  /** Invokes waiting for room (back-pressure). */
  readonly waiting: number
  readonly pending: number
  readonly batchesOut: number
  readonly messagesOut: number
}

/** A DC actor in its own worker thread. */
export class WorkerActor implements DcActor {
  readonly dcId: number
  readonly #worker: Worker
  readonly #remote: Remote<DcWorkerApi>
  readonly #control: MessagePort
  readonly #data: MessagePort
  readonly #out: Batcher<ToWorker>
  readonly #callbacks: ActorCallbacks
  readonly #maxQueued: number
  readonly #pending = new Map<number, Pending>()
  readonly #echoes = new Map<number, { resolve(b: Uint8Array): void; reject(e: MtError): void }>()
  #nextEcho = 1
  #unacked = 0
  #waiters: Array<() => void> = []
  #dead: MtError | undefined
  #closing: Promise<void> | undefined
  #crash: MtError | undefined
  readonly #dataClosed: Promise<void>
  /** Resolves once the worker exited and 'exit' handling finished. */
  readonly #gone: Promise<void>
  #pendingStart: { config: ActorConfig; port: MessagePort } | undefined
  #released = false

  private constructor(config: ActorConfig, callbacks: ActorCallbacks) {
    this.dcId = config.endpoint.dcId
    this.#callbacks = callbacks
    this.#maxQueued = config.maxQueued ?? DEFAULT_MAX_QUEUED
    if (!Number.isInteger(this.#maxQueued) || this.#maxQueued < 1) throw new ArgumentError('maxQueued must be a positive integer', 'maxQueued')
    const control = new MessageChannel()
    const data = new MessageChannel()
    const entry = workerEntry('dc-worker')
    this.#worker = new Worker(entry.script, {
      eval: entry.eval,
      resourceLimits: { ...(config.workerLimits ?? DEFAULT_WORKER_LIMITS) },
      workerData: { control: control.port2 },
      transferList: [control.port2],
    })
    this.#control = control.port1
    this.#data = data.port1
    this.#remote = wrap<DcWorkerApi>(control.port1 as unknown as Parameters<typeof wrap>[0])
    this.#out = new Batcher<ToWorker>((batch, list) => this.#data.postMessage(batch, list))
    this.#dataClosed = new Promise((resolve) => this.#data.once('close', () => resolve()))
    this.#data.on('message', (batch: Batch<FromWorker>) => this.#onBatch(batch))
    this.#worker.on('error', (e) => {
      this.#crash = new InternalError(`DC worker crashed: ${e.message}`, e.name)
    })
    this.#gone = new Promise((resolve) => this.#worker.once('exit', (code) => void this.#onExit(code).finally(resolve)))
    this.#pendingStart = { config, port: data.port2 }
  }

  /** Starts a worker actor (resolves once the worker runs the connection; connecting goes on in the background). */
  static async create(config: ActorConfig, callbacks: ActorCallbacks): Promise<WorkerActor> {
    const a = new WorkerActor(config, callbacks)
    try {
      await a.#start()
    } catch (e) {
      await a.close()
      throw e
    }
    return a
  }

  /** `worker_threads.threadId` of the actor's thread. */
  get threadId(): number {
    return this.#worker.threadId
  }

  /** The V8 limits the actor's thread runs with (Node fills in what ActorConfig.workerLimits left out). */
  get resourceLimits(): WorkerLimits {
    return { ...this.#worker.resourceLimits }
  }

  /** Main-thread counters. */
  get stats(): WorkerActorStats {
    return { unacked: this.#unacked, waiting: this.#waiters.length, pending: this.#pending.size, batchesOut: this.#out.batches, messagesOut: this.#out.messages }
  }

  async #start(): Promise<void> {
    const s = this.#pendingStart
    this.#pendingStart = undefined
    if (s === undefined) return
    const { cryptoPort, ...config } = s.config
    const started = this.#remote.start(config, transfer(s.port, [s.port]), cryptoPort !== undefined ? transfer(cryptoPort, [cryptoPort]) : undefined)
    unwrapResult(await Promise.race([started, this.#exited()]))
  }

  /** Rejects once the worker is gone (a control call would otherwise never settle). */
  #exited(): Promise<never> {
    return this.#gone.then(() => {
      throw this.#dead ?? this.#crash ?? new NetworkError('closed', 'DC worker exited')
    })
  }

  invoke(requestId: number, body: Uint8Array, method: string, opts: ActorInvokeOptions = NO_OPTIONS): Promise<Uint8Array> {
    if (this.#unacked >= this.#maxQueued && this.#dead === undefined && this.#closing === undefined) return this.#invokeWhenRoom(requestId, body, method, opts)
    return this.#post(requestId, body, method, opts)
  }

  /** Back-pressure: waits until the worker acknowledged enough invokes (or the actor dies, closes, or `signal` fires). */
  async #invokeWhenRoom(requestId: number, body: Uint8Array, method: string, opts: ActorInvokeOptions): Promise<Uint8Array> {
    while (this.#unacked >= this.#maxQueued && this.#dead === undefined && this.#closing === undefined) {
      const signal = opts.signal
      if (signal?.aborted === true) throw new CancelledError()
      let onAbort: () => void = () => undefined
      await new Promise<void>((resolve) => {
        const wake = (): void => resolve()
        this.#waiters.push(wake)
        // An aborted wait leaves the queue, so a later acknowledgement's room goes to a caller still waiting.
        onAbort = () => {
          const i = this.#waiters.indexOf(wake)
          if (i >= 0) this.#waiters.splice(i, 1)
          resolve()
        }
        signal?.addEventListener('abort', onAbort, { once: true })
      })
      // Woken by room or by the abort: either way this wait's listener goes.
      signal?.removeEventListener('abort', onAbort)
    }
    return this.#post(requestId, body, method, opts)
  }

  #post(requestId: number, body: Uint8Array, method: string, opts: ActorInvokeOptions): Promise<Uint8Array> {
    if (!Number.isInteger(requestId) || requestId < 0) return Promise.reject(new ArgumentError('requestId must be a non-negative integer', 'requestId'))
    if (this.#dead !== undefined) return Promise.reject(this.#dead)
    if (this.#closing !== undefined) return Promise.reject(new CancelledError('actor closed'))
    const signal = opts.signal
    if (signal?.aborted === true) return Promise.reject(new CancelledError())
    if (this.#pending.has(requestId)) return Promise.reject(new ArgumentError(`request ${requestId} is already pending`, 'requestId'))
    const b = ownedForTransfer(body)
    return new Promise<Uint8Array>((resolve, reject) => {
      if (signal === undefined) {
        this.#pending.set(requestId, { resolve, reject, cleanup: noop })
      } else {
        const onAbort = (): void => {
          if (!this.#pending.has(requestId)) return
          this.#out.push({ t: 'cancel', id: requestId })
          this.#settle(requestId, (p) => p.reject(new CancelledError()))
        }
        this.#pending.set(requestId, { resolve, reject, cleanup: () => signal.removeEventListener('abort', onAbort) })
        signal.addEventListener('abort', onAbort, { once: true })
      }
      this.#unacked++
      // One shape for every invoke (absent options cross as undefined).
      this.#out.push({ t: 'invoke', id: requestId, body: b, method, timeoutMs: opts.timeoutMs, resend: opts.resend }, b)
    })
  }

  /** A round trip through both batchers and the worker's event loop, touching no connection (bench, liveness). */
  echo(body: Uint8Array): Promise<Uint8Array> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead)
    const id = this.#nextEcho++
    const b = ownedForTransfer(body)
    return new Promise((resolve, reject) => {
      this.#echoes.set(id, { resolve, reject })
      this.#out.push({ t: 'echo', id, body: b }, b)
    })
  }

  /** Test hook: makes the worker crash, or stall its event loop for `ms`. */
  injectFault(kind: 'crash' | 'block', ms?: number): void {
    this.#out.push({ t: 'fault', kind, ...(ms !== undefined ? { ms } : {}) })
  }

  /** Ends the worker thread abruptly (as a supervisor or the OS might): pending invokes reject, 'exit' follows. */
  terminate(): Promise<number> {
    return this.#worker.terminate()
  }

  setAuthKey(key: AuthKeyResult): void {
    this.#fire(() => this.#remote.setAuthKey(key))
  }

  allowHandshake(): void {
    this.#fire(() => this.#remote.allowHandshake())
  }

  wake(): void {
    this.#fire(() => this.#remote.wake())
  }

  /** Fire-and-forget control calls: a failure (the worker is gone) is reported as a 'rejected' event. */
  #fire(call: () => Promise<ControlResult<null>>): void {
    if (this.#dead !== undefined || this.#closing !== undefined) return
    call().then(
      (r) => {
        if (!r.ok) this.#callbacks.onEvent({ type: 'rejected', error: deserializeError(r.error) })
      },
      () => undefined,
    )
  }

  async status(): Promise<ActorStatus> {
    const w = await this.workerStatus()
    return { dcId: this.dcId, threadId: w.threadId, connected: w.connected, pending: this.#pending.size, queued: this.#unacked + this.#waiters.length, hasAuthKey: w.hasAuthKey }
  }

  /** The worker's own figures (batches, whether it loaded the API codec). */
  async workerStatus(): Promise<WorkerStatus> {
    if (this.#dead !== undefined) throw this.#dead
    return unwrapResult(await Promise.race([this.#remote.status(), this.#exited()]))
  }

  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    for (const id of [...this.#pending.keys()]) this.#settle(id, (p) => p.reject(new CancelledError('actor closed')))
    for (const e of this.#echoes.values()) e.reject(new CancelledError('actor closed'))
    this.#echoes.clear()
    this.#wakeWaiters()
    if (this.#dead === undefined) {
      this.#out.flushNow()
      // A stuck worker must not hold close() forever: terminate wins after the grace period.
      let timer: NodeJS.Timeout | undefined
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, EXIT_DRAIN_MS)
      })
      await Promise.race([this.#remote.stop().catch(() => undefined), this.#exited().catch(() => undefined), grace])
      clearTimeout(timer)
    }
    this.#release()
    await this.#worker.terminate()
  }

  /** Lets go of the comlink proxy and both ports (once). */
  #release(): void {
    if (this.#released) return
    this.#released = true
    this.#remote[releaseProxy]()
    this.#control.close()
    this.#data.close()
  }

  #settle(id: number, fn: (p: Pending) => void): void {
    const p = this.#pending.get(id)
    if (p === undefined) return
    this.#pending.delete(id)
    p.cleanup()
    fn(p)
  }

  /** Wakes the oldest waiters, as many as there is room for (FIFO), instead of every one of them. */
  #wakeForRoom(): void {
    const room = this.#maxQueued - this.#unacked
    if (room <= 0) return
    for (const resume of this.#waiters.splice(0, room)) resume()
  }

  #wakeWaiters(): void {
    const w = this.#waiters
    this.#waiters = []
    for (const resume of w) resume()
  }

  #onBatch(batch: Batch<FromWorker>): void {
    for (const m of batch) {
      switch (m.t) {
        case 'ack':
          this.#unacked -= m.count
          if (this.#waiters.length > 0) this.#wakeForRoom()
          break
        case 'result':
          this.#settle(m.id, (p) => p.resolve(m.body))
          break
        case 'error':
          this.#settle(m.id, (p) => p.reject(deserializeError(m.error)))
          break
        case 'update':
          this.#callbacks.onUpdate(m.body)
          break
        case 'event':
          this.#callbacks.onEvent(actorEvent(m.event))
          break
        case 'echo': {
          const r = this.#echoes.get(m.id)
          this.#echoes.delete(m.id)
          r?.resolve(m.body)
          break
        }
      }
    }
  }

  async #onExit(code: number): Promise<void> {
    if (this.#closing !== undefined) {
      this.#dead ??= new CancelledError('actor closed')
      return
    }
    // Every message the worker posted before it died arrives before its data port closes: wait for them, so the
    // supervisor sees the last sent records before 'exit'.
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.#dataClosed, new Promise<void>((resolve) => (timer = setTimeout(resolve, EXIT_DRAIN_MS)))])
    clearTimeout(timer)
    const error = this.#crash ?? new NetworkError('closed', `DC worker exited (code ${code})`)
    this.#dead = error
    for (const id of [...this.#pending.keys()]) this.#settle(id, (p) => p.reject(error))
    for (const e of this.#echoes.values()) e.reject(error)
    this.#echoes.clear()
    this.#wakeWaiters()
    this.#out.clear()
    this.#release()
    this.#callbacks.onEvent({ type: 'exit', error })
  }
}

/** The {@link ActorFactory} of worker-thread actors. */
export const createWorkerActor: ActorFactory = (config, callbacks) => WorkerActor.create(config, callbacks)
