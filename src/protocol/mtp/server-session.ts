/**
 * The server half of an encrypted MTProto session: what happens to each decrypted message. msg_id and seq_no checks
 * (bad_msg_notification 16/17/18/19/20/32/33/34/35/64), containers, acks, service requests (ping,
 * ping_delay_disconnect, get_future_salts, destroy_session, destroy_auth_key, msgs_state_req, msg_resend_req,
 * rpc_drop_answer) and RPC execution with exactly-once semantics: a msg_id already answered is never executed again;
 * the cached answer (still unacknowledged) or msg_detailed_info (acknowledged) goes out instead.
 *
 * Spec: https://core.telegram.org/mtproto/service_messages_about_messages (acks, bad_msg_notification codes, state
 * requests, resend requests, msg_detailed_info), https://core.telegram.org/mtproto/service_messages (rpc_result,
 * rpc_drop_answer, future salts, ping, destroy_session), https://core.telegram.org/mtproto/description (msg_id and
 * seq_no rules, new_session_created).
 */
import '../../tl/index.js'
import { deserializeObject, mtNames, serializeObject, type Mt, type TlObject } from '../../tl/index.js'
import type { Fault } from '../../testing/faults.js'
import type { RandomSource } from '../random.js'
import { MsgIdGenerator, SeqNoCounter } from './msg-id.js'
import { RpcFailure, ServerProtocolError, TRANSPORT_CODE } from './server-errors.js'
import { type CachedAnswer, evictOldest, MAX_UNACKED_PER_SESSION, type ServerAuthKey, type ServerKeyStore, type ServerSessionState } from './server-keys.js'
import { type ExecutionCounters, RpcRegistry } from './server-rpc.js'
import { constructorOf, parseContainer, SERVER_IDS, type WireMessage, writeRpcResult } from './server-wire.js'

/** Client msg_ids remembered per session for duplicate, state and order checks. */
export const SEEN_WINDOW = 2048
/** msg_id time bounds (spec: at most 300 s in the past and 30 s in the future of server time). */
export const MAX_PAST_SECONDS = 300
export const MAX_FUTURE_SECONDS = 30
/** get_future_salts returns at most 64 salts (spec). */
export const MAX_FUTURE_SALTS = 64

/** Everything a session needs from its DC. */
export interface SessionEnv {
  readonly dcId: number
  readonly random: RandomSource
  readonly keys: ServerKeyStore
  readonly rpc: RpcRegistry
  readonly counters: ExecutionCounters
  /** The DC clock offset (the skew-clock fault moves it). */
  readonly clock: { skewSeconds: number }
  /** Asked once per RPC; returns the faults that fire for it. */
  readonly onRequest?: (method: string) => readonly Fault[]
}

/** A message the server is about to send: content-related ones get odd seq_nos and wait for an ack. */
export interface OutMessage {
  readonly body: Uint8Array
  readonly contentRelated: boolean
  /** An answer to a client message (msg_id 1 mod 4) or not (3 mod 4). */
  readonly answer: boolean
  /** Set when resending a message that already has its id and seq_no. */
  readonly fixed?: WireMessage
}

/** The work of one received encrypted frame. */
export interface FrameContext {
  readonly key: ServerAuthKey
  session: ServerSessionState
  /** Local time (ms) of the frame. */
  readonly nowMs: number
  /** Server time (unix seconds, skew included). */
  readonly serverNow: number
  readonly out: OutMessage[]
  /** Content-related client messages to acknowledge. */
  readonly acks: bigint[]
  /** Transport-level faults that fired (drop, delay, reorder, duplicate, corrupt, restart). */
  readonly effects: Fault[]
  /** ping_delay_disconnect: close the connection after this many ms without another ping. */
  disconnectAfterMs: number | undefined
}

/**
 * A fresh session state. `msgIds` carries a previous generator over when the server forgets a session but the client
 * keeps its session id: the new session must never reuse a msg_id the client already received under that id.
 */
export function newSession(id: bigint, skewSeconds: number, msgIds = new MsgIdGenerator('server')): ServerSessionState {
  msgIds.setTimeOffset(skewSeconds)
  return {
    id,
    msgIds,
    seq: new SeqNoCounter(),
    seen: new Map(),
    seenMax: 0n,
    floor: 0n,
    lastContent: undefined,
    unacked: new Map(),
    noUpdates: false,
    connection: undefined,
  }
}

const obj = (o: TlObject): Uint8Array => serializeObject(o)

/** Sends `new_session_created` for a session that starts with `firstMsgId`. */
export function announceSession(env: SessionEnv, ctx: FrameContext, firstMsgId: bigint): void {
  const unique = new Uint8Array(8)
  env.random(unique)
  const m: Mt.new_session_created = {
    _: 'new_session_created',
    firstMsgId,
    uniqueId: new DataView(unique.buffer).getBigInt64(0, true),
    serverSalt: currentSalt(env, ctx),
  }
  ctx.out.push({ body: obj(m), contentRelated: true, answer: false })
}

