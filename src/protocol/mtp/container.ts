/**
 * msg_container framing, both directions, written and read directly so inner bodies stay raw bytes.
 *
 * Spec: https://core.telegram.org/mtproto/service_messages#simple-container
 * `msg_container#73f1f8dc messages:vector<%Message> = MessageContainer;` with
 * `message msg_id:long seqno:int bytes:int body:Object = Message;`. Containers may not be nested; the container's
 * msg_id must be greater than those of the messages inside and its seq_no even and not below theirs; the spec caps
 * a container at 1024 messages.
 */
import { SessionError } from './client-errors.js'
import { SID } from './service-ids.js'

/** The spec's limit on messages in one container. */
export const MAX_CONTAINER_MESSAGES = 1024

/**
 * Byte budget of one outgoing container's inner messages. The spec names no size, and servers close connections
 * on messages near 1 MiB; 32 KiB (what mtcute uses) keeps each encrypted frame small, so a burst of requests is
 * split into frames that start executing while later ones are still being encrypted. Bigger messages go alone.
 */
export const MAX_CONTAINER_BYTES = 32 * 1024

/** msg_id (8) + seqno (4) + bytes (4) in front of each inner body. */
export const INNER_HEADER_BYTES = 16
/** Constructor id + vector count. */
export const CONTAINER_HEADER_BYTES = 8

/** One message inside a container. */
export interface InnerMessage {
  readonly msgId: bigint
  readonly seqNo: number
  readonly body: Uint8Array
}

/** Serialized size of a container holding bodies of the given total length and count. */
export function containerSize(count: number, bodyBytes: number): number {
  return CONTAINER_HEADER_BYTES + count * INNER_HEADER_BYTES + bodyBytes
}

/** Writes a msg_container body. Callers enforce the limits (see {@link MAX_CONTAINER_MESSAGES}). */
export function encodeContainer(messages: readonly InnerMessage[]): Uint8Array {
  let bodyBytes = 0
  for (const m of messages) bodyBytes += m.body.length
  const out = new Uint8Array(containerSize(messages.length, bodyBytes))
  const v = new DataView(out.buffer)
  v.setUint32(0, SID.msgContainer, true)
  v.setUint32(4, messages.length, true)
  let p = CONTAINER_HEADER_BYTES
  for (const m of messages) {
    v.setBigInt64(p, BigInt.asIntN(64, m.msgId), true)
    v.setUint32(p + 8, m.seqNo, true)
    v.setUint32(p + 12, m.body.length, true)
    out.set(m.body, p + INNER_HEADER_BYTES)
    p += INNER_HEADER_BYTES + m.body.length
  }
  return out
}

/**
 * Reads the messages of a received container (`body` starts with the container's constructor id). Bodies are
 * subarrays of `body`. Throws {@link SessionError} 'malformed' when the count exceeds the spec's limit or an inner
 * length runs past the end or is not a multiple of 4: then no message boundary can be trusted. An unknown
 * constructor inside is not this function's concern (the caller skips that one message by its length).
 */
export function decodeContainer(body: Uint8Array): InnerMessage[] {
  if (body.length < CONTAINER_HEADER_BYTES) throw new SessionError('malformed', 'msg_container shorter than its header')
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength)
  const count = v.getUint32(4, true)
  if (count > MAX_CONTAINER_MESSAGES) throw new SessionError('malformed', `msg_container announces ${count} messages`)
  const out: InnerMessage[] = []
  let p = CONTAINER_HEADER_BYTES
  for (let i = 0; i < count; i++) {
    if (p + INNER_HEADER_BYTES > body.length) throw new SessionError('malformed', `msg_container truncated at message ${i}`)
    const msgId = v.getBigInt64(p, true)
    const seqNo = v.getUint32(p + 8, true)
    const len = v.getUint32(p + 12, true)
    const start = p + INNER_HEADER_BYTES
    if (len % 4 !== 0 || len < 4 || start + len > body.length) {
      throw new SessionError('malformed', `msg_container message ${i} has a bad length ${len}`)
    }
    out.push({ msgId, seqNo, body: body.subarray(start, start + len) })
    p = start + len
  }
  return out
}
