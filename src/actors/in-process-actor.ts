/**
 * The in-process DC actor: the {@link DcActor} contract over the connection driver ({@link Connection}) on the
 * calling thread. The baseline the worker-thread actor is compared with, and what the coordinator runs where worker
 * threads are unwanted (`actors: 'in-process'`).
 *
 * It keeps its own table of pending invokes (by the coordinator's request id) so that a connection replaced after
 * -404 (the server forgot the auth key) takes them over: the old connection is closed, and once the coordinator hands
 * over the DC's new key ({@link DcActor.setAuthKey}) or lets this actor make it ({@link DcActor.allowHandshake}), a
 * new connection sends them again (the server lost the session with the key, so nothing was executed there twice).
 *
 * Spec: https://core.telegram.org/mtproto/description#session, https://core.telegram.org/mtproto/auth_key,
 * https://core.telegram.org/mtproto/mtproto-transports#transport-errors (-404).
 */
import { threadId } from 'node:worker_threads'
import { CancelledError, type MtError, TimeoutError } from '../errors.js'
import type { ActorCallbacks, ActorConfig, ActorFactory, ActorInvokeOptions, ActorStatus, DcActor, SessionSnapshot } from './actor-types.js'
import { Connection, type ConnectionEvent, type ConnectionOptions } from './connection.js'
import type { AuthKeyResult } from './connection-types.js'

/** Queue bound when the config gives none: the contract's default. */
const DEFAULT_MAX_QUEUED = 1024

interface PendingInvoke {
  readonly requestId: number
  readonly body: Uint8Array
  readonly method: string
  /** Aborted when the caller gives up (signal, timeout, close): the connection then drops the request too. */
  readonly abort: AbortController
  resolve(body: Uint8Array): void
  reject(e: MtError): void
  cleanup(): void
  /** The connection this request was last handed to (undefined while it waits for one). */
  sentOn: Connection | undefined
}

/** One connection attempt and, once it connected, its connection; retired after -404 (its events then ignored). */
interface Attempt {
  conn: Connection | undefined
  retired: boolean
  readonly done: Promise<void>
}

/** What the actor runs on: nothing yet (waiting for a key), a connection attempt, an open connection, or closed. */
type Phase = { kind: 'waiting' } | { kind: 'connecting'; att: Attempt } | { kind: 'open'; conn: Connection; att: Attempt } | { kind: 'closed' }

class InProcessActor implements DcActor {
  readonly dcId: number
  readonly #config: ActorConfig
  readonly #cb: ActorCallbacks
  readonly #pending = new Map<number, PendingInvoke>()
  readonly #maxQueued: number
  /** Callers waiting for room in the queue (back-pressure). */
  #roomWaiters: Array<() => void> = []
  #phase: Phase = { kind: 'waiting' }
  #key: Uint8Array | undefined
  #handshakeAllowed: boolean
  #resume: SessionSnapshot | undefined
  #salt: bigint | undefined
  #offset: number | undefined
  #connected = false

  constructor(config: ActorConfig, cb: ActorCallbacks) {
    this.dcId = config.endpoint.dcId
    this.#config = config
    this.#cb = cb
    this.#maxQueued = config.maxQueued ?? DEFAULT_MAX_QUEUED
    this.#key = config.authKey
    this.#handshakeAllowed = config.handshake === true
    this.#resume = config.resume
    this.#salt = config.serverSalt
    this.#offset = config.timeOffset
  }