/** The salt of the current window. */
export function currentSalt(env: SessionEnv, ctx: FrameContext): bigint {
  return env.keys.saltOf(ctx.key, env.keys.window(ctx.serverNow), env.random)
}

function badMsg(ctx: FrameContext, msgId: bigint, seqno: number, code: number): true {
  const m: Mt.bad_msg_notification = { _: 'bad_msg_notification', badMsgId: msgId, badMsgSeqno: seqno, errorCode: code }
  ctx.out.push({ body: obj(m), contentRelated: false, answer: true })
  return true
}

/** bad_server_salt for a message (the whole frame when the outer salt was wrong). */
export function badSalt(env: SessionEnv, ctx: FrameContext, msgId: bigint, seqno: number): true {
  const m: Mt.bad_server_salt = {
    _: 'bad_server_salt',
    badMsgId: msgId,
    badMsgSeqno: seqno,
    errorCode: 48,
    newServerSalt: currentSalt(env, ctx),
  }
  ctx.out.push({ body: obj(m), contentRelated: false, answer: true })
  return true
}

/** Keeps a content-related server message until acknowledged (bounded: the oldest is dropped past the cap). */
export function trackUnacked(s: ServerSessionState, msgId: bigint, seqno: number, body: Uint8Array): void {
  s.unacked.set(msgId, { seqno, body })
  evictOldest(s.unacked, MAX_UNACKED_PER_SESSION)
}

function remember(s: ServerSessionState, msgId: bigint, seqno: number): void {
  s.seen.set(msgId, seqno)
  if (msgId > s.seenMax) s.seenMax = msgId
  if (s.seen.size > SEEN_WINDOW) {
    evictOldest(s.seen, SEEN_WINDOW, (id) => {
      if (id > s.floor) s.floor = id
    })
  }
}

/**
 * Handles one message (a whole frame's message, or one inside a container). Protocol violations that end the
 * connection throw {@link ServerProtocolError}; everything else becomes outgoing messages in `ctx`.
 */
export function handleMessage(env: SessionEnv, ctx: FrameContext, msgId: bigint, seqno: number, body: Uint8Array, inContainer: boolean): boolean {
  const id = constructorOf(body)
  const isContainer = id === SERVER_IDS.msgContainer
  const isApi = !mtNames.has(id) && id !== SERVER_IDS.gzipPacked
  const s = ctx.session
  if ((msgId & 3n) !== 0n) return badMsg(ctx, msgId, seqno, 18)
  // Ids mostly only grow: one above everything answered or seen needs neither lookup.
  const cached = msgId > ctx.key.answeredMax ? undefined : ctx.key.answers.get(msgId)
  // msg_ids are unique per session only: two sessions of one key (two connections) can pick the same one.
  if (cached !== undefined && cached.sessionId === s.id) return answerDuplicate(ctx, msgId, cached)
  if (msgId <= s.seenMax && s.seen.has(msgId)) {
    if (isContainer) badMsg(ctx, msgId, seqno, 19)
    return true
  }
  const sec = Number(msgId >> 32n)
  if (sec < ctx.serverNow - MAX_PAST_SECONDS) return badMsg(ctx, msgId, seqno, 16)
  if (sec > ctx.serverNow + MAX_FUTURE_SECONDS) return badMsg(ctx, msgId, seqno, 17)
  if (msgId <= s.floor) return badMsg(ctx, msgId, seqno, 20)
  const odd = (seqno & 1) === 1
  // 34 only for containers: msgs_ack is not content-related either, but mtcute sends it with an odd seq_no and
  // Telegram accepts that, so the loopback DC does too.
  if (isContainer && odd) return badMsg(ctx, msgId, seqno, 34)
  if (isApi && !odd) return badMsg(ctx, msgId, seqno, 35)
  if (isApi) {
    const last = s.lastContent
    if (last !== undefined && msgId > last.msgId && seqno < last.seqno) return badMsg(ctx, msgId, seqno, 32)
    if (last !== undefined && msgId < last.msgId && seqno > last.seqno) return badMsg(ctx, msgId, seqno, 33)
    if (last === undefined) s.lastContent = { msgId, seqno }
    else if (msgId > last.msgId) {
      last.msgId = msgId
      last.seqno = seqno
    }
  }
  if (isContainer) {
    if (inContainer) return badMsg(ctx, msgId, seqno, 64)
    const parsed = parseContainer(body)
    if (!parsed.ok || parsed.messages.some((m) => m.msgId >= msgId)) return badMsg(ctx, msgId, seqno, 64)
    remember(s, msgId, seqno)
    for (const m of parsed.messages) handleMessage(env, ctx, m.msgId, m.seqno, m.body, true)
    return true
  }
  remember(s, msgId, seqno)
  if (odd) ctx.acks.push(msgId)
  let req: TlObject
  try {
    req = deserializeObject(body) as TlObject
  } catch {
    if (isApi) answer(env, ctx, msgId, rpcError(400, 'INPUT_CONSTRUCTOR_INVALID'))
    return true
  }
  if (typeof req !== 'object' || req === null || !('_' in req)) return true
  if (serviceMessage(env, ctx, msgId, req)) return true
  return runRpc(env, ctx, msgId, seqno, req)
}

