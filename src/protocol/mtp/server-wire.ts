/**
 * Wire helpers of the server session: constructor ids of the service messages (looked up by name in the generated
 * tables, never typed in by hand), the plain-message header, rpc_result and msg_container framing written directly so
 * answers stay raw bytes, and a container parser that keeps every inner body raw (an unknown constructor inside a
 * container then fails only its own message).
 *
 * Spec: https://core.telegram.org/mtproto/description#unencrypted-message (plain header),
 * https://core.telegram.org/mtproto/service_messages#simple-container (container layout and limits),
 * https://core.telegram.org/mtproto/serialize (rpc_result carries the raw result).
 */
import { mtNames, TlReader, TlWriter } from '../../tl/service.js'
import { TRANSPORT_CODE, ServerProtocolError } from './server-errors.js'

function idOf(name: string): number {
  for (const [id, n] of mtNames) if (n === name) return id
  throw new Error(`service constructor ${name} is missing from the generated tables`)
}

/** Constructor ids the server reads or writes without the generic codec. */
export const SERVER_IDS = {
  rpcResult: idOf('rpc_result'),
  msgContainer: idOf('msg_container'),
  msgsAck: idOf('msgs_ack'),
  gzipPacked: idOf('gzip_packed'),
} as const

/** Plain header: auth_key_id (8, zero) + msg_id (8) + message_data_length (4). */
export const PLAIN_HEADER_BYTES = 20
/** Per inner message of a container: msg_id (8) + seqno (4) + bytes (4). */
const CONTAINER_ITEM_HEADER = 16
/**
 * Most messages in one container. The spec gives none explicitly; Telegram's servers and TDLib cap containers at
 * 1020 messages, and real clients stay far below (mtcute packs at most 100).
 */
export const MAX_CONTAINER_MESSAGES = 1020
/** Largest container the server builds itself: 1 MiB keeps each encrypted frame well under the transport cap. */
export const MAX_CONTAINER_BYTES = 1024 * 1024

/** Frames a plain (unencrypted) message: auth_key_id = 0, msg_id, length, body. */
export function encodePlainFrame(body: Uint8Array, msgId: bigint): Uint8Array {
  const w = new TlWriter(PLAIN_HEADER_BYTES + body.length)
  w.long(0n)
  w.long(msgId)
  w.int(body.length)
  w.raw(body)
  return w.buf
}

/** Reads a plain message; a bad header or length is a protocol violation (-404). */
export function decodePlainFrame(frame: Uint8Array): { msgId: bigint; body: Uint8Array } {
  if (frame.length < PLAIN_HEADER_BYTES) {
    throw new ServerProtocolError('bad-plain-message', `plain message of ${frame.length} bytes`, TRANSPORT_CODE.notFound)
  }
  const r = new TlReader(frame)
  r.long()
  const msgId = r.long()
  const len = r.uint()
  if (len > frame.length - PLAIN_HEADER_BYTES || len % 4 !== 0) {
    throw new ServerProtocolError('bad-plain-message', `plain message length ${len} in a ${frame.length}-byte frame`, TRANSPORT_CODE.notFound)
  }
  return { msgId, body: frame.subarray(PLAIN_HEADER_BYTES, PLAIN_HEADER_BYTES + len) }
}

/** rpc_result req_msg_id:long result:Object with `result` already serialized. */
export function writeRpcResult(reqMsgId: bigint, result: Uint8Array): Uint8Array {
  // Written by hand: a TlWriter (object, lazy DataView) per answer was ~350 ns of a pipelined server's ~2 us per call.
  const out = new Uint8Array(12 + result.length)
  HEADER_VIEW.setBigInt64(4, reqMsgId, true)
  for (let i = 0; i < 12; i++) out[i] = HEADER[i] as number
  if (result.length <= SMALL_COPY) for (let i = 0; i < result.length; i++) out[12 + i] = result[i] as number
  else out.set(result, 12)
  return out
}

/** Scratch rpc_result header (constructor id fixed, req_msg_id rewritten per answer). */
const HEADER = new Uint8Array(12)
const HEADER_VIEW = new DataView(HEADER.buffer)
HEADER_VIEW.setUint32(0, SERVER_IDS.rpcResult, true)
/** Results up to this size are copied by a loop, which beats TypedArray.set's fixed cost for a few bytes. */
const SMALL_COPY = 64

/** One message as it travels: inside a container or alone. */
export interface WireMessage {
  readonly msgId: bigint
  readonly seqno: number
  readonly body: Uint8Array
}

/** msg_container with the given messages (caller keeps to the count and size limits). */
export function writeContainer(messages: readonly WireMessage[]): Uint8Array {
  let size = 8
  for (const m of messages) size += CONTAINER_ITEM_HEADER + m.body.length
  const w = new TlWriter(size)
  w.int(SERVER_IDS.msgContainer)
  w.int(messages.length)
  for (const m of messages) {
    w.long(m.msgId)
    w.int(m.seqno)
    w.int(m.body.length)
    w.raw(m.body)
  }
  return w.buf
}

/** Outcome of {@link parseContainer}: the inner messages, or why the container is invalid (code 64). */
export type ParsedContainer = { readonly ok: true; readonly messages: WireMessage[] } | { readonly ok: false; readonly why: string }

/** Reads a msg_container body (its id included); inner bodies stay raw. */
export function parseContainer(body: Uint8Array): ParsedContainer {
  try {
    const r = new TlReader(body)
    r.int()
    const count = r.uint()
    if (count > MAX_CONTAINER_MESSAGES) return { ok: false, why: `${count} messages` }
    const messages: WireMessage[] = []
    for (let i = 0; i < count; i++) {
      const msgId = r.long()
      const seqno = r.uint()
      const len = r.uint()
      if (len % 4 !== 0 || len > r.end - r.pos) return { ok: false, why: `inner length ${len}` }
      messages.push({ msgId, seqno, body: r.raw(len) })
    }
    return { ok: true, messages }
  } catch {
    return { ok: false, why: 'truncated container' }
  }
}

/** The constructor id at the start of a body (0 when it is shorter than 4 bytes). */
export function constructorOf(body: Uint8Array): number {
  if (body.length < 4) return 0
  return ((body[0] ?? 0) | ((body[1] ?? 0) << 8) | ((body[2] ?? 0) << 16) | ((body[3] ?? 0) << 24)) >>> 0
}
