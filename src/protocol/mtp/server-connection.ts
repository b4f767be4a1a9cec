/**
 * One client connection on the server side, sans-IO: takes MTProto payloads (already unframed by the transport)
 * and local time, runs the key exchange for plain messages (through a pluggable handshake step) and the session for
 * encrypted ones, and returns the payloads to send, or the transport error code to send before closing.
 *
 * Spec: https://core.telegram.org/mtproto/description (plain and encrypted messages, sessions, salts),
 * https://core.telegram.org/mtproto/auth_key (the key exchange runs over plain messages),
 * https://core.telegram.org/mtproto/mtproto-transports#transport-errors.
 */
import { MtError } from '../../errors.js'
import type { Fault } from '../../testing/faults.js'
import { SecurityError } from '../errors.js'
import type { CryptoProvider } from '../crypto/provider.js'
import type { RandomSource } from '../random.js'
import { MsgIdGenerator } from './msg-id.js'
import { ServerProtocolError, TRANSPORT_CODE } from './server-errors.js'
import type { ServerAuthKey, ServerKeyStore } from './server-keys.js'
import type { ExecutionCounters, RpcRegistry } from './server-rpc.js'
import {
  announceSession,
  badSalt,
  currentSalt,
  type FrameContext,
  handleMessage,
  newSession,
  type OutMessage,
  type SessionEnv,
  trackUnacked,
} from './server-session.js'
import { decodePlainFrame, encodePlainFrame, MAX_CONTAINER_BYTES, MAX_CONTAINER_MESSAGES, type WireMessage, writeContainer } from './server-wire.js'
import { SERVER_IDS } from './server-wire.js'
import { ID_VECTOR as VECTOR_ID } from '../../tl/service.js'

/** What a finished key exchange hands the server (the auth branch's ServerHandshake result has this shape). */
export interface HandshakeDone {
  readonly authKey: Uint8Array
  readonly serverSalt: bigint
  readonly temp: boolean
  readonly expiresAt?: number
}

/** One key exchange in progress: fed each plain request body, returns the answer body. */
export interface ServerHandshakeStep {
  receive(body: Uint8Array, nowMs: number): { send: Uint8Array; done?: HandshakeDone }
}

/** Makes a handshake step; call `onDcRejected` when the client's DC id is refused (the server then sends -444). */
export type HandshakeFactory = (hooks: { onDcRejected(dcId: number): void }) => ServerHandshakeStep

/** Options of a {@link ServerEngine}. */
export interface ServerEngineOptions {
  readonly crypto: CryptoProvider
  readonly random: RandomSource
  readonly dcId: number
  readonly keys: ServerKeyStore
  readonly rpc: RpcRegistry
  readonly counters: ExecutionCounters
  readonly clock: { skewSeconds: number }
  readonly onRequest?: (method: string) => readonly Fault[]
  /** Key exchange; without it, plain messages are refused with -404. */
  readonly handshake?: HandshakeFactory
}

/** What one received payload produced. */
export interface ConnectionOutput {
  /** MTProto payloads to frame and send, in order. */
  readonly frames: Uint8Array[]
  /** Transport error code to send after `frames`; the connection then closes. */
  readonly close?: number
  /** Why it closes (for logs and tests). */
  readonly error?: MtError
  /** Transport-level faults fired by requests in this payload. */
  readonly effects: Fault[]
  /** Set when the client authenticated (a key exchange step or a decrypted message): the handshake deadline is met. */
  readonly authenticated: boolean
  /** ping_delay_disconnect: close after this many ms unless another ping arrives. */
  readonly disconnectAfterMs?: number
}

/** The DC's session logic; one per DC, shared by its connections. */
export class ServerEngine {
  readonly env: SessionEnv
  readonly #o: ServerEngineOptions

  constructor(opts: ServerEngineOptions) {
    this.#o = opts
    this.env = {
      dcId: opts.dcId,
      random: opts.random,
      keys: opts.keys,
      rpc: opts.rpc,
      counters: opts.counters,
      clock: opts.clock,
      ...(opts.onRequest ? { onRequest: opts.onRequest } : {}),
    }
  }

