/**
 * The client side of an MTProto 2.0 encrypted session, sans-IO: callers hand in requests, received payloads and the
 * time; the session hands back encrypted payloads for the transport and events.
 *
 * Spec: https://core.telegram.org/mtproto/description (session, msg_id, seq_no, salt),
 * https://core.telegram.org/mtproto/service_messages (containers, rpc_result, pings, salts, sessions),
 * https://core.telegram.org/mtproto/service_messages_about_messages (acks, bad_msg_notification, state and resend
 * requests, detailed info), https://core.telegram.org/mtproto/security_guidelines#checking-msg-id (replay checks).
 *
 * Resending after a reconnect (design decision): a sent but unanswered request goes out again under its ORIGINAL
 * msg_id and seq_no while that id is younger than {@link RESEND_SAME_ID_MAX_AGE_SECONDS}, so a server that already
 * has it recognises the duplicate and answers from its cache instead of executing it twice. An older id would be
 * refused by the server as too old (bad_msg_notification 16/20) and is beyond the window in which the server tracks
 * msg_ids anyway, so such a request gets a new msg_id (the spec's "re-send with a new msg_id"). msg_copy is not used:
 * it is deprecated and servers do not accept it from clients. The same rule applies after new_session_created and to
 * the resend timer (a request unanswered for `resendAfterMs`, e.g. its answer was lost to a corrupted frame).
 *
 * Ordering: ids are assigned in queue order at flush time; resent messages go back to the front in their original
 * order. The session never throws on received data except for the top-level security checks (SecurityError) and a
 * malformed top-level container or service message (SessionError/TlError); one bad message inside a container is
 * skipped alone.
 */
import { AckQueue, MAX_IDS_PER_SERVICE_MESSAGE } from './acks.js'
import { ArgumentError } from '../../errors.js'
import type { MessageCipher } from '../crypto/message.js'
import type { RandomSource } from '../random.js'
import { serializeObject } from '../../tl/service.js'
import { SessionError } from './client-errors.js'
import { Outbox, type OutReq } from './client-outbox.js'
import { handleIncoming } from './client-incoming.js'
import { containerSize, encodeContainer, type InnerMessage, MAX_CONTAINER_BYTES, MAX_CONTAINER_MESSAGES } from './container.js'
import { maybeGzip, wrapInvokeAfter } from './client-wire.js'
import { MsgIdGenerator, msgIdSeconds, SeqNoCounter } from './msg-id.js'
import { ReplayGuard } from './replay.js'
import { SeenIds } from './client-seen.js'
import { SaltStore } from './salts.js'
import { SecurityError } from '../errors.js'
import {
  type ClientSessionOptions,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_PING_TIMEOUT_MS,
  DEFAULT_RESEND_AFTER_MS,
  FUTURE_SALTS_COUNT,
  MAX_REQUEST_BYTES,
  PING_DISCONNECT_DELAY_SECONDS,
  RESEND_SAME_ID_MAX_AGE_SECONDS,
  type SendRequest,
  type SentRequestRecord,
  type SessionEvent,
  type SessionState,
} from './client-types.js'

export type { ClientSessionOptions, SendRequest, SentRequestRecord, SessionEvent, SessionState } from './client-types.js'
export {
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_PING_TIMEOUT_MS,
  DEFAULT_RESEND_AFTER_MS,
  FUTURE_SALTS_COUNT,
  MAX_REQUEST_BYTES,
  PING_DISCONNECT_DELAY_SECONDS,
  RESEND_SAME_ID_MAX_AGE_SECONDS,
} from './client-types.js'

/**
 * A service message queued by the session (acks are separate). msgs_state_req, msgs_state_info and msg_resend_req go
 * out content-related: the spec counts "virtually all" messages as content-related except containers and acks
 * (https://core.telegram.org/mtproto/description#message-sequence-number-msg-seqno). They are not tracked for resend:
 * a lost one is simply asked again by whichever side still wants the answer.
 */
