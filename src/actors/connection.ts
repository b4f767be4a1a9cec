/**
 * The in-process connection driver: one TCP connection to one DC (directly, through a SOCKS5 or HTTP CONNECT proxy,
 * or through an MTProxy), the transport codec, the auth key exchange when no key is given, then the encrypted
 * session; requests in, results and updates out; reconnects with backoff and resends unanswered requests.
 * With socket.ts, the only client-side module that owns sockets and timers.
 *
 * Spec: https://core.telegram.org/mtproto (overview), https://core.telegram.org/mtproto/mtproto-transports
 * (transports; -404 "auth key not found" and -429 "too many connections" transport errors),
 * https://core.telegram.org/mtproto/auth_key (the key exchange, run with plain messages),
 * https://core.telegram.org/mtproto/description#unencrypted-message.
 *
 * The driver is split by concern: the public face here (keys handed in, calls, close), the attempt loop
 * (connection-attempt.ts), the data path and session (connection-io.ts), PFS (connection-pfs.ts), over one shared
 * state (connection-state.ts).
 */
import { once } from 'node:events'
import { ArgumentError, CancelledError, type MtError, TimeoutError } from '../errors.js'
import type { ClientSession, SendRequest } from '../protocol/mtp/client-session.js'
import type { ApiMethod, ResultOf } from '../tl/index.js'
import { connectWithRetry, runConnect } from './connection-attempt.js'
import { armTimer, clearTimer, queueFlush, retireSession } from './connection-io.js'
import { clearRenewal, takeTemp, tempDue } from './connection-pfs.js'
import { ConnState, loadApiCodec, loadedApiCodec, NOTHING_TO_CLEAN, type Pending, sameBytes } from './connection-state.js'
import type { AppliedTuning, AuthKeyResult, BoundTempKey, ConnectionOptions, ConnectionTuning, InvokeOptions, ReconnectPolicy, SessionTuning } from './connection-types.js'

/** `t` without its undefined fields (they keep the value in effect). */
function definedOnly(t: SessionTuning): SessionTuning {
  return Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)) as SessionTuning
}

/** A reconnect policy with every number in range (ArgumentError otherwise). */
function validPolicy(p: Required<ReconnectPolicy>): Required<ReconnectPolicy> {
  for (const [k, v] of Object.entries(p)) {
    if (typeof v === 'number' && (Number.isNaN(v) || v < 0 || (v === Number.POSITIVE_INFINITY && k !== 'maxAttempts'))) throw new ArgumentError(`reconnect.${k} must be a non-negative number`, `reconnect.${k}`)
  }
  return p
}

export type {
  AuthKeyResult,
  BoundTempKey,
  ConnectionEvent,
  ConnectionOptions,
  HandshakeFactory,
  HandshakeLike,
  InvokeOptions,
  ReconnectPolicy,
  SentRequestRecord,
  SessionState,
} from './connection-types.js'

/** One DC connection with its session. */
export class Connection {
  readonly #s: ConnState

