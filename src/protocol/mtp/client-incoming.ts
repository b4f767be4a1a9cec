/**
 * Handling of everything the server sends into a client session: containers, rpc_result, service messages and
 * updates. Each handler updates the session's bookkeeping and appends events.
 *
 * Spec: https://core.telegram.org/mtproto/service_messages (rpc_result, containers, pong, future_salts,
 * new_session_created, destroy_session), https://core.telegram.org/mtproto/service_messages_about_messages (msgs_ack,
 * bad_msg_notification, bad_server_salt, msgs_state_req/info, msgs_all_info, msg_detailed_info,
 * msg_new_detailed_info, msg_resend_req). Unknown constructors are skipped by their container length.
 */
import { MtError } from '../../errors.js'
import { deserializeObject, type Mt, serializeObject } from '../../tl/service.js'
import { RpcError } from '../rpc-error.js'
import { applyBadMsg } from './client-bad-msg.js'
import { SessionError } from './client-errors.js'
import type { ClientSession, SessionEvent } from './client-session.js'
import type { OutReq } from './client-outbox.js'
import { readRpcError, readRpcResult, u32At, unwrapGzip } from './client-wire.js'
import { decodeContainer } from './container.js'
import { msgIdSeconds } from './msg-id.js'
import { SID, UPDATES_IDS } from './service-ids.js'

/** Messages older than this (seconds) are reported "too low" in msgs_state_info (the spec's replay window). */
const STATE_TOO_OLD_SECONDS = 300

/** Handles one received message (top level or inside a container). */
export function handleIncoming(
  s: ClientSession,
  msgId: bigint,
  seqNo: number,
  body: Uint8Array,
  nowMs: number,
  events: SessionEvent[],
  inContainer: boolean,
): void {
  if ((seqNo & 1) === 1) s.acks.add(msgId, nowMs)
  if (u32At(body, 0) !== SID.msgContainer) {
    handleBody(s, msgId, body, nowMs, events, false)
    return
  }
  if (inContainer) {
    // Containers may not be nested: skip the inner one whole.
    s.skipped++
    return
  }
  for (const m of decodeContainer(body)) {
    try {
      s.checkMsgId(m.msgId, nowMs, m.seqNo)
      handleIncoming(s, m.msgId, m.seqNo, m.body, nowMs, events, true)
    } catch (e) {
      // One bad message (unknown, malformed, replayed) fails alone; the rest of the container is still handled.
      if (!(e instanceof MtError)) throw e
      s.skipped++
    }
  }
}

function handleBody(s: ClientSession, msgId: bigint, body: Uint8Array, nowMs: number, events: SessionEvent[], unpacked: boolean): void {
  const id = u32At(body, 0)
  switch (id) {
    case SID.rpcResult:
      rpcResult(s, body, events)
      return
    case SID.gzipPacked:
      if (unpacked) {
        s.skipped++
        return
      }
      handleBody(s, msgId, unwrapGzip(body), nowMs, events, true)
      return
    case SID.msgsAck:
      for (const req of s.outbox.sentAmong(read<Mt.msgs_ack>(body).msgIds)) req.acked = true
      return
    case SID.badServerSalt: {
      const n = read<Mt.bad_server_salt>(body)
      applyBadMsg(s, n.badMsgId, 48, msgId, nowMs, events, n.newServerSalt)
      return
    }
    case SID.badMsgNotification: {
      const n = read<Mt.bad_msg_notification>(body)
      applyBadMsg(s, n.badMsgId, n.errorCode, msgId, nowMs, events)
      return
    }
    case SID.newSessionCreated:
      newSession(s, read<Mt.new_session_created>(body), nowMs, events)
      return
    case SID.futureSalts: {
      const f = read<Mt.future_salts>(body)
      applySalts(s, f)
      bareAnswer(s, s.outbox.complete(f.reqMsgId), body, events)
      return
    }
    case SID.pong:
      bareAnswer(s, s.outbox.complete(read<Mt.pong>(body).msgId), body, events)
      return
    case SID.destroySessionOk:
    case SID.destroySessionNone:
      bareAnswer(s, completeByMethod(s, 'destroy_session'), body, events)
      return
    case SID.destroyAuthKeyOk:
    case SID.destroyAuthKeyNone:
    case SID.destroyAuthKeyFail:
      bareAnswer(s, completeByMethod(s, 'destroy_auth_key'), body, events)
      return
    case SID.msgDetailedInfo: {
      const d = read<Mt.msg_detailed_info>(body)
      const pending = s.outbox.sent.get(d.msgId)
      if (pending !== undefined) pending.acked = true
      detailedInfo(s, d.answerMsgId, pending === undefined, nowMs)
      return
    }
    case SID.msgNewDetailedInfo: {
      const d = read<Mt.msg_new_detailed_info>(body)
      detailedInfo(s, d.answerMsgId, s.receivedRecently(d.answerMsgId), nowMs)
      return
    }
    case SID.msgsStateReq:
      stateReq(s, msgId, read<Mt.msgs_state_req>(body).msgIds, nowMs)
      return
    case SID.msgsStateInfo: {
      const info = read<Mt.msgs_state_info>(body)
      const ids = s.stateRequests.get(info.reqMsgId)
      s.stateRequests.delete(info.reqMsgId)
      if (ids !== undefined) applyStates(s, ids, info.info, events)
      return
    }
    case SID.msgsAllInfo: {
      const info = read<Mt.msgs_all_info>(body)
      applyStates(s, info.msgIds, info.info, events)
      return
    }
    case SID.msgResendReq: {
      const reqs = s.outbox.sentAmong(read<Mt.msg_resend_req>(body).msgIds)
      failAll(s, s.outbox.requeue(reqs, { reuseId: true }), events)
      return
    }
    case SID.httpWait:
    case SID.rpcAnswerUnknown:
    case SID.rpcAnswerDropped:
    case SID.rpcAnswerDroppedRunning:
      return
    default:
      if (UPDATES_IDS.has(id)) {
        events.push({ type: 'update', body })
        return
      }
      s.skipped++
  }
}