  /** Starts connecting when the actor has a key or may make one. */
  start(): void {
    if (this.#key !== undefined || this.#handshakeAllowed) this.#openConnection()
  }

  async invoke(requestId: number, body: Uint8Array, method: string, opts: ActorInvokeOptions = {}): Promise<Uint8Array> {
    while (this.#pending.size >= this.#maxQueued && this.#phase.kind !== 'closed') {
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve))
    }
    if (this.#phase.kind === 'closed') throw new CancelledError('actor closed')
    if (opts.signal?.aborted === true) throw new CancelledError()
    return new Promise<Uint8Array>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const onAbort = (): void => this.#fail(requestId, new CancelledError())
      const p: PendingInvoke = {
        requestId,
        body,
        method,
        abort: new AbortController(),
        resolve,
        reject,
        cleanup: () => {
          if (timer !== undefined) clearTimeout(timer)
          opts.signal?.removeEventListener('abort', onAbort)
        },
        sentOn: undefined,
      }
      this.#pending.set(requestId, p)
      if (opts.timeoutMs !== undefined) {
        const ms = opts.timeoutMs
        timer = setTimeout(() => this.#fail(requestId, new TimeoutError(`${method} timed out after ${ms} ms`, ms)), ms)
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      if (this.#phase.kind === 'open') this.#send(this.#phase.conn, p)
    })
  }

  setAuthKey(key: AuthKeyResult): void {
    if (this.#phase.kind === 'closed') return
    this.#key = key.authKey
    this.#salt = key.serverSalt
    this.#offset = key.timeOffset
    if (this.#phase.kind === 'waiting') this.#openConnection()
  }

  allowHandshake(): void {
    if (this.#phase.kind === 'closed') return
    this.#handshakeAllowed = true
    if (this.#phase.kind === 'waiting') this.#openConnection()
  }

  wake(): void {
    // The driver retries on its own backoff; a connection attempt already under way is the "wake".
  }

  async status(): Promise<ActorStatus> {
    const conn = this.#phase.kind === 'open' ? this.#phase.conn : undefined
    let queued = 0
    for (const p of this.#pending.values()) if (p.sentOn === undefined) queued++
    return {
      dcId: this.dcId,
      threadId,
      connected: this.#connected,
      pending: this.#pending.size,
      queued,
      hasAuthKey: conn?.authKey !== undefined || this.#key !== undefined,
    }
  }

  async close(): Promise<void> {
    const phase = this.#phase
    if (phase.kind === 'closed') return
    this.#phase = { kind: 'closed' }
    for (const id of [...this.#pending.keys()]) this.#fail(id, new CancelledError('actor closed'))
    for (const w of this.#roomWaiters.splice(0)) w()
    if (phase.kind === 'open') await phase.conn.close()
    else if (phase.kind === 'connecting') {
      phase.att.retired = true
      await phase.att.done
    }
  }

  #fail(requestId: number, e: MtError): void {
    const p = this.#pending.get(requestId)
    if (p === undefined) return
    this.#pending.delete(requestId)
    p.cleanup()
    p.abort.abort()
    p.reject(e)
    this.#room()
  }

  #room(): void {
    const w = this.#roomWaiters.shift()
    if (w !== undefined) w()
  }

  #send(conn: Connection, p: PendingInvoke): void {
    p.sentOn = conn
    conn.invoke(p.body, p.method, { signal: p.abort.signal }).then(
      (body) => {
        if (this.#pending.get(p.requestId) !== p) return
        this.#pending.delete(p.requestId)
        p.cleanup()
        p.resolve(body)
        this.#room()
      },
      (e: MtError) => {
        if (p.sentOn !== conn || this.#pending.get(p.requestId) !== p) return
        // A connection retired after -404 cancels what it held: the current (or next) connection sends it again.
        if (this.#retiring.has(conn)) {
          p.sentOn = undefined
          if (this.#phase.kind === 'open') this.#send(this.#phase.conn, p)
          return
        }
        this.#fail(p.requestId, e)
      },
    )
  }

  /** Connections being replaced after -404: their cancellations are not the caller's. */
  readonly #retiring = new WeakSet<Connection>()

  #openConnection(): void {
    const c = this.#config
    const e = c.endpoint
    const resume = this.#resume
    let resolveDone: () => void = () => undefined
    const att: Attempt = { conn: undefined, retired: false, done: new Promise<void>((r) => (resolveDone = r)) }
    const opts: ConnectionOptions = {
      host: e.host,
      port: e.port,
      dcId: e.dcId,
      ...(c.transport !== undefined ? { transport: c.transport } : {}),
      ...(c.obfuscated !== undefined ? { obfuscated: c.obfuscated } : {}),
      ...(c.mtproxy !== undefined ? { mtproxy: c.mtproxy } : {}),
      ...(c.proxy !== undefined ? { proxy: c.proxy } : {}),
      ...(e.testMode === true ? { testMode: true } : {}),
      ...(e.media === true ? { media: true } : {}),
      ...(this.#key !== undefined ? { authKey: this.#key } : {}),
      ...(this.#salt !== undefined ? { serverSalt: resume?.serverSalt ?? this.#salt } : {}),
      ...(this.#offset !== undefined ? { timeOffset: resume?.timeOffset ?? this.#offset } : {}),
      ...(c.rsaKeys !== undefined ? { rsaKeys: [...c.rsaKeys] } : {}),
      ...(c.pfs !== undefined ? { pfs: c.pfs } : {}),
      ...(c.reconnect !== undefined ? { reconnect: c.reconnect } : {}),
      ...(c.connectTimeoutMs !== undefined ? { connectTimeoutMs: c.connectTimeoutMs } : {}),
      session: { ...c.session, ...(resume !== undefined ? { sessionId: resume.sessionId } : {}) },
      onUpdate: (body) => {
        if (!att.retired) this.#cb.onUpdate(body)
      },
      onEvent: (ev) => {
        if (!att.retired) this.#onConnEvent(att, ev)
      },
    }
    // A resumed session id is used once: a connection made after -404 runs on a new key and a new session.
    this.#resume = undefined
    this.#phase = { kind: 'connecting', att }
    Connection.connect(opts).then(
      (conn) => {
        att.conn = conn
        if (att.retired || this.#phase.kind === 'closed') {
          this.#retiring.add(conn)
          void conn.close().finally(resolveDone)
          return
        }
        resolveDone()
        this.#phase = { kind: 'open', conn, att }
        this.#connected = true
        this.#snapshot(conn)
        for (const p of this.#pending.values()) if (p.sentOn === undefined) this.#send(conn, p)
      },
      (err: MtError) => {
        resolveDone()
        if (att.retired || this.#phase.kind === 'closed') return
        // The driver gave up (its reconnect policy ran out): the actor is dead; its pending invokes fail.
        this.#phase = { kind: 'closed' }
        this.#cb.onEvent({ type: 'exit', error: err })
        for (const id of [...this.#pending.keys()]) this.#fail(id, err)
        for (const w of this.#roomWaiters.splice(0)) w()
      },
    )
  }

  #snapshot(conn: Connection): void {
    const s = conn.session
    if (s === undefined) return
    this.#cb.onEvent({
      type: 'session',
      snapshot: { sessionId: s.sessionId, serverSalt: this.#salt ?? 0n, timeOffset: s.timeOffset, seqNo: s.seq.contentCount, lastMsgId: s.msgIds.last },
    })
  }

  #onConnEvent(att: Attempt, ev: ConnectionEvent): void {
    switch (ev.type) {
      case 'connected':
        this.#connected = true
        this.#cb.onEvent({ type: 'connected' })
        break
      case 'disconnected':
        this.#connected = false
        this.#cb.onEvent(ev.error !== undefined ? { type: 'disconnected', error: ev.error } : { type: 'disconnected' })
        break
      case 'auth-key':
        if (!ev.temp) this.#key = ev.result.authKey
        this.#salt = ev.result.serverSalt
        this.#offset = ev.result.timeOffset
        this.#cb.onEvent({ type: 'auth-key', result: ev.result, temp: ev.temp })
        break
      case 'auth-key-dropped':
        this.#onKeyDropped(att, ev.error)
        break
      case 'temp-key-bound':
        this.#cb.onEvent(ev)
        break
      case 'new-session':
      case 'state': {
        this.#salt = ev.serverSalt
        if (ev.type === 'state') this.#offset = ev.timeOffset
        const conn = this.#phase.kind === 'open' ? this.#phase.conn : undefined
        if (conn !== undefined) this.#snapshot(conn)
        break
      }
      case 'rejected':
        this.#cb.onEvent(ev)
        break
    }
  }

  /**
   * -404: the connection would make a new key on its own; instead it is retired and the actor waits for the
   * coordinator (one key exchange per DC). Under PFS only the temp key is gone: the driver renews it itself.
   */
  #onKeyDropped(att: Attempt, error: MtError): void {
    if (this.#config.pfs !== undefined) {
      this.#cb.onEvent({ type: 'auth-key-dropped', error })
      return
    }
    // This attempt is over (whether it had connected or was still connecting): its connection is closed, and what
    // it held goes out again on the next one.
    att.retired = true
    if (att.conn !== undefined) {
      this.#retiring.add(att.conn)
      void att.conn.close()
    }
    this.#key = undefined
    this.#salt = undefined
    this.#handshakeAllowed = false
    this.#connected = false
    for (const p of this.#pending.values()) p.sentOn = undefined
    if (this.#phase.kind !== 'closed') this.#phase = { kind: 'waiting' }
    this.#cb.onEvent({ type: 'auth-key-dropped', error })
  }
}

/** Starts an in-process actor: it connects at once when it has a key or may make one, else waits for one. */
export const createInProcessActor: ActorFactory = async (config, callbacks) => {
  const actor = new InProcessActor(config, callbacks)
  actor.start()
  return actor
}
