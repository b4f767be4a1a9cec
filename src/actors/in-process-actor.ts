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
import { CancelledError } from '../errors.js'
import type { ActorCallbacks, ActorConfig, ActorEvent, ActorFactory, ActorInvokeOptions, ActorStatus, ActorTuning, AppliedTuning, DcActor, SentRecord } from './actor-types.js'
import { Connection, type ConnectionEvent } from './connection.js'
import type { AuthKeyResult, BoundTempKey } from './connection-types.js'

/** Queue bound when the config gives none: the contract's default. */
const DEFAULT_MAX_QUEUED = 1024

class InProcessActor implements DcActor {
  readonly dcId: number
  readonly #conn: Connection
  readonly #maxQueued: number
  /** Connection request id -> coordinator request id (for sent records). */
  readonly #toActor = new Map<number, number>()
  /** Connection request ids accepted and not yet put on the wire (the bounded queue). */
  readonly #unsent = new Set<number>()
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
          const id = this.#toActor.get(r.requestId)
          if (id !== undefined) records.push({ requestId: id, msgId: r.msgId, seqNo: r.seqNo })
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
    const p = this.#conn.invoke(body, method, {
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.resend !== undefined ? { resend: opts.resend } : {}),
    })
    const cid = this.#conn.lastRequestId
    this.#toActor.set(cid, requestId)
    this.#unsent.add(cid)
    try {
      return await p
    } finally {
      this.#toActor.delete(cid)
      if (this.#unsent.delete(cid)) this.#wake(1)
    }
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