  /** A new connection; `padded` when the transport appends random bytes after each payload. */
  connect(opts: { padded: boolean }): ServerConnection {
    return new ServerConnection(this, this.#o, opts.padded)
  }

  /**
   * Encrypts `update` (a serialized Updates object) for every session whose connection is open and wants updates;
   * only sessions of keys `toKey` accepts, when given.
   */
  pushUpdate(update: Uint8Array, nowMs: number, toKey?: (key: ServerAuthKey) => boolean): Array<{ connection: ServerConnection; payload: Uint8Array }> {
    const out: Array<{ connection: ServerConnection; payload: Uint8Array }> = []
    for (const key of this.#o.keys.keys()) {
      if (toKey !== undefined && !toKey(key)) continue
      for (const session of key.sessions.values()) {
        const c = session.connection
        if (!(c instanceof ServerConnection) || c.closed || session.noUpdates) continue
        const ctx = c.context(key, session, nowMs)
        ctx.out.push({ body: update, contentRelated: true, answer: false })
        for (const payload of c.seal(ctx)) out.push({ connection: c, payload })
      }
    }
    return out
  }
}

/** One connection's protocol state. */
export class ServerConnection {
  readonly #engine: ServerEngine
  readonly #o: ServerEngineOptions
  readonly #padded: boolean
  #handshake: ServerHandshakeStep | undefined
  #dcRejected = false
  readonly #plainIds = new MsgIdGenerator('server')
  closed = false

  constructor(engine: ServerEngine, opts: ServerEngineOptions, padded: boolean) {
    this.#engine = engine
    this.#o = opts
    this.#padded = padded
  }

  /** Handles one payload. Never throws: violations come back as `close`. */
  receive(payload: Uint8Array, nowMs: number): ConnectionOutput {
    try {
      if (payload.length < 8) throw new ServerProtocolError('short-frame', `${payload.length}-byte payload`, TRANSPORT_CODE.notFound)
      const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
      const keyId = view.getBigInt64(0, true)
      return keyId === 0n ? this.#plain(payload, nowMs) : this.#encrypted(keyId, payload, nowMs)
    } catch (e) {
      this.closed = true
      const err = e instanceof MtError ? e : new ServerProtocolError('decrypt-failed', String(e), TRANSPORT_CODE.notFound)
      const code = e instanceof ServerProtocolError ? e.code : TRANSPORT_CODE.notFound
      return { frames: [], close: code, error: err, effects: [], authenticated: false }
    }
  }

