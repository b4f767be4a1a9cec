/**
 * A minimal DC for driver tests: our ServerTransport (every framing, obfuscation, MTProxy secrets) + MessageCipher
 * with a fixed auth key. It answers users.getUsers (echoing the user id as userEmpty; the exactly-once probe with an
 * execution counter per id), a 'slow' marker request never, pings and salts; it checks the salt (bad_server_salt on
 * a wrong one), remembers answers per msg_id (a duplicate is answered from the cache, never executed twice), and has
 * switches for faults: drop the connection after N requests, answer -404 / -429, push an update.
 * A test-only key exchange hands out a key in a plain message, to exercise the driver's plain-message path.
 */
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net'
import { createMessageCipher, type MessageCipher } from '../../src/protocol/crypto/message.js'
import { u32At } from '../../src/protocol/mtp/client-wire.js'
import { decodeContainer, encodeContainer } from '../../src/protocol/mtp/container.js'
import { MsgIdGenerator } from '../../src/protocol/mtp/msg-id.js'
import { decodePlainMessage, encodePlainMessage } from '../../src/protocol/mtp/plain.js'
import { ID_INVOKE_AFTER_MSG, SID } from '../../src/protocol/mtp/service-ids.js'
import { seededRandom } from '../../src/protocol/random.js'
import { createReplayCache, errorCodePayload, type ProxySecret, ServerTransport } from '../../src/protocol/transport/index.js'
import { type Api, deserializeObject, serializeObject } from '../../src/tl/index.js'
import type { AuthKeyResult, HandshakeLike } from '../../src/actors/connection.js'
import { ServerHandshake, type ServerHandshakeMode, verifyBindTempAuthKey } from '../../src/protocol/auth/index.js'
import type { RsaKeyPair } from '../../src/protocol/crypto/rsa-server.js'
import { crypto, testAuthKey } from '../protocol/mtp/fake-server.js'

export const SERVER_SALT = 0x5a17n
const TEST_HS_MAGIC = 0x484b5331 // 'HSK1' little-endian marker of the test key exchange

export interface MiniDcOptions {
  readonly secrets?: readonly ProxySecret[]
  readonly authKey?: Uint8Array
  /** Run the real key exchange (ServerHandshake) with this key pair on plain messages. */
  readonly rsaKey?: RsaKeyPair
  readonly handshakeMode?: ServerHandshakeMode
  /** The permanent key auth.bindTempAuthKey must name (PFS tests). */
  readonly permKey?: Uint8Array
}

interface SessionState {
  seq: number
  readonly answers: Map<bigint, Uint8Array>
  readonly ids: MsgIdGenerator
}

export class MiniDc {
  readonly server: Server
  port = 0
  authKey: Uint8Array
  cipher: MessageCipher
  readonly executions = new Map<bigint, number>()
  readonly sessions = new Map<bigint, SessionState>()
  readonly sockets = new Set<Socket>()
  /** Requests (users.getUsers) received on the current connection before it is dropped; Infinity = never. */
  dropAfter = Number.POSITIVE_INFINITY
  /** Transport error codes to answer the next connections' first frame with. */
  readonly errorCodes: number[] = []
  connections = 0
  /** Successful auth.bindTempAuthKey verifications. */
  binds = 0
  /** Leave pings unanswered (keepalive failure). */
  ignorePings = false
  /** Send this many forged copies (one byte flipped) before each of the next answers. */
  forgeNext = 0
  readonly #replay = createReplayCache()
  readonly #secrets: readonly ProxySecret[]
  readonly #opts: MiniDcOptions
  readonly #pushers = new Map<Socket, (body: Uint8Array) => void>()

