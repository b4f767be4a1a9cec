/**
 * The worker-thread DC actor: {@link createWorkerActor} starts a worker_thread running dc-worker.ts (one Connection:
 * socket, transport, session, timers) and returns a {@link DcActor} that talks to it:
 * - control plane: a comlink proxy (start, stop, status, setAuthKey, setTempKey, allowHandshake, wake);
 * - data plane: typed messages as records in two shared rings (ring-link.ts): an invoke is visible to the worker the
 *   moment it is written, a doorbell wakes an idle thread at most once per turn, bodies above
 *   {@link INLINE_MAX} are transferred (the caller's buffer is detached afterwards), smaller ones copied, and results
 *   are copied out of shared memory into this thread's;
 * - supervision: the worker writes its session state and each request's msg_id/seq_no into shared memory before the
 *   bytes go out (shared-mirror.ts), so after a crash or terminate the 'session' and 'sent' events come from memory
 *   the dead thread cannot take with it; then pending invokes reject and 'exit' follows;
 * - errors cross as their own classes (src/errors.ts registry);
 * - back-pressure: at most `maxQueued` invokes written and not yet taken by the worker, and `maxInFlight` unsettled.
 *
 * Spec: https://core.telegram.org/mtproto/description#session (the session a replacement actor resumes).
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads'
import { type Remote, releaseProxy, transfer, wrap } from 'comlink'
import { ArgumentError, CancelledError, deserializeError, InternalError, type MtError, NetworkError } from '../errors.js'
import type { AuthKeyResult } from '../protocol/auth/index.js'
import { workerEntry } from '../workers/worker-file.js'
import type { ControlResult, DcWorkerApi, SharedPlane, WorkerStatus } from '../workers/dc-worker.js'
import { CallSlots, RoomWaiters } from './actor-calls.js'
import { NOTHING_TO_CLEAN } from './connection-state.js'
import type { FromWorker, ToWorker, WireEvent } from './actor-messages.js'
import type { ActorCallbacks, ActorConfig, ActorEvent, ActorFactory, ActorInvokeOptions, ActorStatus, ActorTuning, AppliedTuning, DcActor, InvokeSink, SentRecord, WorkerLimits } from './actor-types.js'
import { RING_BYTES, RingLink } from './ring-link.js'
import { FromWorkerCodec, ToWorkerCodec } from './ring-records.js'
import { createMirrorBuffer, SharedMirror } from './shared-mirror.js'
import { createRingBuffer } from './shared-ring.js'
import type { BoundTempKey } from './connection-types.js'

/**
 * Default V8 limits of a worker actor's thread (ActorConfig.workerLimits): Node's own. Measured (bench:actor-thread,
 * built JS, 2 cores): capping the young generation at 2 MiB (or 1) saves ~1.3 MiB of an idle actor's ~16 MiB RSS
 * and costs ~7% pipelined small-RPC throughput (~12% at 1 MiB); at 4 MiB it saves nothing measurable. So the default
 * stays uncapped and the cap is the caller's choice.
 */
export const DEFAULT_WORKER_LIMITS: WorkerLimits = {}

export { INLINE_MAX } from './ring-link.js'

/** Default bound on invokes written and not yet taken by the worker (ActorConfig.maxQueued). */
export const DEFAULT_MAX_QUEUED = 1024
/** Default bound on unsettled invokes (ActorConfig.maxInFlight). */
export const DEFAULT_MAX_IN_FLIGHT = 16_384
/**
 * Results the coordinator's thread reads from the worker per macrotask. A pipelined batch of answers then sets off
 * the callers' next requests (and the doorbell that hands them to the worker) slice by slice, so the worker and the
 * server work on the first slice while this thread reads the next, where reading the whole batch first made the three
 * take turns. Measured (512 calls in flight, 2 cores, client processes interleaved, 12 runs each), throughput against
 * the in-process driver: 64 per turn 0.85x, 128 0.93x, 256 0.95-0.98x, 384 0.89x, no limit 0.85x. Smaller slices
 * cost more wake-ups per call; larger ones leave the worker idle longer.
 */
export const RESULTS_PER_TURN = 256
/**
 * After a worker dies, how long to wait for its data port to close (every message it posted is delivered before the
 * close) before reporting 'exit' anyway.
 */
const EXIT_DRAIN_MS = 1_000

const NO_OPTIONS: ActorInvokeOptions = {}

function unwrapResult<T>(r: ControlResult<T>): T {
  if (!r.ok) throw deserializeError(r.error)
  return r.value
}

