/**
 * What the client session does with bad_msg_notification and bad_server_salt: the action of each code comes from the
 * data table in bad-msg.ts (resync time, repair seq_no, take the salt, resend unpacked, or fail the request).
 *
 * Spec: https://core.telegram.org/mtproto/service_messages_about_messages#notice-of-ignored-error-message
 */
import { badMsgCode, SEQ_LOWER_STEP, SEQ_RAISE_STEP } from './bad-msg.js'
import { SessionError } from './client-errors.js'
import type { OutReq } from './client-outbox.js'
import type { ClientSession } from './client-session.js'
import type { SessionEvent } from './client-types.js'
import { MsgIdGenerator } from './msg-id.js'

/** Applies a bad_msg_notification / bad_server_salt to the messages it names (actions from the bad-msg.ts table). */
export function applyBadMsg(
  s: ClientSession,
  badMsgId: bigint,
  code: number,
  notificationMsgId: bigint,
  nowMs: number,
  events: SessionEvent[],
  newSalt?: bigint,
): void {
  const reqs = s.outbox.sentAmong([badMsgId])
  const row = badMsgCode(code)
  let failed: OutReq[] = []
  switch (row.action) {
    case 'update-salt-and-resend':
      if (newSalt !== undefined) {
        s.salts.set(newSalt)
        events.push(s.stateEvent(nowMs))
      }
      failed = s.outbox.requeue(reqs, { reuseId: false })
      break
    case 'resync-time-and-resend':
      // Code 17 (our clock ahead): ids must come back down into the server's window, which a monotonic generator
      // never does, so a fresh generator takes over at the server's time.
      if (code === 17) s.msgIds = new MsgIdGenerator('client')
      s.msgIds.syncWithServerMsgId(notificationMsgId, nowMs)
      events.push(s.stateEvent(nowMs))
      failed = s.outbox.requeue(reqs, { reuseId: false })
      break
    case 'raise-seq-and-resend':
      s.seq.adjust(SEQ_RAISE_STEP)
      failed = s.outbox.requeue(reqs, { reuseId: false })
      break
    case 'lower-seq-and-resend':
      s.seq.adjust(-SEQ_LOWER_STEP)
      failed = s.outbox.requeue(reqs, { reuseId: false })
      break
    case 'resend-unpacked':
      failed = s.outbox.requeue(reqs, { reuseId: false, alone: true })
      break
    case 'resend':
      failed = s.outbox.requeue(reqs, { reuseId: false })
      break
    case 'fail':
      for (const req of reqs) s.outbox.complete(req.msgId)
      failed = reqs
      break
  }
  for (const req of failed) {
    if (s.internalAnswer(req)) continue
    const error =
      row.action === 'fail'
        ? new SessionError('bad-msg', `server rejected the message: ${row.meaning} (code ${code})`, code)
        : new SessionError('too-many-resends', `message resent too often (last code ${code})`, code)
    events.push({ type: 'failed', requestId: req.requestId, error })
  }
}