  private constructor(o: ConnectionOptions) {
    this.#s = new ConnState(o, () => this.close())
    if (o.pfs !== undefined) this.#s.permKey = o.authKey
    else this.#s.authKey = o.authKey
    this.#s.resume = o.resume
    this.#s.salt = o.resume?.serverSalt ?? o.serverSalt ?? 0n
    if (o.pfs !== undefined && o.tempKey !== undefined) {
      takeTemp(this.#s, o.tempKey)
      this.#s.salt = o.resume?.serverSalt ?? o.tempKey.result.serverSalt
    }
    this.#s.offset = o.resume?.timeOffset ?? o.timeOffset ?? 0
  }

  /** Connects (retrying per the reconnect policy) and resolves once the session is ready. */
  static async connect(opts: ConnectionOptions): Promise<Connection> {
    const c = new Connection(opts)
    try {
      await connectWithRetry(c.#s)
    } catch (e) {
      await c.close()
      throw e
    }
    return c
  }

  /**
   * Starts connecting in the background and returns at once (requests queue until the session is ready). Needed
   * with `keyExchange: 'wait'`, where the key arrives later through {@link setAuthKey}. If every attempt fails, pending
   * calls fail with the last error and the connection closes.
   */
  static start(opts: ConnectionOptions): Connection {
    const c = new Connection(opts)
    runConnect(c.#s, false)
    return c
  }

  /**
   * Hands the connection an auth key made elsewhere (the DC's permanent key under PFS). A session on a different key
   * is retired (its requests go again on the new key's session) and the socket reconnects; a waiting attempt goes on.
   */
  setAuthKey(r: AuthKeyResult): void {
    if (this.#s.closed) return
    const current = this.#s.o.pfs !== undefined ? this.#s.permKey : this.#s.authKey
    if (current !== undefined && sameBytes(current, r.authKey)) return
    const hadSession = this.#s.session !== undefined
    if (hadSession) retireSession(this.#s)
    if (this.#s.o.pfs !== undefined) {
      this.#s.permKey = r.authKey
      this.#s.temp = undefined
      this.#s.authKey = undefined
    } else {
      this.#s.authKey = r.authKey
    }
    this.#s.resume = undefined
    this.#s.salt = r.serverSalt
    this.#s.offset = r.timeOffset
    this.#s.keyArrived?.()
    if (hadSession && !this.#s.connecting) this.#s.socket?.destroy()
  }

  /**
   * PFS: hands the connection the DC's temp key, made and bound by another connection. A session on another temp key
   * is retired (its requests go again on the new key's session) and the socket reconnects; a waiting attempt goes on.
   * No key exchange and no bind follow: the binding is per temp key, any number of sessions may use it.
   */
  setTempKey(k: BoundTempKey): void {
    if (this.#s.closed || this.#s.o.pfs === undefined) return
    if (this.#s.temp !== undefined && this.#s.temp.result.authKeyId === k.result.authKeyId) return
    const hadSession = this.#s.session !== undefined
    if (hadSession) retireSession(this.#s)
    takeTemp(this.#s, k)
    this.#s.salt = k.result.serverSalt
    this.#s.resume = undefined
    // The allowance was for the temp key (the permanent one is here): it came from elsewhere, nothing left to make.
    if (this.#s.permKey !== undefined) this.#s.handshakeAllowed = false
    this.#s.keyArrived?.()
    if (hadSession && !this.#s.connecting) this.#s.socket?.destroy()
  }

  /**
   * keyExchange 'wait': lets the connection run the key exchange it needs itself (once): the permanent key when it
   * has none and, under PFS, the next temp key (at once when the current one is due for renewal).
   */
  allowHandshake(): void {
    this.#s.handshakeAllowed = true
    this.#s.keyArrived?.()
    if (this.#s.o.pfs !== undefined && this.#s.temp !== undefined && tempDue(this.#s) && !this.#s.connecting) this.#s.socket?.destroy()
  }

  /** "Network restored": a reconnect waiting out its backoff tries now. */
  wake(): void {
    this.#s.backoff.wake()
  }

  /**
   * Retunes the running connection: session timers apply to the live session at once (its timer is planned again)
   * and to every later session; the reconnect policy from the next reconnect on. Returns what is in effect.
   */
  configure(t: ConnectionTuning): AppliedTuning {
    const st = this.#s
    if (t.reconnect !== undefined) st.policy = validPolicy({ ...st.policy, ...t.reconnect })
    if (t.session !== undefined) {
      for (const [k, v] of Object.entries(t.session) as [keyof SessionTuning, number | undefined][]) {
        if (v !== undefined && (!Number.isFinite(v) || v < 0)) throw new ArgumentError(`session.${k} must be a non-negative number`, `session.${k}`)
      }
      const next = { ...st.tuning, ...definedOnly(t.session) }
      st.tuning = next
      st.session?.retune(next)
      armTimer(st)
    }
    return { session: { ...st.tuning }, reconnect: { ...st.policy } }
  }

  /** Whether the connection has the key it needs (the permanent key under PFS). */
  get hasAuthKey(): boolean {
    return (this.#s.o.pfs !== undefined ? this.#s.permKey : this.#s.authKey) !== undefined
  }

  /** Whether the session is ready for calls. */
  get connected(): boolean {
    return this.#s.ready && this.#s.socket !== undefined
  }

  /** Calls accepted and not yet settled. */
  get pendingCount(): number {
    return this.#s.pending.size
  }

  /** The auth key the session runs on (after a key exchange, the new one; under PFS the temp key). */
  get authKey(): Uint8Array | undefined {
    return this.#s.authKey
  }

  /** The permanent auth key (the one to persist); equals {@link authKey} without PFS. */
  get permanentKey(): Uint8Array | undefined {
    return this.#s.o.pfs !== undefined ? this.#s.permKey : this.#s.authKey
  }

  /** The session (for inspection and tests). */
  get session(): ClientSession | undefined {
    return this.#s.session
  }

  /** The request id the most recent invoke was given (for `after`). */
  get lastRequestId(): number {
    return this.#s.nextId - 1
  }

  /** Sends a serialized request and resolves with the raw result bytes; RPC errors reject with RpcError. */
  invoke(body: Uint8Array, method: string, opts: InvokeOptions = {}): Promise<Uint8Array> {
    if (this.#s.closed) return Promise.reject(new CancelledError('connection closed'))
    if (opts.signal?.aborted === true) return Promise.reject(new CancelledError())
    return new Promise<Uint8Array>((resolve, reject) => {
      this.submit({ resolve, reject, cleanup: NOTHING_TO_CLEAN }, body, method, opts)
    })
  }

  /**
   * Sends a serialized request and settles `pending` with its outcome (the promise-free form of {@link invoke}, for
   * drivers that relay results elsewhere: no promise or closure per call). Returns the request id (for
   * {@link cancel}, `after` and {@link pendingCall}); `pending.cleanup` is replaced when a timeout or signal is set.
   * A closed connection or an aborted signal rejects `pending` at once.
   */
  submit(pending: Pending, body: Uint8Array, method: string, opts: InvokeOptions = {}): number {
    const requestId = this.#s.nextId++
    if (this.#s.closed) {
      pending.reject(new CancelledError('connection closed'))
      return requestId
    }
    if (opts.signal?.aborted === true) {
      pending.reject(new CancelledError())
      return requestId
    }
    this.#s.pending.set(requestId, pending)
    // Timer and abort listener only when asked for: the common call allocates no closures for them.
    if (opts.timeoutMs !== undefined || opts.signal !== undefined) {
      let timer: NodeJS.Timeout | undefined
      const signal = opts.signal
      const onAbort = (): void => this.#s.giveUp(requestId, new CancelledError())
      pending.cleanup = () => {
        if (timer !== undefined) clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      }
      if (opts.timeoutMs !== undefined) {
        const ms = opts.timeoutMs
        timer = setTimeout(() => this.#s.giveUp(requestId, new TimeoutError(`${method} timed out after ${ms} ms`, ms)), ms)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    }
    const req: SendRequest =
      opts.after === undefined && opts.resend === undefined
        ? { body, method, requestId }
        : {
            body,
            method,
            requestId,
            ...(opts.after !== undefined ? { after: opts.after } : {}),
            ...(opts.resend !== undefined ? { resend: opts.resend } : {}),
          }
    if (this.#s.session === undefined || !this.#s.ready) {
      this.#s.waiting.push(req)
      return requestId
    }
    try {
      this.#s.session.send(req)
    } catch (e) {
      this.#s.settle(requestId, (p) => p.reject(e as MtError))
      return requestId
    }
    queueFlush(this.#s)
    return requestId
  }

  /** The not yet settled call `requestId` (what {@link submit} was given), if any. */
  pendingCall(requestId: number): Pending | undefined {
    return this.#s.pending.get(requestId)
  }

  /** Gives up on a call (as its AbortSignal would): it rejects with CancelledError and a late answer is ignored. */
  cancel(requestId: number): void {
    this.#s.giveUp(requestId, new CancelledError())
  }

  /** Typed call: serializes `req` with the full TL codec and reads its result type. */
  async call<R extends ApiMethod>(req: R, opts: InvokeOptions = {}): Promise<ResultOf<R>> {
    const tl = loadedApiCodec() ?? (await loadApiCodec())
    const body = tl.serializeObject(req, { ownBuffer: true })
    const result = await this.invoke(body, req._, opts)
    return tl.readResult(result, req)
  }

  /** Closes the socket, cancels timers and fails pending calls with CancelledError. Leaves no handles behind. */
  async close(): Promise<void> {
    if (this.#s.closed) return
    this.#s.closed = true
    this.#s.abort.abort()
    clearTimer(this.#s)
    clearRenewal(this.#s)
    this.#s.backoff.wake()
    this.#s.keyArrived?.()
    this.#s.session?.close()
    this.#s.hs?.fail(new CancelledError('connection closed'))
    for (const id of [...this.#s.pending.keys()]) this.#s.settle(id, (p) => p.reject(new CancelledError('connection closed')))
    this.#s.waiting = []
    this.#s.pipe?.reset()
    const s = this.#s.socket
    this.#s.socket = undefined
    if (s !== undefined && !s.closed) {
      const closed = once(s, 'close').catch(() => undefined)
      s.destroy()
      await closed
    }
    await this.#s.reconnecting?.catch(() => undefined)
  }
}