function actorEvent(e: WireEvent): ActorEvent {
  switch (e.type) {
    case 'disconnected':
      return e.error !== undefined ? { type: 'disconnected', error: deserializeError(e.error) } : { type: 'disconnected' }
    case 'auth-key-dropped':
      return e.authKeyId !== undefined ? { type: 'auth-key-dropped', error: deserializeError(e.error), authKeyId: e.authKeyId } : { type: 'auth-key-dropped', error: deserializeError(e.error) }
    case 'rejected':
      return { type: 'rejected', error: deserializeError(e.error) }
    default:
      return e
  }
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`${name} must be a positive integer`, name)
  return v
}

/** Main-thread counters of one worker actor (tests and benches). */
export interface WorkerActorStats {
  /** Invokes written and not yet taken by the worker. */
  readonly unacked: number
  /** Invokes waiting for room (back-pressure). */
  readonly waiting: number
  readonly pending: number
  /** Records written into the request ring. */
  readonly recordsOut: number
  /** Doorbells posted to the worker (at most one per turn, only while it is idle). */
  readonly doorbellsOut: number
  /** Wake-ups that read the worker's ring, and the bytes in it not read yet. */
  readonly drains: number
  readonly backlog: number
}

/** A DC actor in its own worker thread. */
export class WorkerActor implements DcActor {
  readonly dcId: number
  readonly #worker: Worker
  readonly #remote: Remote<DcWorkerApi>
  readonly #control: MessagePort
  readonly #data: MessagePort
  readonly #link: RingLink<ToWorker, FromWorker>
  readonly #mirror: SharedMirror
  readonly #shared: SharedPlane
  readonly #callbacks: ActorCallbacks
  readonly #maxQueued: number
  /** Unsettled invokes by their slot in the shared sent table (results name their slot). */
  readonly #calls: CallSlots
  readonly #echoes = new Map<number, { resolve(b: Uint8Array): void; reject(e: MtError): void }>()
  #nextEcho = 1
  /** Invokes written into the ring (wrapping like the worker's counter of those it took). */
  #posted = 0
  readonly #waiters = new RoomWaiters()
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
    this.#maxQueued = positiveInt(config.maxQueued ?? DEFAULT_MAX_QUEUED, 'maxQueued')
    const slots = positiveInt(config.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT, 'maxInFlight')
    this.#shared = { toWorker: createRingBuffer(RING_BYTES), fromWorker: createRingBuffer(RING_BYTES), mirror: createMirrorBuffer(slots) }
    this.#mirror = new SharedMirror(this.#shared.mirror)
    this.#calls = new CallSlots(this.#mirror.slots)
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
    this.#link = new RingLink<ToWorker, FromWorker>({
      port: this.#data,
      out: this.#shared.toWorker,
      in: this.#shared.fromWorker,
      encode: new ToWorkerCodec(),
      decode: new FromWorkerCodec(),
      deliver: (m) => this.#onMessage(m),
      onRoom: () => this.#wakeForRoom(),
      recordsPerTurn: RESULTS_PER_TURN,
    })
    this.#dataClosed = new Promise((resolve) => this.#data.once('close', () => resolve()))
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
    const l = this.#link.stats
    return { unacked: this.#unacked(), waiting: this.#waiters.length, pending: this.#calls.count, recordsOut: l.recordsOut, doorbellsOut: l.doorbellsOut, drains: l.drains, backlog: l.backlog }
  }

  async #start(): Promise<void> {
    const s = this.#pendingStart
    this.#pendingStart = undefined
    if (s === undefined) return
    const { cryptoPort, ...config } = s.config
    const ports = cryptoPort !== undefined ? [s.port, cryptoPort] : [s.port]
    const started = this.#remote.start(transfer({ config, data: s.port, cryptoPort, shared: this.#shared }, ports))
    unwrapResult(await Promise.race([started, this.#exited()]))
  }

  /** Rejects once the worker is gone (a control call would otherwise never settle). */
  #exited(): Promise<never> {
    return this.#gone.then(() => {
      throw this.#dead ?? this.#crash ?? new NetworkError('closed', 'DC worker exited')
    })
  }

  #unacked(): number {
    return (this.#posted - this.#link.outCounter) | 0
  }

  #full(): boolean {
    return this.#unacked() >= this.#maxQueued || this.#calls.room === 0
  }

  invoke(requestId: number, body: Uint8Array, method: string, opts: ActorInvokeOptions = NO_OPTIONS): Promise<Uint8Array> {
    if (this.#mustWait()) return this.#invokeWhenRoom(requestId, body, method, opts)
    return new Promise((resolve, reject) => this.#post(requestId, body, method, opts, { resolve, reject }))
  }

  /** {@link invoke} without options or a promise: the outcome settles `sink` (see {@link DcActor.submit}). */
  submit(requestId: number, body: Uint8Array, method: string, sink: InvokeSink): void {
    if (this.#mustWait()) {
      this.#invokeWhenRoom(requestId, body, method, NO_OPTIONS).then(
        (b) => sink.resolve(b),
        (e: MtError) => sink.reject(e),
      )
    } else {
      this.#post(requestId, body, method, NO_OPTIONS, sink)
    }
  }

  /** Whether a new invoke waits for room (back-pressure, or callers already waiting before it). */
  #mustWait(): boolean {
    return (this.#waiters.length > 0 || this.#full()) && this.#dead === undefined && this.#closing === undefined
  }

  /** Back-pressure: waits until the worker took enough invokes (or the actor dies, closes, or `signal` fires). */
  async #invokeWhenRoom(requestId: number, body: Uint8Array, method: string, opts: ActorInvokeOptions): Promise<Uint8Array> {
    // The first pass also queues behind earlier waiters (FIFO); a woken waiter only needs room.
    for (let first = true; ((first && this.#waiters.length > 0) || this.#full()) && this.#dead === undefined && this.#closing === undefined; first = false) {
      await this.#waiters.wait(opts.signal, () => {
        // The worker rings back once it takes invokes; room that appeared before the flag was seen is checked now.
        this.#link.wantRoom()
        if (!this.#full()) queueMicrotask(() => this.#wakeForRoom())
      })
    }
    return new Promise((resolve, reject) => this.#post(requestId, body, method, opts, { resolve, reject }))
  }

  /** Why an invoke cannot be posted now, if it cannot. */
  #refusal(requestId: number, signal: AbortSignal | undefined): MtError | undefined {
    if (!Number.isInteger(requestId) || requestId < 0) return new ArgumentError('requestId must be a non-negative integer', 'requestId')
    if (this.#dead !== undefined) return this.#dead
    if (this.#closing !== undefined) return new CancelledError('actor closed')
    if (signal?.aborted === true) return new CancelledError()
    return undefined
  }

  /** Writes the invoke into the ring; its outcome (or a refusal, at once) settles `sink`. */
  #post(requestId: number, body: Uint8Array, method: string, opts: ActorInvokeOptions, sink: InvokeSink): void {
    const refusal = this.#refusal(requestId, opts.signal)
    if (refusal !== undefined) {
      sink.reject(refusal)
      return
    }
    const signal = opts.signal
    const slot = this.#calls.claim()
    this.#mirror.clearSlot(slot)
    if (signal === undefined) {
      this.#calls.set({ id: requestId, slot, sink, cleanup: NOTHING_TO_CLEAN })
    } else {
      const onAbort = (): void => {
        if (!this.#calls.holds(requestId, slot)) return
        this.#link.send({ t: 'cancel', id: requestId, slot })
        this.#fail(requestId, slot, new CancelledError())
      }
      this.#calls.set({ id: requestId, slot, sink, cleanup: () => signal.removeEventListener('abort', onAbort) })
      signal.addEventListener('abort', onAbort, { once: true })
    }
    this.#posted = (this.#posted + 1) | 0
    this.#link.send({ t: 'invoke', id: requestId, slot, body, method, timeoutMs: opts.timeoutMs, resend: opts.resend })
  }

  /** A round trip through both rings and the worker's event loop, touching no connection (bench, liveness). */
  echo(body: Uint8Array): Promise<Uint8Array> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead)
    const id = this.#nextEcho++
    return new Promise((resolve, reject) => {
      this.#echoes.set(id, { resolve, reject })
      this.#link.send({ t: 'echo', id, body })
    })
  }

  /** Test hook: makes the worker crash, or stall its event loop for `ms`. */
  injectFault(kind: 'crash' | 'block', ms?: number): void {
    this.#link.send({ t: 'fault', kind, ms: ms ?? 0 })
  }

  /** Ends the worker thread abruptly (as a supervisor or the OS might): pending invokes reject, 'exit' follows. */
  terminate(): Promise<number> {
    return this.#worker.terminate()
  }

  setAuthKey(key: AuthKeyResult): void {
    this.#fire(() => this.#remote.setAuthKey(key))
  }

  setTempKey(key: BoundTempKey): void {
    this.#fire(() => this.#remote.setTempKey(key))
  }

  allowHandshake(): void {
    this.#fire(() => this.#remote.allowHandshake())
  }

  wake(): void {
    this.#fire(() => this.#remote.wake())
  }

  /** Retunes the worker's connection over the control plane (comlink); rejects with the worker's error class. */
  async configure(t: ActorTuning): Promise<AppliedTuning> {
    if (this.#dead !== undefined) throw this.#dead
    if (this.#closing !== undefined) throw new CancelledError('actor closed')
    return unwrapResult(await Promise.race([this.#remote.configure(t), this.#exited()]))
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
    return { dcId: this.dcId, threadId: w.threadId, connected: w.connected, pending: this.#calls.count, queued: this.#unacked() + this.#waiters.length, hasAuthKey: w.hasAuthKey }
  }

  /** The worker's own figures (records, doorbells, whether it loaded the API codec). */
  async workerStatus(): Promise<WorkerStatus> {
    if (this.#dead !== undefined) throw this.#dead
    return unwrapResult(await Promise.race([this.#remote.status(), this.#exited()]))
  }

  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    for (const p of this.#calls.unsettled()) this.#fail(p.id, p.slot, new CancelledError('actor closed'))
    for (const e of this.#echoes.values()) e.reject(new CancelledError('actor closed'))
    this.#echoes.clear()
    this.#waiters.wakeAll()
    if (this.#dead === undefined) {
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

  /** Lets go of the comlink proxy, the link and both ports (once). */
  #release(): void {
    if (this.#released) return
    this.#released = true
    this.#link.close()
    this.#remote[releaseProxy]()
    this.#control.close()
    this.#data.close()
  }

  /** Resolves call `id` in `slot` with `body`, if it is still pending. */
  #resolve(id: number, slot: number, body: Uint8Array): void {
    const c = this.#calls.take(id, slot)
    if (c === undefined) return
    c.sink.resolve(body)
    this.#wakeForRoom()
  }

  /** Rejects call `id` in `slot` with `e`, if it is still pending. */
  #fail(id: number, slot: number, e: MtError): void {
    const c = this.#calls.take(id, slot)
    if (c === undefined) return
    c.sink.reject(e)
    this.#wakeForRoom()
  }

  /** Wakes the oldest waiters, as many as there is room for (FIFO), instead of every one of them. */
  #wakeForRoom(): void {
    if (this.#waiters.length > 0) this.#waiters.wake(Math.min(this.#maxQueued - this.#unacked(), this.#calls.room))
  }

  #onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'result':
        this.#resolve(m.id, m.slot, m.body)
        break
      case 'error':
        if (this.#calls.holds(m.id, m.slot)) this.#fail(m.id, m.slot, deserializeError(m.error))
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

  async #onExit(code: number): Promise<void> {
    if (this.#closing !== undefined) {
      this.#dead ??= new CancelledError('actor closed')
      return
    }
    // Every port message the worker posted before it died (large bodies) arrives before its data port closes; the
    // records it wrote are in shared memory. Read both, so results it produced are not lost.
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.#dataClosed, new Promise<void>((resolve) => (timer = setTimeout(resolve, EXIT_DRAIN_MS)))])
    clearTimeout(timer)
    this.#link.drain()
    const error = this.#crash ?? new NetworkError('closed', `DC worker exited (code ${code})`)
    this.#dead = error
    // The supervisor's view of the session as the dead thread left it: state, then what each pending request went
    // out as (written before its bytes reached the socket).
    const snapshot = this.#mirror.readSession()
    if (snapshot !== undefined) this.#callbacks.onEvent({ type: 'session', snapshot })
    const records: SentRecord[] = []
    const unsettled = this.#calls.unsettled()
    for (const p of unsettled) {
      const r = this.#mirror.readSent(p.slot, p.id)
      if (r !== undefined) records.push(r)
    }
    if (records.length > 0) this.#callbacks.onEvent({ type: 'sent', records })
    for (const p of unsettled) this.#fail(p.id, p.slot, error)
    for (const e of this.#echoes.values()) e.reject(error)
    this.#echoes.clear()
    this.#waiters.wakeAll()
    this.#release()
    this.#callbacks.onEvent({ type: 'exit', error })
  }
}

/** The {@link ActorFactory} of worker-thread actors. */
export const createWorkerActor: ActorFactory = (config, callbacks) => WorkerActor.create(config, callbacks)