  constructor(opts: MiniDcOptions = {}) {
    this.#opts = opts
    this.#secrets = opts.secrets ?? []
    this.authKey = opts.authKey ?? testAuthKey(9)
    this.cipher = createMessageCipher(crypto, this.authKey)
    this.server = createServer((s) => this.#accept(s))
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r))
    this.port = (this.server.address() as AddressInfo).port
    return this
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise((r) => this.server.close(r))
  }

  /** Pushes a raw update to every connection. */
  pushUpdate(body: Uint8Array): void {
    for (const push of this.#pushers.values()) push(body)
  }

  #accept(socket: Socket): void {
    this.connections++
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => undefined)
    const t = new ServerTransport({ crypto, random: seededRandom(this.connections), secrets: this.#secrets, replayCache: this.#replay })
    let requests = 0
    let sessionId = 0n
    const errorCode = this.errorCodes.shift()
    let hs: ServerHandshake | undefined
    const send = (body: Uint8Array, content: boolean): void => {
      const st = this.sessions.get(sessionId)
      if (st === undefined || socket.destroyed) return
      const seqNo = content ? st.seq++ * 2 + 1 : st.seq * 2
      const payload = this.cipher.encrypt({ salt: SERVER_SALT, sessionId, msgId: st.ids.next(Date.now(), 'answer'), seqNo, body }, { sender: 'server', random: seededRandom(7) })
      for (; this.forgeNext > 0; this.forgeNext--) {
        const forged = payload.slice()
        const at = 8 + ((this.forgeNext * 37) % (forged.length - 8))
        forged[at] = (forged[at] ?? 0) ^ 0x40
        socket.write(t.encode(forged))
      }
      socket.write(t.encode(payload))
    }
    this.#pushers.set(socket, (b) => send(b, true))
    socket.on('close', () => this.#pushers.delete(socket))
    socket.on('data', (chunk: Buffer) => {
      let events: ReturnType<ServerTransport['push']>
      try {
        events = t.push(new Uint8Array(chunk), Math.floor(Date.now() / 1000))
      } catch {
        socket.destroy()
        return
      }
      for (const ev of events) {
        if (ev.type === 'send') socket.write(ev.data)
        if (ev.type !== 'frame') continue
        if (errorCode !== undefined) {
          socket.write(t.encode(errorCodePayload(errorCode)))
          socket.end()
          return
        }
        if (u32At(ev.payload, 0) === 0 && u32At(ev.payload, 4) === 0) {
          const rsaKey = this.#opts.rsaKey
          if (rsaKey === undefined) {
            this.#testHandshake(ev.payload, (b) => socket.write(t.encode(b)))
            continue
          }
          hs ??= new ServerHandshake({ crypto, random: seededRandom(this.connections * 31), rsaKey, mode: this.#opts.handshakeMode ?? 'ok' })
          try {
            const step = hs.receive(decodePlainMessage(ev.payload).body, Date.now())
            socket.write(t.encode(encodePlainMessage(step.send, new MsgIdGenerator('server').next(Date.now(), 'answer'))))
            if (step.done !== undefined) {
              this.authKey = step.done.authKey
              this.cipher = createMessageCipher(crypto, this.authKey)
            }
          } catch {
            socket.destroy()
          }
          continue
        }
        let msg: ReturnType<MessageCipher['decrypt']>
        try {
          msg = this.cipher.decrypt(ev.payload, { sender: 'client', sessionId: null, ignoreTrailingBytes: true })
        } catch {
          socket.write(t.encode(errorCodePayload(-404)))
          socket.end()
          return
        }
        sessionId = msg.sessionId
        if (!this.sessions.has(sessionId)) this.sessions.set(sessionId, { seq: 0, answers: new Map(), ids: new MsgIdGenerator('server') })
        const st = this.sessions.get(sessionId) as SessionState
        if (msg.salt !== SERVER_SALT) {
          send(serializeObject({ _: 'bad_server_salt', badMsgId: msg.msgId, badMsgSeqno: msg.seqNo, errorCode: 48, newServerSalt: SERVER_SALT }), false)
          continue
        }
        const inner = u32At(msg.body, 0) === SID.msgContainer ? decodeContainer(msg.body) : [{ msgId: msg.msgId, seqNo: msg.seqNo, body: msg.body }]
        const out: Uint8Array[] = []
        for (const m of inner) {
          const cached = st.answers.get(m.msgId)
          if (cached !== undefined) {
            out.push(cached)
            continue
          }
          let body = m.body
          if (u32At(body, 0) === ID_INVOKE_AFTER_MSG) body = body.subarray(12)
          const id = u32At(body, 0)
          if (id === SID.msgsAck) continue
          if (id === SID.getFutureSalts) {
            const now = Math.floor(Date.now() / 1000)
            out.push(serializeObject({ _: 'future_salts', reqMsgId: m.msgId, now, salts: [{ _: 'future_salt', validSince: now - 60, validUntil: now + 3600, salt: SERVER_SALT }] }))
            continue
          }
          if (id === SID.pingDelayDisconnect || id === SID.ping) {
            if (this.ignorePings) continue
            out.push(serializeObject({ _: 'pong', msgId: m.msgId, pingId: new DataView(body.buffer, body.byteOffset).getBigInt64(4, true) }))
            continue
          }
          const obj = deserializeObject(body)
          if (typeof obj !== 'object' || Array.isArray(obj)) continue
          if (obj._ === 'auth.bindTempAuthKey' && this.#opts.permKey !== undefined) {
            const permKey = this.#opts.permKey
            const permKeyId = new DataView(createMessageCipher(crypto, permKey).keyId.buffer).getBigInt64(0, true)
            const tempKeyId = new DataView(this.cipher.keyId.buffer, this.cipher.keyId.byteOffset).getBigInt64(0, true)
            try {
              verifyBindTempAuthKey({ crypto, permKeyLookup: (id) => (id === permKeyId ? permKey : undefined), req: obj as Api.auth.bindTempAuthKey, tempKeyId, tempSessionId: sessionId, msgId: m.msgId })
              this.binds++
              out.push(rpcResult(m.msgId, serializeObject(true)))
            } catch {
              out.push(rpcResult(m.msgId, serializeObject({ _: 'rpc_error', errorCode: 400, errorMessage: 'ENCRYPTED_MESSAGE_INVALID' })))
            }
            continue
          }
          if (obj._ === 'users.getUsers') {
            requests++
            if (requests > this.dropAfter) {
              this.dropAfter = Number.POSITIVE_INFINITY
              socket.destroy()
              return
            }
            const req = obj as unknown as { id: { userId: bigint }[] }
            const users = req.id.map((u) => {
              this.executions.set(u.userId, (this.executions.get(u.userId) ?? 0) + 1)
              return { _: 'userEmpty' as const, id: u.userId }
            })
            const answer = rpcResult(m.msgId, serializeObject(users))
            st.answers.set(m.msgId, answer)
            out.push(answer)
          }
          // anything else (the test's 'slow' requests) stays unanswered
        }
        if (out.length === 1) send(out[0] as Uint8Array, true)
        else if (out.length > 1) {
          const items = out.map((body) => ({ msgId: st.ids.next(Date.now(), 'answer'), seqNo: st.seq++ * 2 + 1, body }))
          send(encodeContainer(items), false)
        }
      }
    })
  }

  #testHandshake(frame: Uint8Array, write: (b: Uint8Array) => void): void {
    const { body } = decodePlainMessage(frame)
    if (u32At(body, 0) !== TEST_HS_MAGIC) return
    this.authKey = testAuthKey(this.connections + 100)
    this.cipher = createMessageCipher(crypto, this.authKey)
    const reply = new Uint8Array(4 + 256 + 8)
    new DataView(reply.buffer).setUint32(0, TEST_HS_MAGIC, true)
    reply.set(this.authKey, 4)
    new DataView(reply.buffer).setBigInt64(260, SERVER_SALT, true)
    write(encodePlainMessage(reply, new MsgIdGenerator('server').next(Date.now(), 'answer')))
  }
}

function rpcResult(reqMsgId: bigint, result: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + result.length)
  const v = new DataView(out.buffer)
  v.setUint32(0, SID.rpcResult, true)
  v.setBigInt64(4, reqMsgId, true)
  out.set(result, 12)
  return out
}

/** The test-only key exchange's client side (NOT a real key exchange: the key travels in clear). */
export function testHandshake(): HandshakeLike {
  return {
    start: () => {
      const b = new Uint8Array(8)
      new DataView(b.buffer).setUint32(0, TEST_HS_MAGIC, true)
      return b
    },
    receive: (body) => {
      const authKey = body.slice(4, 260)
      const serverSalt = new DataView(body.buffer, body.byteOffset).getBigInt64(260, true)
      const result: AuthKeyResult = { authKey, authKeyId: 0n, serverSalt, timeOffset: 0 }
      return { done: result }
    },
  }
}