function rpcError(code: number, text: string): Uint8Array {
  const e: Mt.rpc_error = { _: 'rpc_error', errorCode: code, errorMessage: text }
  return obj(e)
}

/** Sends an rpc_result and remembers it until acknowledged (and for duplicates afterwards). */
function answer(env: SessionEnv, ctx: FrameContext, reqMsgId: bigint, result: Uint8Array): void {
  const body = writeRpcResult(reqMsgId, result)
  const s = ctx.session
  s.msgIds.setTimeOffset(env.clock.skewSeconds)
  // One immutable record serves as the wire message, the unacked entry and the cached answer.
  const sent: CachedAnswer = { sessionId: s.id, msgId: s.msgIds.next(ctx.nowMs, 'answer'), seqno: s.seq.next(true), body }
  s.unacked.set(sent.msgId, sent)
  if (s.unacked.size > MAX_UNACKED_PER_SESSION) evictOldest(s.unacked, MAX_UNACKED_PER_SESSION)
  env.keys.remember(ctx.key, reqMsgId, sent)
  ctx.out.push({ body, contentRelated: true, answer: true, fixed: sent })
}

function answerDuplicate(ctx: FrameContext, msgId: bigint, cached: { sessionId: bigint; msgId: bigint; seqno: number; body: Uint8Array }): true {
  if (cached.sessionId === ctx.session.id && ctx.session.unacked.has(cached.msgId)) {
    ctx.out.push({ body: cached.body, contentRelated: true, answer: true, fixed: { msgId: cached.msgId, seqno: cached.seqno, body: cached.body } })
    return true
  }
  const m: Mt.msg_detailed_info = { _: 'msg_detailed_info', msgId, answerMsgId: cached.msgId, bytes: cached.body.length, status: 0 }
  ctx.out.push({ body: obj(m), contentRelated: false, answer: true })
  return true
}

function runRpc(env: SessionEnv, ctx: FrameContext, msgId: bigint, seqno: number, req: TlObject): true {
  const faults = env.onRequest?.(RpcRegistry.leafMethod(req)) ?? []
  for (const f of faults) {
    if (f.kind === 'bad-salt') {
      ctx.session.seen.delete(msgId)
      return badSalt(env, ctx, msgId, seqno)
    }
    if (f.kind === 'bad-msg') {
      ctx.session.seen.delete(msgId)
      return badMsg(ctx, msgId, seqno, f.code)
    }
    if (f.kind === 'forget-auth-key') {
      env.keys.delete(ctx.key.id)
      throw new ServerProtocolError('unknown-auth-key', 'auth key forgotten (fault)', TRANSPORT_CODE.notFound)
    }
    if (f.kind === 'forget-session') {
      ctx.key.sessions.delete(ctx.session.id)
      const fresh = newSession(ctx.session.id, env.clock.skewSeconds, ctx.session.msgIds)
      fresh.connection = ctx.session.connection
      env.keys.addSession(ctx.key, fresh)
      ctx.session = fresh
      announceSession(env, ctx, msgId)
      remember(fresh, msgId, seqno)
    } else if (f.kind === 'skew-clock') {
      env.clock.skewSeconds += f.seconds
    } else {
      ctx.effects.push(f)
    }
  }
  const flags = { noUpdates: false }
  let result: Uint8Array
  try {
    const base = { dcId: env.dcId, key: ctx.key, sessionId: ctx.session.id, msgId, now: Math.floor(ctx.serverNow) }
    result = serializeObject(env.rpc.execute(req, base, env.counters, flags))
  } catch (e) {
    result = e instanceof RpcFailure ? rpcError(e.code, e.text) : rpcError(500, 'INTERNAL_SERVER_ERROR')
  }
  if (flags.noUpdates) ctx.session.noUpdates = true
  answer(env, ctx, msgId, result)
  return true
}

