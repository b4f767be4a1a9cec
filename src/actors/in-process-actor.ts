/**
 * The in-process DC actor: the {@link DcActor} contract over the connection driver ({@link Connection}) on the
 * calling thread. The baseline the worker-thread actor is compared with, and what the coordinator runs where worker
 * threads are unwanted (`actors: 'in-process'`).
 *
 * The connection always waits for the coordinator's word before a key exchange (`keyExchange: 'wait'`, plus
 * {@link DcActor.allowHandshake} when the config says this actor makes the DC's key), also after -404, so one DC
 * runs one key exchange at a time. Session state and sent records are reported for supervision, with the
 * coordinator's request ids.
 *
 * Spec: https://core.telegram.org/mtproto/description#session, https://core.telegram.org/mtproto/auth_key,
 * https://core.telegram.org/mtproto/mtproto-transports#transport-errors (-404).
 */
import { connectionOptionsOf } from './actor-config.js'
import { threadId } from 'node:worker_threads'
import { CancelledError, type MtError } from '../errors.js'
import type { ActorCallbacks, ActorConfig, ActorEvent, ActorFactory, ActorInvokeOptions, ActorStatus, ActorTuning, AppliedTuning, DcActor, InvokeSink, SentRecord } from './actor-types.js'
import { Connection, type ConnectionEvent } from './connection.js'
import { NOTHING_TO_CLEAN } from './connection-state.js'
import { IdTable } from '../protocol/id-table.js'
import type { AuthKeyResult, BoundTempKey } from './connection-types.js'

/** The options of a plain call (no signal, deadline or resend). */
const NO_OPTIONS: ActorInvokeOptions = {}

/** One call on the connection, relayed to the coordinator's sink (the connection's {@link Pending}). */
class InProcessCall {
  cleanup = NOTHING_TO_CLEAN
  cid = -1
  settled = false

  constructor(
    readonly owner: InProcessActor,
    readonly id: number,
    readonly sink: InvokeSink,
  ) {}

  resolve(body: Uint8Array): void {
    this.#done()
    this.sink.resolve(body)
  }

  reject(e: MtError): void {
    this.#done()
    this.sink.reject(e)
  }

  #done(): void {
    this.settled = true
    if (this.cid >= 0) this.owner.forget(this.cid)
  }
}

/** Queue bound when the config gives none: the contract's default. */
const DEFAULT_MAX_QUEUED = 1024

class InProcessActor implements DcActor {
  readonly dcId: number
  readonly #conn: Connection
  readonly #maxQueued: number
  /** Connection request ids accepted and not yet put on the wire (the bounded queue). */
  readonly #unsent = new IdTable<true>()
  /** Callers waiting for room in the queue (back-pressure), first come first served; `#head` is the next one. */
  #roomWaiters: Array<() => void> = []
  #head = 0
  #closed = false

  constructor(config: ActorConfig, cb: ActorCallbacks) {
    this.dcId = config.endpoint.dcId
    this.#maxQueued = config.maxQueued ?? DEFAULT_MAX_QUEUED
    this.#conn = Connection.start({
      ...connectionOptionsOf(config),
      keyExchange: 'wait',
      trackSession: true,
      onUpdate: (body) => cb.onUpdate(body),
      onEvent: (e) => {
        const ev = this.#event(e)
        if (ev !== undefined) cb.onEvent(ev)
      },
    })
    if (config.handshake === true) this.#conn.allowHandshake()
  }

  #event(e: ConnectionEvent): ActorEvent | undefined {
    switch (e.type) {
      case 'session':
        return { type: 'session', snapshot: e.state }
      case 'sent': {
        const records: SentRecord[] = []
        let freed = 0
        for (const r of e.records) {
          if (this.#unsent.delete(r.requestId)) freed++
          // The coordinator's id of the call, while it is pending on the connection.
          const call = this.#conn.pendingCall(r.requestId)
          if (call instanceof InProcessCall) records.push({ requestId: call.id, msgId: r.msgId, seqNo: r.seqNo })
        }
        this.#wake(freed)
        return records.length > 0 ? { type: 'sent', records } : undefined
      }
      // Folded into 'session' snapshots.
      case 'new-session':
      case 'state':
        return undefined
      default:
        return e
    }
  }

  async invoke(requestId: number, body: Uint8Array, method: string, opts: ActorInvokeOptions = {}): Promise<Uint8Array> {
    while (this.#unsent.size >= this.#maxQueued && !this.#closed) {
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve))
    }
    if (this.#closed) throw new CancelledError('actor closed')
    return new Promise((resolve, reject) => this.#send(requestId, body, method, opts, { resolve, reject }))
  }

  /** {@link invoke} without options or a promise (see {@link DcActor.submit}). */
  submit(requestId: number, body: Uint8Array, method: string, sink: InvokeSink): void {
    if (this.#unsent.size >= this.#maxQueued || this.#closed) {
      this.invoke(requestId, body, method).then(
        (b) => sink.resolve(b),
        (e: MtError) => sink.reject(e),
      )
    } else {
      this.#send(requestId, body, method, NO_OPTIONS, sink)
    }
  }

  #send(requestId: number, body: Uint8Array, method: string, opts: ActorInvokeOptions, sink: InvokeSink): void {
    const call = new InProcessCall(this, requestId, sink)
    const plain = opts.signal === undefined && opts.timeoutMs === undefined && opts.resend === undefined
    const cid = this.#conn.submit(call, body, method, plain ? NO_OPTIONS : { signal: opts.signal, timeoutMs: opts.timeoutMs, resend: opts.resend })
    // Settled at once (the connection is closed): nothing to track.
    if (call.settled) return
    call.cid = cid
    this.#unsent.set(cid, true)
  }

  /** A call settled: it no longer counts for the queue bound. */
  forget(cid: number): void {
    if (this.#unsent.delete(cid)) this.#wake(1)
  }

  /** Lets up to `n` waiting callers re-check for room, oldest first (O(1) each). */
  #wake(n: number): void {
    const w = this.#roomWaiters
    for (let i = 0; i < n && this.#head < w.length; i++) {
      const resume = w[this.#head]
      this.#head++
      resume?.()
    }
    if (this.#head === w.length) {
      this.#roomWaiters = []
      this.#head = 0
    }
  }

  setAuthKey(key: AuthKeyResult): void {
    this.#conn.setAuthKey(key)
  }

  setTempKey(key: BoundTempKey): void {
    this.#conn.setTempKey(key)
  }

  allowHandshake(): void {
    this.#conn.allowHandshake()
  }

  wake(): void {
    this.#conn.wake()
  }

  async configure(t: ActorTuning): Promise<AppliedTuning> {
    return this.#conn.configure(t)
  }

  async status(): Promise<ActorStatus> {
    const c = this.#conn
    const waiting = this.#roomWaiters.length - this.#head
    return { dcId: this.dcId, threadId, connected: c.connected, pending: c.pendingCount, queued: this.#unsent.size + waiting, hasAuthKey: c.hasAuthKey }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#wake(Number.POSITIVE_INFINITY)
    await this.#conn.close()
  }
}

/** Starts an in-process actor: it connects at once when it has a key or may make one, else waits for one. */
export const createInProcessActor: ActorFactory = async (config, callbacks) => new InProcessActor(config, callbacks)