interface ServiceOut {
  readonly body: Uint8Array
  readonly contentRelated: boolean
  /** For msgs_state_req: the ids asked about, remembered under the msg_id it is sent with. */
  readonly stateIds?: readonly bigint[]
}

/** One message of an outgoing batch. */
interface Item extends InnerMessage {
  readonly req?: OutReq
  readonly svc?: ServiceOut
}

/** The client session. */
export class ClientSession {
  readonly sessionId: bigint
  msgIds = new MsgIdGenerator('client')
  readonly seq: SeqNoCounter
  readonly salts: SaltStore
  readonly acks: AckQueue
  readonly replay: ReplayGuard
  readonly outbox = new Outbox()
  /** The first msg_id sent in this session (0n before the first send). */
  firstMsgId = 0n
  /** Messages received that the session skipped (unknown constructors, malformed inner messages). */
  skipped = 0
  #o: ClientSessionOptions
  readonly #cipher: MessageCipher
  readonly #random: RandomSource
  readonly #svc: ServiceOut[] = []
  /** Sent msgs_state_req: msg_id -> ids asked about. */
  readonly stateRequests = new Map<bigint, readonly bigint[]>()
  /** Every server msg_id received within the time window (see client-seen.ts). */
  readonly #seen: SeenIds
  readonly #maxPast: number
  readonly #maxFuture: number
  #deferred: SessionEvent[] = []
  #internalIds = -1
  #nextPingAt: number | undefined
  #ping: { req: OutReq; sentAt: number } | undefined
  #saltsReq: OutReq | undefined
  /** Caller requests put on the wire since the last {@link takeSent} (only with `recordSent`). */
  #sentLog: SentRequestRecord[] = []