function read<T>(body: Uint8Array): T {
  return deserializeObject(body) as T
}

function rpcResult(s: ClientSession, body: Uint8Array, events: SessionEvent[]): void {
  const { reqMsgId, result } = readRpcResult(body)
  const req = s.outbox.complete(reqMsgId)
  // Not pending: an answer we already had (the server resent it), or a cancelled request. The ack still goes out.
  if (req === undefined) return
  let inner: Uint8Array
  try {
    inner = unwrapGzip(result)
  } catch (e) {
    if (s.internalAnswer(req) || !(e instanceof MtError)) return
    events.push({ type: 'failed', requestId: req.requestId, error: e })
    return
  }
  if (u32At(inner, 0) === SID.rpcError) {
    const err = readRpcError(inner)
    if (!s.internalAnswer(req)) events.push({ type: 'rpc-error', requestId: req.requestId, error: new RpcError(err.code, err.message, req.method) })
    return
  }
  if (req.internal === 'salts' && u32At(inner, 0) === SID.futureSalts) applySalts(s, read<Mt.future_salts>(inner))
  if (!s.internalAnswer(req)) events.push({ type: 'result', requestId: req.requestId, body: inner })
}

/** An answer that arrives outside rpc_result (pong, future_salts, destroy_session_*), matched to its request. */
function bareAnswer(s: ClientSession, req: OutReq | undefined, body: Uint8Array, events: SessionEvent[]): void {
  if (req === undefined || s.internalAnswer(req)) return
  events.push({ type: 'result', requestId: req.requestId, body })
}

function completeByMethod(s: ClientSession, method: string): OutReq | undefined {
  for (const req of s.outbox.inFlight()) if (req.method === method) return s.outbox.complete(req.msgId)
  return undefined
}

function applySalts(s: ClientSession, f: Mt.future_salts): void {
  s.salts.addFuture(f.salts.map((x) => ({ validSince: x.validSince, validUntil: x.validUntil, salt: x.salt })))
}

function newSession(s: ClientSession, n: Mt.new_session_created, nowMs: number, events: SessionEvent[]): void {
  s.salts.set(n.serverSalt)
  events.push({ type: 'new-session', firstMsgId: n.firstMsgId, serverSalt: n.serverSalt })
  events.push(s.stateEvent(nowMs))
  // Messages sent before first_msg_id may not have reached the new session: send them again. Young ones keep their
  // msg_id, so a server that remembers executed msg_ids per auth key still recognises a duplicate.
  s.resendByAge(
    s.outbox.inFlight().filter((r) => r.msgId < n.firstMsgId),
    nowMs,
  )
}

/** msg_detailed_info / msg_new_detailed_info: acknowledge an answer we have, or ask for it again. */
function detailedInfo(s: ClientSession, answerMsgId: bigint, haveAnswer: boolean, nowMs: number): void {
  if (haveAnswer) s.acks.add(answerMsgId, nowMs)
  else s.queueService(serializeObject({ _: 'msg_resend_req', msgIds: [answerMsgId] }, { ownBuffer: true }), true)
}

/** msgs_state_req: one status byte per id (4 received, 3 too old to tell, 2 not received). */
function stateReq(s: ClientSession, reqMsgId: bigint, ids: readonly bigint[], nowMs: number): void {
  const now = s.serverNow(nowMs)
  const info = new Uint8Array(ids.length)
  ids.forEach((id, i) => {
    info[i] = s.receivedRecently(id) ? 4 : msgIdSeconds(id) < now - STATE_TOO_OLD_SECONDS ? 3 : 2
  })
  s.queueService(serializeObject({ _: 'msgs_state_info', reqMsgId, info }, { ownBuffer: true }), true)
}

/** The server's view of our messages: resend (same msg_id) those it never received; mark the rest acknowledged. */
function applyStates(s: ClientSession, ids: readonly bigint[], info: Uint8Array, events: SessionEvent[]): void {
  const missing: OutReq[] = []
  ids.forEach((id, i) => {
    const req = s.outbox.sent.get(id)
    // Only the latest send of a message counts: an older msg_id's state says nothing about the resend.
    if (req === undefined || req.msgId !== id) return
    const status = (info[i] ?? 1) & 7
    if (status === 4) req.acked = true
    else if (status >= 1 && status <= 3) missing.push(req)
  })
  failAll(s, s.outbox.requeue(missing, { reuseId: true }), events)
}

function failAll(s: ClientSession, failed: readonly OutReq[], events: SessionEvent[]): void {
  for (const req of failed) {
    if (s.internalAnswer(req)) continue
    events.push({ type: 'failed', requestId: req.requestId, error: new SessionError('too-many-resends', `${req.method} resent too often`) })
  }
}
