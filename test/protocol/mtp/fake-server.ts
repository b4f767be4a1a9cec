/**
 * Test-side fake server for client session tests, built from the same primitives: a MessageCipher decrypting with
 * sender 'client' and encrypting with sender 'server', a server MsgIdGenerator (answers 1 mod 4, others 3 mod 4),
 * and hand-built service messages.
 */
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import { createMessageCipher, type MessageCipher } from '../../../src/protocol/crypto/message.js'
import { decodeContainer } from '../../../src/protocol/mtp/container.js'
import { MsgIdGenerator } from '../../../src/protocol/mtp/msg-id.js'
import { SID } from '../../../src/protocol/mtp/service-ids.js'
import { u32At, unwrapGzip } from '../../../src/protocol/mtp/client-wire.js'
import { seededRandom } from '../../../src/protocol/random.js'
import { type Mt, type TlObject, deserializeObject, serializeObject } from '../../../src/tl/service.js'

export const crypto = createNodeCryptoProvider()

/** A deterministic 256-byte auth key. */
export function testAuthKey(seed = 1): Uint8Array {
  const k = new Uint8Array(256)
  seededRandom(seed)(k)
  return k
}

/** One message the client sent (containers expanded). */
export interface Received {
  readonly msgId: bigint
  readonly seqNo: number
  readonly body: Uint8Array
  /** Constructor name of the body (after gzip unwrapping), e.g. 'msgs_ack', or 'raw' for unknown ids. */
  readonly name: string
  /** Set when this message came inside a container. */
  readonly containerId?: bigint
  readonly gzipped: boolean
}

/** A decrypted client payload. */
export interface Envelope {
  readonly salt: bigint
  readonly sessionId: bigint
  readonly msgId: bigint
  readonly seqNo: number
  readonly body: Uint8Array
  readonly messages: Received[]
}

export class FakeServer {
  readonly cipher: MessageCipher
  readonly ids = new MsgIdGenerator('server')
  readonly random = seededRandom(4242)
  contentSent = 0

  constructor(
    authKey: Uint8Array,
    public sessionId: bigint,
  ) {
    this.cipher = createMessageCipher(crypto, authKey)
  }

  /** Decrypts a client payload and lists its messages. */
  open(payload: Uint8Array): Envelope {
    const m = this.cipher.decrypt(payload, { sender: 'client', sessionId: null })
    const messages: Received[] = []
    const add = (msgId: bigint, seqNo: number, body: Uint8Array, containerId?: bigint): void => {
      const gzipped = u32At(body, 0) === SID.gzipPacked
      const plain = unwrapGzip(body)
      let name = 'raw'
      try {
        const obj = deserializeObject(plain)
        if (typeof obj === 'object' && !Array.isArray(obj)) name = obj._
      } catch {
        name = 'raw'
      }
      messages.push({ msgId, seqNo, body: plain, name, gzipped, ...(containerId !== undefined ? { containerId } : {}) })
    }
    if (u32At(m.body, 0) === SID.msgContainer) for (const inner of decodeContainer(m.body)) add(inner.msgId, inner.seqNo, inner.body, m.msgId)
    else add(m.msgId, m.seqNo, m.body)
    return { salt: m.salt, sessionId: m.sessionId, msgId: m.msgId, seqNo: m.seqNo, body: m.body, messages }
  }

  /** Encrypts one server message. */
  seal(body: Uint8Array, nowMs: number, opts: { contentRelated?: boolean; kind?: 'answer' | 'other'; msgId?: bigint; salt?: bigint } = {}): Uint8Array {
    const content = opts.contentRelated ?? true
    const seqNo = content ? this.contentSent++ * 2 + 1 : this.contentSent * 2
    const msgId = opts.msgId ?? this.ids.next(nowMs, opts.kind ?? 'answer')
    return this.cipher.encrypt({ salt: opts.salt ?? 0n, sessionId: this.sessionId, msgId, seqNo, body }, { sender: 'server', random: this.random })
  }

  /** A container of server messages (ids made here). */
  container(bodies: readonly { body: Uint8Array; contentRelated?: boolean }[], nowMs: number): Uint8Array {
    const inner = bodies.map((b) => {
      const content = b.contentRelated ?? true
      const seqNo = content ? this.contentSent++ * 2 + 1 : this.contentSent * 2
      return { msgId: this.ids.next(nowMs, 'answer'), seqNo, body: b.body }
    })
    const body = new Uint8Array(8 + inner.reduce((n, m) => n + 16 + m.body.length, 0))
    const v = new DataView(body.buffer)
    v.setUint32(0, SID.msgContainer, true)
    v.setUint32(4, inner.length, true)
    let p = 8
    for (const m of inner) {
      v.setBigInt64(p, m.msgId, true)
      v.setUint32(p + 8, m.seqNo, true)
      v.setUint32(p + 12, m.body.length, true)
      body.set(m.body, p + 16)
      p += 16 + m.body.length
    }
    return this.seal(body, nowMs, { contentRelated: false })
  }
}

/** rpc_result with a raw result. */
export function rpcResult(reqMsgId: bigint, result: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + result.length)
  const v = new DataView(out.buffer)
  v.setUint32(0, SID.rpcResult, true)
  v.setBigInt64(4, reqMsgId, true)
  out.set(result, 12)
  return out
}

/** Serializes a service object (copy that owns its buffer). */
export function svc<T extends TlObject>(obj: T): Uint8Array {
  return serializeObject(obj, { ownBuffer: true })
}

export type { Mt }