  /** Changes the session's timers (keepalive interval, ping timeout, resend) from now on; absent ones stay. */
  retune(t: Pick<ClientSessionOptions, 'pingIntervalMs' | 'pingTimeoutMs' | 'resendAfterMs'>): void {
    const defined = Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)) as typeof t
    this.#o = { ...this.#o, ...defined }
    // The next keepalive is planned again with the new interval.
    if (defined.pingIntervalMs !== undefined) this.#nextPingAt = undefined
  }

  constructor(opts: ClientSessionOptions) {
    this.#o = opts
    this.#cipher = opts.cipher
    this.#random = opts.random
    const sid = new Uint8Array(8)
    opts.random(sid)
    this.sessionId = opts.sessionId ?? new DataView(sid.buffer).getBigInt64(0, true)
    this.salts = new SaltStore(opts.serverSalt ?? 0n)
    this.acks = new AckQueue(opts.ack)
    this.replay = new ReplayGuard(opts.replay)
    this.#maxPast = opts.replay?.maxPastSeconds ?? 300
    this.#maxFuture = opts.replay?.maxFutureSeconds ?? 30
    this.#seen = new SeenIds(this.#maxPast)
    if (opts.timeOffset !== undefined) this.msgIds.setTimeOffset(opts.timeOffset)
    this.seq = new SeqNoCounter(opts.resume?.seqNo ?? 0)
    if (opts.resume !== undefined) this.msgIds.advancePast(opts.resume.lastMsgId)
  }

  /** The state a replacement driver resumes from (see {@link ClientSessionOptions.resume}). */
  state(nowMs: number): SessionState {
    return { sessionId: this.sessionId, serverSalt: this.currentSalt(nowMs), timeOffset: this.timeOffset, seqNo: this.seq.contentCount, lastMsgId: this.msgIds.last }
  }

  /** The caller requests put on the wire since the last call, in send order (empty unless `recordSent`). */
  takeSent(): SentRequestRecord[] {
    const out = this.#sentLog
    if (out.length > 0) this.#sentLog = []
    return out
  }

  /** Seconds between local and server time. */
  get timeOffset(): number {
    return this.msgIds.timeOffset
  }

  /** Server time (unix seconds) at local `nowMs`. */
  serverNow(nowMs: number): number {
    return this.msgIds.serverTime(nowMs)
  }

  /** The salt in use at `nowMs`. */
  currentSalt(nowMs: number): bigint {
    return this.salts.current(this.serverNow(nowMs))
  }

  /**
   * Queues a request. Throws ArgumentError for a bad body or a duplicate id. An `after` naming a request that is no
   * longer pending sends the request unwrapped (what it had to wait for has completed).
   */
  send(req: SendRequest): void {
    if (!Number.isInteger(req.requestId) || req.requestId < 0) throw new ArgumentError('requestId must be a non-negative integer', 'requestId')
    if (req.body.length % 4 !== 0 || req.body.length < 4) throw new ArgumentError(`request body length ${req.body.length} is invalid`, 'body')
    if (req.body.length > MAX_REQUEST_BYTES) throw new ArgumentError(`request of ${req.body.length} bytes exceeds ${MAX_REQUEST_BYTES}`, 'body')
    let after: OutReq | undefined
    if (req.after !== undefined) {
      // A request that is no longer pending has completed: nothing to wait for.
      after = this.outbox.byRequest.get(req.after)
    }
    const body = maybeGzip(req.body, this.#o.gzipMinBytes)
    const resend = req.resend
    if (resend !== undefined && (resend.msgId <= 0n || (resend.msgId & 3n) !== 0n || !Number.isInteger(resend.seqNo) || resend.seqNo < 0)) {
      throw new ArgumentError('resend needs a client msg_id (divisible by 4) and a non-negative seq_no', 'resend')
    }
    this.outbox.add({
      requestId: req.requestId,
      method: req.method,
      body,
      contentRelated: req.contentRelated ?? true,
      after,
      internal: undefined,
      // Written out even when undefined: one object shape for every request, no spread per call.
      msgId: req.msgId,
      resend,
    })
  }

  /** Forgets a request (the caller gave up); a late answer is then ignored. Returns whether it was pending. */
  cancel(requestId: number): boolean {
    return this.outbox.forget(requestId)
  }

  /** Asks the server about every sent, unanswered request (msgs_state_req); lost ones are resent on the answer. */
  queryState(): void {
    const ids = this.outbox.inFlight().map((r) => r.msgId)
    for (let i = 0; i < ids.length; i += MAX_IDS_PER_SERVICE_MESSAGE) {
      const chunk = ids.slice(i, i + MAX_IDS_PER_SERVICE_MESSAGE)
      this.#svc.push({ body: serializeObject({ _: 'msgs_state_req', msgIds: chunk }, { ownBuffer: true }), contentRelated: true, stateIds: chunk })
    }
  }

  /** Queues a service message built by the incoming handlers. */
  queueService(body: Uint8Array, contentRelated: boolean): void {
    this.#svc.push({ body, contentRelated })
  }

  /** Whether anything is waiting to be sent now. */
  hasOutput(nowMs: number): boolean {
    return this.outbox.queued > 0 || this.#svc.length > 0 || this.acks.due(nowMs)
  }

  /**
   * After a new connection of the same session: every sent, unanswered message is queued again (original msg_id
   * when younger than {@link RESEND_SAME_ID_MAX_AGE_SECONDS}, else a new one).
   */
  onReconnect(nowMs: number): void {
    if (this.#ping !== undefined) this.outbox.forget(this.#ping.req.requestId)
    this.#ping = undefined
    this.#nextPingAt = undefined
    this.resendByAge(this.outbox.inFlight(), nowMs)
    this.outbox.containers.clear()
    this.stateRequests.clear()
  }

  /**
   * Queues sent messages again without counting it as a rejection: under their original msg_id while younger than
   * {@link RESEND_SAME_ID_MAX_AGE_SECONDS} (the server can then recognise a duplicate), else under a new one.
   */
  resendByAge(reqs: readonly OutReq[], nowMs: number): void {
    const now = this.serverNow(nowMs)
    const young: OutReq[] = []
    const old: OutReq[] = []
    for (const req of reqs) (now - msgIdSeconds(req.msgId) < RESEND_SAME_ID_MAX_AGE_SECONDS ? young : old).push(req)
    for (const req of old) req.reuseId = false
    for (const req of young) req.reuseId = true
    this.outbox.requeue(reqs, { reuseId: 'keep', counts: false })
  }

  /** Fails every pending request (closing, or the auth key is gone) and returns the events. */
  close(reason = 'session closed'): SessionEvent[] {
    const events: SessionEvent[] = []
    for (const req of this.outbox.drain()) {
      if (req.internal === undefined) events.push({ type: 'failed', requestId: req.requestId, error: new SessionError('session-closed', reason) })
    }
    this.#ping = undefined
    this.#saltsReq = undefined
    return events
  }

  /** The earliest local time (ms) at which {@link onTimer} has work, or undefined. */
  nextDeadline(): number | undefined {
    let t: number | undefined
    const min = (v: number | undefined): void => {
      if (v !== undefined && (t === undefined || v < t)) t = v
    }
    min(this.acks.deadline())
    if (this.#ping !== undefined) min(this.#ping.sentAt + (this.#o.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS))
    else min(this.#nextPingAt)
    const resendAfter = this.#o.resendAfterMs ?? DEFAULT_RESEND_AFTER_MS
    const oldest = this.outbox.oldestSentAt()
    if (resendAfter > 0 && oldest !== undefined) min(oldest + resendAfter)
    if (this.#o.futureSalts !== false && this.#saltsReq === undefined) {
      // refreshAt(-inf) is -inf when no salts are known: flush() then asks at once, no timer needed.
      const at = this.salts.refreshAt(Number.NEGATIVE_INFINITY)
      if (Number.isFinite(at)) min(Math.ceil((at - this.timeOffset) * 1000))
    }
    return t
  }

  /**
   * Runs timers: queues a keepalive or a salts prefetch when due, and resends requests unanswered for
   * `resendAfterMs` (same msg_id while young: the server answers a duplicate from its cache, or with
   * msg_detailed_info). Returns 'dead' when a keepalive went unanswered past the timeout (the driver should
   * reconnect), else 'ok'. Call {@link flush} afterwards.
   */
  onTimer(nowMs: number): 'ok' | 'dead' {
    const interval = this.#o.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS
    if (this.#ping !== undefined && nowMs - this.#ping.sentAt >= (this.#o.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS)) return 'dead'
    const resendAfter = this.#o.resendAfterMs ?? DEFAULT_RESEND_AFTER_MS
    if (resendAfter > 0) {
      const overdue = this.outbox.overdue(nowMs - resendAfter)
      if (overdue.length > 0) this.resendByAge(overdue, nowMs)
    }
    if (interval > 0) {
      if (this.#nextPingAt === undefined) this.#nextPingAt = nowMs + interval
      else if (nowMs >= this.#nextPingAt && this.#ping === undefined) {
        const pingId = new DataView(this.#bytes(8).buffer).getBigInt64(0, true)
        const body = serializeObject({ _: 'ping_delay_disconnect', pingId, disconnectDelay: PING_DISCONNECT_DELAY_SECONDS }, { ownBuffer: true })
        const req = this.#internal('ping_delay_disconnect', body, 'ping')
        this.#ping = { req, sentAt: nowMs }
        this.#nextPingAt = nowMs + interval
      }
    }
    this.#maybeRefreshSalts(nowMs)
    return 'ok'
  }

  /** Encrypts everything due into transport payloads (containers where several messages go together). */
  flush(nowMs: number): Uint8Array[] {
    this.#maybeRefreshSalts(nowMs)
    if (this.#nextPingAt === undefined && (this.#o.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS) > 0) this.onTimer(nowMs)
    const out: Uint8Array[] = []
    const maxCount = Math.min(this.#o.maxContainerMessages ?? MAX_CONTAINER_MESSAGES, MAX_CONTAINER_MESSAGES)
    const maxBytes = this.#o.maxContainerBytes ?? MAX_CONTAINER_BYTES
    let acksOk = this.outbox.queued > 0 || this.#svc.length > 0 || this.acks.due(nowMs)
    while (this.outbox.queued > 0 || this.#svc.length > 0 || (acksOk && this.acks.size > 0)) {
      const items: Item[] = []
      let bytes = 0
      const fits = (len: number): boolean => items.length === 0 || (items.length < maxCount && containerSize(items.length + 1, bytes + len) <= maxBytes)
      if (acksOk && this.acks.size > 0) {
        const body = serializeObject({ _: 'msgs_ack', msgIds: this.acks.take() }, { ownBuffer: true })
        items.push(this.#item(body, false, nowMs))
        bytes += body.length
      }
      while (this.#svc.length > 0 && fits((this.#svc[0] as ServiceOut).body.length)) {
        const svc = this.#svc.shift() as ServiceOut
        items.push({ ...this.#item(svc.body, svc.contentRelated, nowMs), svc })
        bytes += svc.body.length
      }
      for (let req = this.outbox.peek(); req !== undefined; req = this.outbox.peek()) {
        const len = req.body.length + (req.after !== undefined ? 12 : 0)
        if (items.length > 0 && (req.alone || !fits(len))) break
        this.outbox.shift()
        const item = this.#requestItem(req, nowMs)
        items.push(item)
        bytes += item.body.length
        if (req.alone) break
      }
      if (items.length === 0) break
      out.push(this.#encrypt(items, nowMs))
      acksOk = this.acks.size > 0
    }
    return out
  }

  /**
   * Decrypts and handles one payload. Throws {@link SecurityError} when a check fails (the payload is dropped and the
   * session state is unchanged, except for a clock resync when consecutive rejections agree on a skew).
   */
  receive(payload: Uint8Array, nowMs: number): SessionEvent[] {
    const msg = this.#cipher.decrypt(payload, {
      sender: 'server',
      sessionId: this.sessionId,
      ...(this.#o.ignoreTrailingBytes === true ? { ignoreTrailingBytes: true } : {}),
    })
    this.checkMsgId(msg.msgId, nowMs, msg.seqNo)
    const events = this.#deferred
    this.#deferred = []
    handleIncoming(this, msg.msgId, msg.seqNo, msg.body, nowMs, events, false)
    return events
  }

  /**
   * Replay and time check of a received msg_id; throws SecurityError, after a resync when the guard reports one.
   * An id below the guard's 500-id window that was never received and is inside the time window is a message the
   * server re-sent under its original msg_id: accepted. A replayed content-related message is acknowledged again
   * (the server resends what it believes we never acked).
   */
  checkMsgId(msgId: bigint, nowMs: number, seqNo: number): void {
    const serverNow = this.serverNow(nowMs)
    const v = this.replay.check(msgId, serverNow)
    if (v.ok) {
      this.#seen.add(msgId, serverNow)
      return
    }
    if (v.reason === 'msg-id-replayed') {
      if (!this.#seen.has(msgId)) {
        const skew = Number(msgId >> 32n) - serverNow
        if (skew >= -this.#maxPast && skew <= this.#maxFuture) {
          this.#seen.add(msgId, serverNow)
          return
        }
      } else if ((seqNo & 1) === 1) this.acks.add(msgId, nowMs)
    }
    if (v.resync !== undefined) {
      this.msgIds.setTimeOffset(this.timeOffset + v.resync)
      this.#deferred.push(this.stateEvent(nowMs))
    }
    throw new SecurityError(v.reason, 'received msg_id rejected by the replay and time checks', { msgId })
  }

  /** Whether a server msg_id was received recently. */
  receivedRecently(msgId: bigint): boolean {
    return this.#seen.has(msgId)
  }

  /** The current salt and offset, as an event. */
  stateEvent(nowMs: number): SessionEvent {
    return { type: 'state', serverSalt: this.currentSalt(nowMs), timeOffset: this.timeOffset }
  }

  /** Handles the session's own answers; returns true when `req` was internal. */
  internalAnswer(req: OutReq): boolean {
    if (req.internal === 'ping') {
      if (this.#ping?.req === req) this.#ping = undefined
      return true
    }
    if (req.internal === 'salts') {
      if (this.#saltsReq === req) this.#saltsReq = undefined
      return true
    }
    return false
  }


  #maybeRefreshSalts(nowMs: number): void {
    if (this.#o.futureSalts === false || this.#saltsReq !== undefined) return
    if (!this.salts.needsRefresh(this.serverNow(nowMs))) return
    const body = serializeObject({ _: 'get_future_salts', num: FUTURE_SALTS_COUNT }, { ownBuffer: true })
    this.#saltsReq = this.#internal('get_future_salts', body, 'salts')
  }

  #internal(method: string, body: Uint8Array, kind: 'ping' | 'salts'): OutReq {
    return this.outbox.add({ requestId: this.#internalIds--, method, body, contentRelated: true, after: undefined, internal: kind })
  }

  #bytes(n: number): Uint8Array {
    const b = new Uint8Array(n)
    this.#random(b)
    return b
  }

  #item(body: Uint8Array, contentRelated: boolean, nowMs: number): Item {
    return { msgId: this.msgIds.next(nowMs), seqNo: this.seq.next(contentRelated), body }
  }

  #requestItem(req: OutReq, nowMs: number): Item {
    let msgId: bigint
    let seqNo: number
    if (req.reuseId && req.msgId !== 0n) {
      msgId = req.msgId
      // A caller-reserved id gets its seq_no at the first send.
      seqNo = req.ids.length === 0 ? this.seq.next(req.contentRelated) : req.seqNo
    } else {
      msgId = this.msgIds.next(nowMs)
      seqNo = this.seq.next(req.contentRelated)
    }
    const after = req.after
    const body = after !== undefined && after.msgId !== 0n && after.msgId !== msgId ? wrapInvokeAfter(after.msgId, req.body) : req.body
    this.outbox.markSent(req, msgId, seqNo, nowMs)
    if (this.#o.recordSent === true && req.internal === undefined) this.#sentLog.push({ requestId: req.requestId, msgId, seqNo })
    return { msgId, seqNo, body, req }
  }

  #encrypt(items: Item[], nowMs: number): Uint8Array {
    let msgId: bigint
    let seqNo: number
    let body: Uint8Array
    const only = items[0]
    if (items.length === 1 && only !== undefined) {
      ;({ msgId, seqNo, body } = only)
    } else {
      body = encodeContainer(items)
      msgId = this.msgIds.next(nowMs)
      seqNo = this.seq.next(false)
      const inner: OutReq[] = []
      for (const it of items) if (it.req !== undefined) inner.push(it.req)
      this.outbox.addContainer(msgId, inner)
    }
    for (const it of items) if (it.svc?.stateIds !== undefined) this.stateRequests.set(it.msgId, it.svc.stateIds)
    if (this.firstMsgId === 0n) this.firstMsgId = items.length === 1 ? msgId : (items[0]?.msgId ?? msgId)
    const salt = this.currentSalt(nowMs)
    return this.#cipher.encrypt(
      { salt, sessionId: this.sessionId, msgId, seqNo, body },
      { sender: 'client', random: this.#random, ...(this.#o.padding !== undefined ? { padding: this.#o.padding } : {}) },
    )
  }
}
