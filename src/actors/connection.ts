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
 */
import { randomFillSync } from 'node:crypto'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import { ArgumentError, CancelledError, type MtError, NetworkError, TimeoutError } from '../errors.js'
import { createMessageCipher } from '../protocol/crypto/message.js'
// The auth modules themselves, not their index: the index also loads the server side (ServerHandshake, pq, keys).
import { buildBindTempAuthKey } from '../protocol/auth/bind.js'
import { tempKeyRenewAt } from '../protocol/auth/pfs.js'
import { createNodeCryptoProvider } from '../protocol/crypto/node-provider.js'
import type { CryptoProvider } from '../protocol/crypto/provider.js'
import type { TransportError } from '../protocol/errors.js'
import { ClientSession, type SendRequest, type SessionEvent } from '../protocol/mtp/client-session.js'
import type { RandomSource } from '../protocol/random.js'
import type { ApiMethod, ResultOf } from '../tl/index.js'
import { BackoffSleep, backoffDelay, randomUnit } from './connection-backoff.js'
import { HandshakeRun } from './connection-handshake.js'
import { createFramePipeline, createPooledCipher, type FramePipeline } from './connection-pool.js'
import type { AsyncCryptoProvider } from '../protocol/crypto/async-provider.js'
import type { DeferringCipher } from '../protocol/mtp/async-cipher.js'
import { type ClientCodec, createClientCodec } from './connection-transport.js'
import { openSocket } from './socket.js'
import {
  type AuthKeyResult,
  type ConnectionEvent,
  type ConnectionOptions,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_RECONNECT,
  type HandshakeFactory,
  type InvokeOptions,
  type ReconnectPolicy,
  type SessionState,
  TRANSPORT_AUTH_KEY_NOT_FOUND,
  TRANSPORT_FLOOD,
} from './connection-types.js'

export type {
  AuthKeyResult,
  ConnectionEvent,
  ConnectionOptions,
  HandshakeFactory,
  HandshakeLike,
  InvokeOptions,
  ReconnectPolicy,
  SentRequestRecord,
  SessionState,
} from './connection-types.js'

/**
 * The full API codec, loaded on first use: `invoke` moves raw bytes and needs none of it, so a DC worker that only
 * relays serialized requests never loads the API tables (typed `call` and the PFS bind request do).
 */
let apiCodec: Promise<typeof import('../tl/index.js')> | undefined
/** The codec once loaded, so a typed call does not wait a turn for an import that already finished. */
let apiCodecLoaded: typeof import('../tl/index.js') | undefined
function loadApiCodec(): Promise<typeof import('../tl/index.js')> {
  apiCodec ??= import('../tl/index.js').then((m) => (apiCodecLoaded = m))
  return apiCodec
}

/** `Pending.cleanup` of a call without a timeout or an AbortSignal. */
const NOTHING_TO_CLEAN = (): void => undefined

interface Pending {
  resolve(body: Uint8Array): void
  reject(e: MtError): void
  cleanup: () => void
}

/** One DC connection with its session. */
export class Connection {
  readonly #o: ConnectionOptions
  readonly #crypto: CryptoProvider
  readonly #random: RandomSource
  readonly #policy: Required<ReconnectPolicy>
  /** The key the session runs on (the temp key under PFS). */
  #authKey: Uint8Array | undefined
  /** PFS: the permanent key, and the current temp key with its renewal time (server unix seconds). */
  #permKey: Uint8Array | undefined
  #temp: { result: AuthKeyResult; renewAt: number } | undefined
  #bound = false
  /** Whether calls may go to the session (false until a new session's temp key is bound). */
  #ready = false
  #renewTimer: NodeJS.Timeout | undefined
  /** A connection attempt is running (its own failure path handles a close). */
  #connecting = false
  #bindId: number | undefined
  #salt: bigint
  #offset: number
  #session: ClientSession | undefined
  #sessionUsed = false
  #socket: Socket | undefined
  #codec: ClientCodec | undefined
  readonly #pending = new Map<number, Pending>()
  #waiting: SendRequest[] = []
  #nextId = 1
  #closed = false
  readonly #abort = new AbortController()
  #timer: NodeJS.Timeout | undefined
  readonly #backoff = new BackoffSleep()
  /** keyExchange 'wait': a key exchange was allowed once ({@link allowHandshake}); consumed by the next one. */
  #handshakeAllowed = false
  /** keyExchange 'wait': wakes the attempt waiting for a key. */
  #keyArrived: (() => void) | undefined
  /** The session to continue on the first key (consumed when that session is made). */
  #resume: SessionState | undefined
  /** The last session state reported ('session' events), to report only changes. */
  #reported: SessionState | undefined
  #flushQueued = false
  #attempt = 0
  #reconnecting: Promise<void> | undefined
  #hs: HandshakeRun | undefined
  /** With `cryptoPool`: the session's cipher and the current socket's ordered frame pipeline. */
  #pooledCipher: DeferringCipher | undefined
  #pipe: FramePipeline | undefined

