/**
 * Constructor ids the session reads and writes on its hot path, in one place.
 *
 * Spec: https://core.telegram.org/schema/mtproto and https://core.telegram.org/mtproto/service_messages.
 * Service ids are looked up by name in the generated service tables (never typed in by hand); the few API ids the
 * session needs without loading the API codec (a DC worker loads only the service schema) are literals here, each
 * checked against the generated API tables by test/protocol/mtp/service-ids.test.ts.
 */
import { InternalError } from '../../errors.js'
import { mtNames } from '../../tl/service.js'

const byName = new Map<string, number>()
for (const [id, name] of mtNames) byName.set(name, id)

function idOf(name: string): number {
  const id = byName.get(name)
  if (id === undefined) throw new InternalError(`service constructor ${name} is missing from the generated tables`)
  return id
}

/** Service constructor ids (unsigned 32-bit, as TlReader.uint returns them). */
export const SID = {
  rpcResult: idOf('rpc_result'),
  rpcError: idOf('rpc_error'),
  rpcAnswerUnknown: idOf('rpc_answer_unknown'),
  rpcAnswerDroppedRunning: idOf('rpc_answer_dropped_running'),
  rpcAnswerDropped: idOf('rpc_answer_dropped'),
  msgContainer: idOf('msg_container'),
  msgCopy: idOf('msg_copy'),
  gzipPacked: idOf('gzip_packed'),
  msgsAck: idOf('msgs_ack'),
  badMsgNotification: idOf('bad_msg_notification'),
  badServerSalt: idOf('bad_server_salt'),
  msgResendReq: idOf('msg_resend_req'),
  msgsStateReq: idOf('msgs_state_req'),
  msgsStateInfo: idOf('msgs_state_info'),
  msgsAllInfo: idOf('msgs_all_info'),
  msgDetailedInfo: idOf('msg_detailed_info'),
  msgNewDetailedInfo: idOf('msg_new_detailed_info'),
  newSessionCreated: idOf('new_session_created'),
  futureSalts: idOf('future_salts'),
  pong: idOf('pong'),
  destroySessionOk: idOf('destroy_session_ok'),
  destroySessionNone: idOf('destroy_session_none'),
  destroyAuthKeyOk: idOf('destroy_auth_key_ok'),
  destroyAuthKeyNone: idOf('destroy_auth_key_none'),
  destroyAuthKeyFail: idOf('destroy_auth_key_fail'),
  httpWait: idOf('http_wait'),
  ping: idOf('ping'),
  pingDelayDisconnect: idOf('ping_delay_disconnect'),
  getFutureSalts: idOf('get_future_salts'),
  destroySession: idOf('destroy_session'),
} as const

/** `invokeAfterMsg#cb9f372d {X:Type} msg_id:long query:!X = X` (API schema). */
export const ID_INVOKE_AFTER_MSG = 0xcb9f372d

/**
 * The constructors of the API type `Updates`: what the server pushes outside rpc_result. Any other unknown id in a
 * received message is skipped, not routed out as an update.
 */
export const UPDATES_IDS: ReadonlySet<number> = new Set([
  0xe317af7e, // updatesTooLong
  0x313bc7f8, // updateShortMessage
  0x4d6deea5, // updateShortChatMessage
  0x78d4dec1, // updateShort
  0x725b04c3, // updatesCombined
  0x74ae4240, // updates
  0x9015e101, // updateShortSentMessage
])

/** Service messages the server sends that are never content-related and need no acknowledgement handling. */
export const SERVICE_IDS: ReadonlySet<number> = new Set(Object.values(SID))