  #plain(payload: Uint8Array, nowMs: number): ConnectionOutput {
    const { body } = decodePlainFrame(payload)
    const factory = this.#o.handshake
    if (factory === undefined) throw new ServerProtocolError('handshake-failed', 'this DC has no key exchange configured', TRANSPORT_CODE.notFound)
    this.#handshake ??= factory({
      onDcRejected: () => {
        this.#dcRejected = true
      },
    })
    let res: ReturnType<ServerHandshakeStep['receive']>
    try {
      res = this.#handshake.receive(body, nowMs)
    } catch (e) {
      const code = this.#dcRejected ? TRANSPORT_CODE.badDc : TRANSPORT_CODE.notFound
      const err = new ServerProtocolError('handshake-failed', e instanceof Error ? e.message : String(e), code)
      err.cause = e
      throw err
    }
    this.#plainIds.setTimeOffset(this.#o.clock.skewSeconds)
    const frames = [encodePlainFrame(res.send, this.#plainIds.next(nowMs, 'answer'))]
    if (res.done !== undefined) {
      const d = res.done
      this.#o.keys.add(d.authKey, {
        firstSalt: d.serverSalt,
        serverNow: nowMs / 1000 + this.#o.clock.skewSeconds,
        temp: d.temp,
        ...(d.expiresAt !== undefined ? { expiresAt: d.expiresAt } : {}),
        exchanged: true,
      })
      this.#handshake = undefined
    }
    return { frames, effects: [], authenticated: true }
  }

  #encrypted(keyId: bigint, payload: Uint8Array, nowMs: number): ConnectionOutput {
    const keys = this.#o.keys
    const key = keys.get(keyId)
    const serverNow = nowMs / 1000 + this.#o.clock.skewSeconds
    if (key === undefined || (key.expiresAt !== undefined && key.expiresAt < serverNow)) {
      throw new ServerProtocolError('unknown-auth-key', `unknown auth_key_id ${keyId}`, TRANSPORT_CODE.notFound)
    }
    let msg: ReturnType<ServerAuthKey['cipher']['decrypt']>
    try {
      // msg_id parity is the session's check (bad_msg_notification 18), not a reason to drop the connection.
      msg = key.cipher.decrypt(payload, { sender: 'client', sessionId: null, ignoreTrailingBytes: this.#padded, checkMsgIdParity: false })
    } catch (e) {
      const err = new ServerProtocolError('decrypt-failed', e instanceof SecurityError ? `security check failed: ${e.reason}` : String(e), TRANSPORT_CODE.notFound)
      err.cause = e
      throw err
    }
    let session = key.sessions.get(msg.sessionId)
    const ctx = this.context(key, session ?? newSession(msg.sessionId, this.#o.clock.skewSeconds), nowMs)
    const env = this.#engine.env
    if (session === undefined) {
      session = ctx.session
      keys.addSession(key, session)
      announceSession(env, ctx, firstMsgIdOf(msg.msgId, msg.body))
    }
    if (session.connection !== this) {
      // A new connection of a known session: what the client never acknowledged goes out again.
      session.connection = this
      for (const [msgId, m] of session.unacked) ctx.out.push({ body: m.body, contentRelated: true, answer: true, fixed: { msgId, seqno: m.seqno, body: m.body } })
    }
    if ((msg.msgId & 3n) === 0n && !keys.saltValid(key, msg.salt, serverNow, env.random)) {
      badSalt(env, ctx, msg.msgId, msg.seqNo)
    } else {
      handleMessage(env, ctx, msg.msgId, msg.seqNo, msg.body, false)
    }
    const frames = this.seal(ctx)
    return {
      frames,
      effects: ctx.effects,
      authenticated: true,
      ...(ctx.disconnectAfterMs !== undefined ? { disconnectAfterMs: ctx.disconnectAfterMs } : {}),
    }
  }

  /** A frame context for `session` at `nowMs`. */
  context(key: ServerAuthKey, session: FrameContext['session'], nowMs: number): FrameContext {
    return {
      key,
      session,
      nowMs,
      serverNow: nowMs / 1000 + this.#o.clock.skewSeconds,
      out: [],
      acks: [],
      effects: [],
      disconnectAfterMs: undefined,
    }
  }

  /** Turns the context's outgoing messages (plus acks) into encrypted payloads, packing containers when needed. */
  seal(ctx: FrameContext): Uint8Array[] {
    const s = ctx.session
    s.msgIds.setTimeOffset(this.#o.clock.skewSeconds)
    const wire: WireMessage[] = []
    const place = (m: OutMessage): void => {
      if (m.fixed !== undefined) {
        wire.push(m.fixed)
        return
      }
      const msgId = s.msgIds.next(ctx.nowMs, m.answer ? 'answer' : 'other')
      const seqno = s.seq.next(m.contentRelated)
      if (m.contentRelated) trackUnacked(s, msgId, seqno, m.body)
      wire.push({ msgId, seqno, body: m.body })
    }
    for (const m of ctx.out) place(m)
    if (ctx.acks.length > 0) place({ body: ackBody(ctx.acks), contentRelated: false, answer: false })
    if (wire.length === 0) return []
    const salt = currentSalt(this.#engine.env, ctx)
    const key = ctx.key
    const frames: Uint8Array[] = []
    const random = this.#o.random
    const encrypt = (m: WireMessage): Uint8Array =>
      key.cipher.encrypt({ salt, sessionId: s.id, msgId: m.msgId, seqNo: m.seqno, body: m.body }, { sender: 'server', random, padding: 'minimal' })
    let batch: WireMessage[] = []
    let bytes = 0
    const flush = (): void => {
      if (batch.length === 1 && batch[0] !== undefined) frames.push(encrypt(batch[0]))
      else if (batch.length > 1) {
        const msgId = s.msgIds.next(ctx.nowMs, 'other')
        frames.push(encrypt({ msgId, seqno: s.seq.next(false), body: writeContainer(batch) }))
      }
      batch = []
      bytes = 0
    }
    for (const m of wire) {
      if (batch.length >= MAX_CONTAINER_MESSAGES || bytes + m.body.length > MAX_CONTAINER_BYTES) flush()
      batch.push(m)
      bytes += m.body.length + 16
    }
    flush()
    return frames
  }
}

/** msgs_ack body for up to any number of ids (the caller sends one per frame; frames carry far fewer than 8192). */
function ackBody(ids: readonly bigint[]): Uint8Array {
  const b = new Uint8Array(4 + 8 + 8 * ids.length)
  const v = new DataView(b.buffer)
  v.setUint32(0, SERVER_IDS.msgsAck, true)
  v.setUint32(4, VECTOR_ID, true)
  v.setUint32(8, ids.length, true)
  for (let i = 0; i < ids.length; i++) v.setBigInt64(12 + 8 * i, ids[i] ?? 0n, true)
  return b.subarray(0, 12 + 8 * ids.length)
}

/** The first message id of a payload: the first inner message of a container, else the message itself. */
function firstMsgIdOf(msgId: bigint, body: Uint8Array): bigint {
  if (body.length >= 16) {
    const v = new DataView(body.buffer, body.byteOffset, body.byteLength)
    if (v.getUint32(0, true) === SERVER_IDS.msgContainer && v.getUint32(4, true) > 0) return v.getBigInt64(8, true)
  }
  return msgId
}