  private constructor(o: ConnectionOptions) {
    this.#o = o
    this.#crypto = o.crypto ?? createNodeCryptoProvider()
    this.#random = o.random ?? ((b) => void randomFillSync(b))
    this.#policy = { ...DEFAULT_RECONNECT, ...o.reconnect }
    if (o.pfs !== undefined) this.#permKey = o.authKey
    else this.#authKey = o.authKey
    this.#resume = o.resume
    this.#salt = o.resume?.serverSalt ?? o.serverSalt ?? 0n
    this.#offset = o.resume?.timeOffset ?? o.timeOffset ?? 0
  }

  /** Connects (retrying per the reconnect policy) and resolves once the session is ready. */
  static async connect(opts: ConnectionOptions): Promise<Connection> {
    const c = new Connection(opts)
    try {
      await c.#connectWithRetry()
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
    c.#runConnect(false)
    return c
  }

  /**
   * Hands the connection an auth key made elsewhere (the DC's permanent key under PFS). A session on a different key
   * is retired (its requests go again on the new key's session) and the socket reconnects; a waiting attempt goes on.
   */
  setAuthKey(r: AuthKeyResult): void {
    if (this.#closed) return
    const current = this.#o.pfs !== undefined ? this.#permKey : this.#authKey
    if (current !== undefined && sameBytes(current, r.authKey)) return
    const hadSession = this.#session !== undefined
    if (hadSession) this.#retireSession()
    if (this.#o.pfs !== undefined) {
      this.#permKey = r.authKey
      this.#temp = undefined
      this.#authKey = undefined
    } else {
      this.#authKey = r.authKey
    }
    this.#resume = undefined
    this.#salt = r.serverSalt
    this.#offset = r.timeOffset
    this.#keyArrived?.()
    if (hadSession && !this.#connecting) this.#socket?.destroy()
  }

  /** keyExchange 'wait': lets the connection run the key exchange itself (once). */
  allowHandshake(): void {
    this.#handshakeAllowed = true
    this.#keyArrived?.()
  }

  /** "Network restored": a reconnect waiting out its backoff tries now. */
  wake(): void {
    this.#backoff.wake()
  }

  /** Whether the connection has the key it needs (the permanent key under PFS). */
  get hasAuthKey(): boolean {
    return (this.#o.pfs !== undefined ? this.#permKey : this.#authKey) !== undefined
  }

  /** Whether the session is ready for calls. */
  get connected(): boolean {
    return this.#ready && this.#socket !== undefined
  }

  /** Calls accepted and not yet settled. */
  get pendingCount(): number {
    return this.#pending.size
  }

  /** The auth key the session runs on (after a key exchange, the new one; under PFS the temp key). */
  get authKey(): Uint8Array | undefined {
    return this.#authKey
  }

  /** The permanent auth key (the one to persist); equals {@link authKey} without PFS. */
  get permanentKey(): Uint8Array | undefined {
    return this.#o.pfs !== undefined ? this.#permKey : this.#authKey
  }

  /** The session (for inspection and tests). */
  get session(): ClientSession | undefined {
    return this.#session
  }

  /** The request id the most recent invoke was given (for `after`). */
  get lastRequestId(): number {
    return this.#nextId - 1
  }

  /** Sends a serialized request and resolves with the raw result bytes; RPC errors reject with RpcError. */
  invoke(body: Uint8Array, method: string, opts: InvokeOptions = {}): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new CancelledError('connection closed'))
    if (opts.signal?.aborted === true) return Promise.reject(new CancelledError())
    const requestId = this.#nextId++
    return new Promise<Uint8Array>((resolve, reject) => {
      const pending: Pending = { resolve, reject, cleanup: NOTHING_TO_CLEAN }
      this.#pending.set(requestId, pending)
      // Timer and abort listener only when asked for: the common call allocates no closures for them.
      if (opts.timeoutMs !== undefined || opts.signal !== undefined) {
        let timer: NodeJS.Timeout | undefined
        const signal = opts.signal
        const onAbort = (): void => this.#giveUp(requestId, new CancelledError())
        pending.cleanup = () => {
          if (timer !== undefined) clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
        }
        if (opts.timeoutMs !== undefined) {
          const ms = opts.timeoutMs
          timer = setTimeout(() => this.#giveUp(requestId, new TimeoutError(`${method} timed out after ${ms} ms`, ms)), ms)
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
      if (this.#session === undefined || !this.#ready) {
        this.#waiting.push(req)
        return
      }
      try {
        this.#session.send(req)
      } catch (e) {
        this.#settle(requestId, (p) => p.reject(e as MtError))
        return
      }
      this.#queueFlush()
    })
  }

  /** Gives up on a call (as its AbortSignal would): it rejects with CancelledError and a late answer is ignored. */
  cancel(requestId: number): void {
    this.#giveUp(requestId, new CancelledError())
  }

  /** Typed call: serializes `req` with the full TL codec and reads its result type. */
  async call<R extends ApiMethod>(req: R, opts: InvokeOptions = {}): Promise<ResultOf<R>> {
    const tl = apiCodecLoaded ?? (await loadApiCodec())
    const body = tl.serializeObject(req, { ownBuffer: true })
    const result = await this.invoke(body, req._, opts)
    return tl.readResult(result, req)
  }

  /** Closes the socket, cancels timers and fails pending calls with CancelledError. Leaves no handles behind. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#abort.abort()
    this.#clearTimer()
    if (this.#renewTimer !== undefined) clearTimeout(this.#renewTimer)
    this.#backoff.wake()
    this.#keyArrived?.()
    this.#session?.close()
    this.#hs?.fail(new CancelledError('connection closed'))
    for (const id of [...this.#pending.keys()]) this.#settle(id, (p) => p.reject(new CancelledError('connection closed')))
    this.#waiting = []
    this.#pipe?.reset()
    const s = this.#socket
    this.#socket = undefined
    if (s !== undefined && !s.closed) {
      const closed = once(s, 'close').catch(() => undefined)
      s.destroy()
      await closed
    }
    await this.#reconnecting?.catch(() => undefined)
  }

  #emit(e: ConnectionEvent): void {
    this.#o.onEvent?.(e)
  }

  #settle(requestId: number, fn: (p: Pending) => void): void {
    const p = this.#take(requestId)
    if (p !== undefined) fn(p)
  }

  /** Removes a pending call (timer and abort listener cleared) for the caller to settle; no closure per answer. */
  #take(requestId: number): Pending | undefined {
    const p = this.#pending.get(requestId)
    if (p === undefined) return undefined
    this.#pending.delete(requestId)
    p.cleanup()
    return p
  }

  #giveUp(requestId: number, error: MtError): void {
    this.#session?.cancel(requestId)
    this.#waiting = this.#waiting.filter((r) => r.requestId !== requestId)
    this.#settle(requestId, (p) => p.reject(error))
  }

  async #connectWithRetry(): Promise<void> {
    for (;;) {
      try {
        this.#connecting = true
        await this.#connectOnce()
        this.#connecting = false
        // The socket may have closed in the last moments of the attempt, unnoticed: count it as a failed attempt.
        if (this.#socket === undefined) throw new NetworkError('closed', 'connection closed while connecting')
        this.#attempt = 0
        return
      } catch (e) {
        this.#connecting = false
        if (this.#closed) throw new CancelledError('connection closed')
        const err = e as MtError
        this.#emit({ type: 'disconnected', error: err })
        this.#dropSocket()
        if (++this.#attempt >= this.#policy.maxAttempts) throw err
        await this.#backoff.sleep(this.#delay())
        if (this.#closed) throw new CancelledError('connection closed')
      }
    }
  }

  #delay(): number {
    return backoffDelay(this.#policy, this.#attempt, randomUnit(this.#random))
  }

  /** keyExchange 'wait' without a key: resolves once {@link setAuthKey} or {@link allowHandshake} (or close) comes. */
  async #awaitKey(): Promise<void> {
    while (!this.#closed && !this.hasAuthKey && !this.#handshakeAllowed) {
      await new Promise<void>((resolve) => {
        this.#keyArrived = resolve
      })
      this.#keyArrived = undefined
    }
    if (this.#closed) throw new CancelledError('connection closed')
  }

  async #connectOnce(): Promise<void> {
    const o = this.#o
    if (o.keyExchange === 'wait') await this.#awaitKey()
    const timeoutMs = o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
    const target = o.mtproxy ?? o
    const socket = await openSocket({
      host: target.host,
      port: target.port,
      ...(o.proxy !== undefined ? { proxy: o.proxy } : {}),
      timeoutMs,
      signal: this.#abort.signal,
    })
    if (this.#closed) {
      socket.destroy()
      throw new CancelledError('connection closed')
    }
    const { codec, preamble } = createClientCodec(
      {
        crypto: this.#crypto,
        random: this.#random,
        transport: o.transport ?? 'intermediate',
        obfuscated: o.obfuscated === true,
        dcId: o.dcId,
        ...(o.testMode ? { testMode: true } : {}),
        ...(o.media ? { media: true } : {}),
        ...(o.mtproxy !== undefined ? { mtproxy: o.mtproxy } : {}),
      },
      Math.floor(Date.now() / 1000),
    )
    this.#socket = socket
    this.#codec = codec
    socket.on('data', (chunk: Buffer) => this.#onData(socket, chunk))
    socket.on('error', () => undefined) // 'close' follows and drives the reconnect
    socket.on('close', () => this.#onClose(socket))
    if (preamble !== undefined) socket.write(preamble)
    if (o.pfs !== undefined) await this.#preparePfs(o.pfs.tempKeySeconds, timeoutMs)
    else if (this.#authKey === undefined) this.#useKey(await this.#handshake(timeoutMs), false)
    this.#ensureSession(codec)
    if (o.pfs !== undefined && !this.#bound) await this.#bindTemp(timeoutMs)
    this.#ready = true
    this.#releaseWaiting()
    this.#emit({ type: 'connected' })
    this.#queueFlush()
  }

  #useKey(r: AuthKeyResult, temp: boolean): void {
    if (!temp) this.#handshakeAllowed = false
    this.#authKey = r.authKey
    this.#salt = r.serverSalt
    this.#offset = r.timeOffset
    this.#emit({ type: 'auth-key', result: r, temp })
  }

  /** PFS: a permanent key if there is none, and a fresh temp key when there is none or it is due for renewal. */
  async #preparePfs(tempKeySeconds: number, timeoutMs: number): Promise<void> {
    if (this.#permKey === undefined) {
      const perm = await this.#handshake(timeoutMs)
      this.#permKey = perm.authKey
      this.#offset = perm.timeOffset
      this.#handshakeAllowed = false
      this.#emit({ type: 'auth-key', result: perm, temp: false })
    }
    const now = Date.now() / 1000 + this.#offset
    if (this.#temp !== undefined && now < this.#temp.renewAt) return
    this.#retireSession()
    const r = await this.#handshake(timeoutMs, { expiresInSeconds: tempKeySeconds })
    const expiresAt = r.expiresAt ?? Math.floor(now) + tempKeySeconds
    this.#temp = { result: r, renewAt: tempKeyRenewAt(Math.floor(now), expiresAt) }
    this.#bound = false
    this.#useKey(r, true)
  }

  /** PFS: auth.bindTempAuthKey as the new session's first message, under the msg_id sealed inside it. */
  async #bindTemp(timeoutMs: number): Promise<void> {
    const s = this.#session
    const temp = this.#temp
    const permKey = this.#permKey
    if (s === undefined || temp === undefined || permKey === undefined) throw new ArgumentError('PFS binding needs a session, a temp key and a permanent key', 'pfs')
    const expiresAt = temp.result.expiresAt ?? Math.floor(temp.renewAt)
    // Loaded before the msg_id is reserved: nothing else may be sent between reserving it and sending the bind.
    const tl = await loadApiCodec()
    const msgId = s.msgIds.next(Date.now())
    const req = buildBindTempAuthKey({ crypto: this.#crypto, random: this.#random, permKey, tempKeyId: temp.result.authKeyId, tempSessionId: s.sessionId, expiresAt, msgId })
    const requestId = this.#nextId++
    this.#bindId = requestId
    const done = new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => this.#giveUp(requestId, new TimeoutError(`auth.bindTempAuthKey timed out after ${timeoutMs} ms`, timeoutMs)), timeoutMs)
      this.#pending.set(requestId, { resolve, reject, cleanup: () => clearTimeout(timer) })
    })
    s.send({ body: tl.serializeObject(req, { ownBuffer: true }), method: req._, requestId, msgId })
    this.#flush()
    try {
      await done
    } finally {
      this.#bindId = undefined
    }
    this.#bound = true
    this.#emit({ type: 'temp-key-bound', expiresAt })
    if (this.#renewTimer !== undefined) clearTimeout(this.#renewTimer)
    // Renewal: drop the connection at the renewal time; the reconnect makes and binds the next temp key.
    const renewInMs = Math.max(1000, (temp.renewAt - this.#offset) * 1000 - Date.now())
    this.#renewTimer = setTimeout(() => {
      this.#renewTimer = undefined
      this.#socket?.destroy()
    }, renewInMs)
  }

  /** Moves the session's pending requests back to the waiting list and forgets the session (its key is gone). */
  #retireSession(): void {
    const old = this.#session
    this.#session = undefined
    this.#ready = false
    // The pipeline belongs to the old session's cipher: what it still holds is carried over below as requests.
    this.#pipe?.reset()
    this.#pipe = undefined
    if (old === undefined) return
    const carry: SendRequest[] = []
    for (const req of old.outbox.byRequest.values()) {
      if (req.internal === undefined && this.#pending.has(req.requestId)) carry.push({ body: req.body, method: req.method, requestId: req.requestId })
    }
    old.outbox.drain()
    this.#waiting = carry.concat(this.#waiting)
  }

  #releaseWaiting(): void {
    const s = this.#session
    if (s === undefined) return
    const waiting = this.#waiting
    this.#waiting = []
    for (const req of waiting) {
      try {
        s.send(req)
      } catch (e) {
        this.#settle(req.requestId, (p) => p.reject(e as MtError))
      }
    }
  }

  #ensureSession(codec: ClientCodec): void {
    const nowMs = Date.now()
    if (this.#session === undefined) {
      if (this.#authKey === undefined) throw new ArgumentError('no auth key', 'authKey')
      const resume = this.#resume
      this.#resume = undefined
      const pool = this.#o.cryptoPool
      this.#pooledCipher = pool !== undefined ? createPooledCipher(this.#crypto, this.#authKey, this.#o.poolThreshold, pool) : undefined
      this.#session = new ClientSession({
        ...this.#o.session,
        cipher: this.#pooledCipher ?? createMessageCipher(this.#crypto, this.#authKey),
        random: this.#random,
        serverSalt: this.#salt,
        timeOffset: this.#offset,
        ignoreTrailingBytes: codec.padded,
        ...(resume !== undefined ? { sessionId: resume.sessionId, resume: { seqNo: resume.seqNo, lastMsgId: resume.lastMsgId } } : {}),
        ...(this.#o.trackSession === true ? { recordSent: true } : {}),
      })
      this.#sessionUsed = false
      this.#reportSession(nowMs)
    }
    if (this.#sessionUsed) this.#session.onReconnect(nowMs)
    this.#sessionUsed = true
    this.#pipe = this.#pooledCipher !== undefined && this.#o.cryptoPool !== undefined ? this.#pipeFor(codec, this.#pooledCipher, this.#o.cryptoPool) : undefined
  }

  /** The ordered frame pipeline of the current socket (large messages' AES-IGE on the pool). */
  #pipeFor(codec: ClientCodec, cipher: DeferringCipher, pool: AsyncCryptoProvider): FramePipeline {
    const socket = this.#socket
    const write = (payloads: Uint8Array[]): void => {
      if (socket === undefined || socket !== this.#socket) return
      socket.cork()
      for (const p of payloads) socket.write(codec.encode(p))
      socket.uncork()
    }
    const deliver = (payloads: Uint8Array[]): void => {
      if (socket !== this.#socket) return
      for (const p of payloads) this.#onFrame(p)
      this.#queueFlush()
    }
    return createFramePipeline(cipher, pool, write, deliver)
  }

  async #handshake(timeoutMs: number, temp?: { expiresInSeconds: number }): Promise<AuthKeyResult> {
    const o = this.#o
    // The client key exchange (RSA, pq, DH) loads only when a key is made: a DC actor given its key never needs it.
    const before = this.#socket
    const { ClientHandshake } = await import('../protocol/auth/client.js')
    if (this.#socket !== before || before === undefined) throw new NetworkError('closed', 'connection closed during the key exchange')
    const factory: HandshakeFactory =
      o.handshake ??
      ((ctx) =>
        new ClientHandshake({
          ...ctx,
          ...(o.rsaKeys !== undefined ? { rsaKeys: o.rsaKeys } : {}),
        }))
    const hs = factory({
      crypto: this.#crypto,
      random: this.#random,
      dcId: o.dcId,
      testMode: o.testMode === true,
      media: o.media === true,
      ...(temp !== undefined ? { temp } : {}),
    })
    const socket = this.#socket
    const codec = this.#codec
    const run = new HandshakeRun(hs, (frame) => {
      if (codec !== undefined) socket?.write(codec.encode(frame))
    }, timeoutMs)
    this.#hs = run
    try {
      return await run.done
    } finally {
      if (this.#hs === run) this.#hs = undefined
    }
  }

  #onData(socket: Socket, chunk: Buffer): void {
    if (socket !== this.#socket || this.#codec === undefined) return
    let events: ReturnType<ClientCodec['push']>
    try {
      events = this.#codec.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    } catch (e) {
      this.#emit({ type: 'rejected', error: e as MtError })
      socket.destroy()
      return
    }
    for (const ev of events) {
      if (ev.type === 'frame') {
        if (this.#hs !== undefined) this.#hs.onFrame(ev.payload)
        else if (this.#pipe !== undefined) this.#pipe.receive([ev.payload])
        else this.#onFrame(ev.payload)
      } else if (ev.type === 'error') {
        this.#onTransportError(socket, ev.error)
        return
      }
    }
    this.#queueFlush()
  }

  #onFrame(payload: Uint8Array): void {
    const s = this.#session
    if (s === undefined) return
    let events: SessionEvent[]
    try {
      events = s.receive(payload, Date.now())
    } catch (e) {
      this.#emit({ type: 'rejected', error: e as MtError })
      return
    }
    for (const ev of events) {
      switch (ev.type) {
        case 'result':
          this.#take(ev.requestId)?.resolve(ev.body)
          break
        case 'rpc-error':
        case 'failed':
          this.#take(ev.requestId)?.reject(ev.error)
          break
        case 'update':
          this.#o.onUpdate?.(ev.body)
          break
        case 'new-session':
          this.#emit(ev)
          break
        case 'state':
          this.#salt = ev.serverSalt
          this.#offset = ev.timeOffset
          this.#emit(ev)
          this.#reportSession(Date.now())
          break
      }
    }
  }

  #onTransportError(socket: Socket, error: TransportError): void {
    this.#hs?.fail(error)
    if (error.code === TRANSPORT_AUTH_KEY_NOT_FOUND) {
      this.#emit({ type: 'auth-key-dropped', error })
      // The server lost the key and with it the session: what was pending goes again under a new key (under PFS a
      // new temp key; the permanent key stays).
      this.#retireSession()
      this.#authKey = undefined
      this.#temp = undefined
      this.#salt = 0n
    } else if (error.code === TRANSPORT_FLOOD) {
      // Too many connections: wait longer before the next attempt.
      this.#attempt = Math.max(this.#attempt, 3)
    }
    this.#emit({ type: 'disconnected', error })
    socket.destroy()
  }

  #onClose(socket: Socket): void {
    if (socket !== this.#socket) return
    this.#dropSocket()
    if (this.#hs !== undefined) {
      this.#hs.fail(new NetworkError('closed', 'connection closed during the key exchange'))
      return
    }
    if (this.#connecting) {
      // The attempt in progress fails and retries on its own; only the PFS bind may be waiting for an answer.
      if (this.#bindId !== undefined) this.#giveUp(this.#bindId, new NetworkError('closed', 'connection closed during the temp key binding'))
      return
    }
    if (this.#closed) return
    this.#startReconnect()
  }

  #startReconnect(): void {
    if (this.#reconnecting !== undefined || this.#closed) return
    this.#emit({ type: 'disconnected' })
    this.#runConnect(true)
  }

  /** Connects in the background (after a backoff wait when `backoffFirst`); gives up per the policy. */
  #runConnect(backoffFirst: boolean): void {
    this.#reconnecting = (async () => {
      try {
        if (backoffFirst) {
          this.#attempt = Math.max(this.#attempt, 1)
          await this.#backoff.sleep(this.#delay())
        }
        if (this.#closed) return
        await this.#connectWithRetry()
      } catch (e) {
        if (!this.#closed) {
          const err = e as MtError
          for (const id of [...this.#pending.keys()]) this.#settle(id, (p) => p.reject(err))
          await this.close()
        }
      } finally {
        this.#reconnecting = undefined
      }
    })()
  }

  #dropSocket(): void {
    this.#clearTimer()
    const s = this.#socket
    this.#socket = undefined
    this.#codec = undefined
    this.#pipe?.reset()
    this.#pipe = undefined
    if (s !== undefined && !s.destroyed) s.destroy()
  }

  #queueFlush(): void {
    if (this.#flushQueued) return
    this.#flushQueued = true
    queueMicrotask(() => {
      this.#flushQueued = false
      this.#flush()
    })
  }

  #flush(): void {
    const s = this.#session
    const socket = this.#socket
    const codec = this.#codec
    if (s === undefined || socket === undefined || codec === undefined || this.#hs !== undefined || this.#closed) return
    const nowMs = Date.now()
    const payloads = s.flush(nowMs)
    if (this.#o.trackSession === true && payloads.length > 0) {
      // Reported before the bytes go out: whoever mirrors them has a record of every request the server may see.
      const records = s.takeSent()
      this.#reportSession(nowMs)
      if (records.length > 0) this.#emit({ type: 'sent', records })
    }
    if (payloads.length > 0 && this.#pipe !== undefined) this.#pipe.send(payloads)
    else if (payloads.length > 0) {
      socket.cork()
      for (const p of payloads) socket.write(codec.encode(p))
      socket.uncork()
    }
    this.#armTimer()
  }

  /** With `trackSession`: a 'session' event when the state differs from the one last reported. */
  #reportSession(nowMs: number): void {
    const s = this.#session
    if (this.#o.trackSession !== true || s === undefined) return
    const state = s.state(nowMs)
    const r = this.#reported
    if (r !== undefined && r.sessionId === state.sessionId && r.serverSalt === state.serverSalt && r.timeOffset === state.timeOffset && r.seqNo === state.seqNo && r.lastMsgId === state.lastMsgId) return
    this.#reported = state
    this.#emit({ type: 'session', state })
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #armTimer(): void {
    this.#clearTimer()
    const d = this.#session?.nextDeadline()
    if (d === undefined || this.#socket === undefined) return
    // At least 1 ms, so a deadline that stays in the past cannot spin the event loop.
    this.#timer = setTimeout(() => this.#onTimer(), Math.max(1, d - Date.now()))
  }

  #onTimer(): void {
    this.#timer = undefined
    const s = this.#session
    const socket = this.#socket
    if (s === undefined || socket === undefined) return
    if (s.onTimer(Date.now()) === 'dead') {
      this.#emit({ type: 'disconnected', error: new NetworkError('timeout', 'keepalive unanswered') })
      socket.destroy()
      return
    }
    this.#flush()
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