/** Service requests; returns false for anything that is an RPC. */
function serviceMessage(env: SessionEnv, ctx: FrameContext, msgId: bigint, req: TlObject): boolean {
  const s = ctx.session
  switch (req._) {
    case 'msgs_ack': {
      for (const id of (req as Mt.msgs_ack).msgIds) s.unacked.delete(id)
      return true
    }
    case 'ping':
    case 'ping_delay_disconnect': {
      const p = req as Mt.ping | Mt.ping_delay_disconnect
      const pong: Mt.pong = { _: 'pong', msgId, pingId: p.pingId }
      ctx.out.push({ body: obj(pong), contentRelated: false, answer: true })
      if (p._ === 'ping_delay_disconnect') ctx.disconnectAfterMs = Math.max(0, p.disconnectDelay) * 1000
      return true
    }
    case 'get_future_salts': {
      const num = Math.min(MAX_FUTURE_SALTS, Math.max(1, (req as Mt.get_future_salts).num))
      const w0 = env.keys.window(ctx.serverNow)
      const life = env.keys.saltLifetimeSeconds
      const salts: Mt.future_salt[] = []
      for (let w = w0; w < w0 + num; w++) {
        salts.push({ _: 'future_salt', validSince: w * life, validUntil: (w + 1) * life, salt: env.keys.saltOf(ctx.key, w, env.random) })
      }
      const m: Mt.future_salts = { _: 'future_salts', reqMsgId: msgId, now: Math.floor(ctx.serverNow), salts }
      ctx.out.push({ body: obj(m), contentRelated: false, answer: true })
      return true
    }
    case 'destroy_session': {
      const target = (req as Mt.destroy_session).sessionId
      const ok = target !== s.id && ctx.key.sessions.delete(target)
      const res: Mt.DestroySessionRes = ok ? { _: 'destroy_session_ok', sessionId: target } : { _: 'destroy_session_none', sessionId: target }
      // Sent bare, as Telegram does (mtcute and our client match it by type, not by req_msg_id).
      ctx.out.push({ body: obj(res), contentRelated: true, answer: true })
      return true
    }
    case 'destroy_auth_key': {
      const res: Mt.destroy_auth_key_ok = { _: 'destroy_auth_key_ok' }
      ctx.out.push({ body: obj(res), contentRelated: true, answer: true })
      env.keys.delete(ctx.key.id)
      return true
    }
    case 'msgs_state_req': {
      const ids = (req as Mt.msgs_state_req).msgIds
      const info = new Uint8Array(ids.length)
      ids.forEach((id, i) => {
        info[i] = msgState(ctx, id)
      })
      const m: Mt.msgs_state_info = { _: 'msgs_state_info', reqMsgId: msgId, info }
      ctx.out.push({ body: obj(m), contentRelated: false, answer: true })
      return true
    }
    case 'msg_resend_req': {
      resend(ctx, (req as Mt.msg_resend_req).msgIds)
      return true
    }
    case 'rpc_drop_answer': {
      const reqMsgId = (req as Mt.rpc_drop_answer).reqMsgId
      const cached = ctx.key.answers.get(reqMsgId)
      let res: Mt.RpcDropAnswer = { _: 'rpc_answer_unknown' }
      if (cached !== undefined && s.unacked.delete(cached.msgId)) {
        res = { _: 'rpc_answer_dropped', msgId: cached.msgId, seqNo: cached.seqno, bytes: cached.body.length }
      }
      answer(env, ctx, msgId, obj(res))
      return true
    }
    case 'http_wait':
    case 'msgs_state_info':
    case 'msgs_all_info':
    case 'msg_detailed_info':
    case 'msg_new_detailed_info':
      return true
    default:
      // Other service constructors sent encrypted (e.g. a stray req_pq) are ignored rather than executed.
      return SERVICE_NAMES.has(req._)
  }
}

const SERVICE_NAMES = new Set(mtNames.values())

/** msgs_state_info byte for one client msg_id (spec: 1 unknown, 2 not received, 3 too high, 4 received, +flags). */
function msgState(ctx: FrameContext, id: bigint): number {
  const cached = ctx.key.answers.get(id)
  if (cached !== undefined) return 4 | 32 | 64 | (ctx.session.unacked.has(cached.msgId) ? 0 : 128)
  if (ctx.session.seen.has(id)) return 4 | 32
  if (Number(id >> 32n) > ctx.serverNow + MAX_FUTURE_SECONDS) return 3
  if (id <= ctx.session.floor) return 1
  return 2
}

/** Resends server messages by their msg_ids (from the unacked set, or from the answer cache once acknowledged). */
function resend(ctx: FrameContext, ids: readonly bigint[]): void {
  let byServerId: Map<bigint, { seqno: number; body: Uint8Array }> | undefined
  for (const id of ids) {
    let m = ctx.session.unacked.get(id)
    if (m === undefined) {
      byServerId ??= new Map([...ctx.key.answers.values()].map((a) => [a.msgId, a]))
      m = byServerId.get(id)
    }
    if (m !== undefined) ctx.out.push({ body: m.body, contentRelated: true, answer: true, fixed: { msgId: id, seqno: m.seqno, body: m.body } })
  }
}
