/**
 * A deliberately small MTProto client for testing the server side without the client branch: one socket, one auth
 * key imported into the cluster, hand-built messages (so tests can send wrong ones on purpose), and every received
 * message decrypted and flattened out of containers.
 */
import { connect, type Socket } from 'node:net'
import { createMessageCipher, type MessageCipher } from '../../../src/protocol/crypto/message.js'
import type { CryptoProvider } from '../../../src/protocol/crypto/provider.js'
import { MsgIdGenerator, SeqNoCounter } from '../../../src/protocol/mtp/msg-id.js'
import { seededRandom, type RandomSource } from '../../../src/protocol/random.js'
import {
  AbridgedCodec,
  createObfuscatedClient,
  FakeTlsClient,
  FullCodec,
  IntermediateCodec,
  PaddedIntermediateCodec,
  type ProxySecret,
  type TransportEvent,
} from '../../../src/protocol/transport/index.js'
import { deserializeObject, serializeObject, TlReader, type TlObject } from '../../../src/tl/index.js'

/** Any TL object literal (fields unchecked: tests build wrong messages on purpose). */
export type AnyTl = { readonly _: string } & Record<string, unknown>

export type MiniTransport = 'abridged' | 'intermediate' | 'padded' | 'full' | 'obfuscated' | 'proxy-dd' | 'proxy-ee'

interface Codec {
  encode(p: Uint8Array): Uint8Array
  push(c: Uint8Array): TransportEvent[]
}

/** A received message, decoded. */
export interface Received {
  readonly msgId: bigint
  readonly seqno: number
  readonly obj: TlObject
  /** For rpc_result: the raw result bytes. */
  readonly raw: Uint8Array
}

export interface MiniClientOptions {
  readonly crypto: CryptoProvider
  readonly host: string
  readonly port: number
  readonly authKey: Uint8Array
  readonly salt?: bigint
  readonly sessionId?: bigint
  readonly transport?: MiniTransport
  readonly dcId?: number
  readonly secrets?: readonly ProxySecret[]
  readonly random?: RandomSource
}

export class MiniClient {
  readonly cipher: MessageCipher
  readonly msgIds = new MsgIdGenerator('client')
  readonly seq = new SeqNoCounter()
  readonly received: Received[] = []
  readonly transportErrors: number[] = []
  salt: bigint
  sessionId: bigint
  closed = false
  #waiters: Array<() => void> = []
  #socket!: Socket
  #codec!: Codec
  readonly #random: RandomSource

  private constructor(readonly o: MiniClientOptions) {
    this.cipher = createMessageCipher(o.crypto, o.authKey)
    this.salt = o.salt ?? 0n
    this.sessionId = o.sessionId ?? 0x1234_5678_9abc_def0n
    this.#random = o.random ?? seededRandom(7)
  }

  static async open(o: MiniClientOptions): Promise<MiniClient> {
    const c = new MiniClient(o)
    await c.#connect()
    return c
  }

  /** Reconnects on a fresh socket (same session unless changed). */
  async reconnect(): Promise<void> {
    this.#socket.destroy()
    this.closed = false
    await this.#connect()
  }

  #connect(): Promise<void> {
    const o = this.o
    const random = this.#random
    const t = o.transport ?? 'intermediate'
    let first: Uint8Array | undefined
    if (t === 'abridged') this.#codec = new AbridgedCodec()
    else if (t === 'intermediate') this.#codec = new IntermediateCodec()
    else if (t === 'padded') this.#codec = new PaddedIntermediateCodec({ random })
    else if (t === 'full') this.#codec = new FullCodec()
    else if (t === 'obfuscated') this.#codec = createObfuscatedClient({ crypto: o.crypto, random, transport: 'intermediate' })
    else if (t === 'proxy-dd') {
      const s = o.secrets?.find((x) => x.mode === 'padded')
      this.#codec = createObfuscatedClient({ crypto: o.crypto, random, transport: 'padded', dcId: o.dcId ?? 1, ...(s ? { secret: s.key } : {}) })
    } else {
      const s = o.secrets?.find((x) => x.mode === 'fake-tls')
      if (s?.mode !== 'fake-tls') throw new Error('no ee secret')
      const tls = new FakeTlsClient({ crypto: o.crypto, random, secret: s.key, domain: s.domain, now: Math.floor(Date.now() / 1000), dcId: o.dcId ?? 1 })
      first = tls.hello
      this.#codec = tls
    }
    return new Promise((resolve, reject) => {
      const sock = connect({ host: o.host, port: o.port }, () => {
        if (first) sock.write(first)
        resolve()
      })
      this.#socket = sock
      sock.once('error', reject)
      sock.on('data', (d: Buffer) => this.#onData(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)))
      sock.on('close', () => {
        if (this.#socket === sock) {
          this.closed = true
          this.#wake()
        }
      })
    })
  }

  #wake(): void {
    const w = this.#waiters
    this.#waiters = []
    for (const f of w) f()
  }

  #onData(chunk: Uint8Array): void {
    for (const ev of this.#codec.push(chunk)) {
      if (ev.type === 'error') this.transportErrors.push(ev.error.code ?? 0)
      if (ev.type !== 'frame') continue
      try {
        const m = this.cipher.decrypt(ev.payload, { sender: 'server', sessionId: this.sessionId, ignoreTrailingBytes: true })
        this.#unpack(m.msgId, m.seqNo, m.body)
      } catch {
        this.received.push({ msgId: 0n, seqno: 0, obj: { _: 'undecryptable' }, raw: ev.payload })
      }
    }
    this.#wake()
  }

  #unpack(msgId: bigint, seqno: number, body: Uint8Array): void {
    const obj = deserializeObject(body) as TlObject
    if (obj._ === 'msg_container') {
      const r = new TlReader(body)
      r.int()
      const n = r.int()
      for (let i = 0; i < n; i++) {
        const id = r.long()
        const sq = r.int()
        const len = r.int()
        this.#unpack(id, sq, r.raw(len))
      }
      return
    }
    this.received.push({ msgId, seqno, obj, raw: obj._ === 'rpc_result' ? body.subarray(12) : body })
  }

  /** Sends a message; returns its msg_id. */
  send(
    body: AnyTl | TlObject | Uint8Array,
    opts: { contentRelated?: boolean; msgId?: bigint; seqno?: number; salt?: bigint } = {},
  ): bigint {
    const bytes = body instanceof Uint8Array ? body : serializeObject(body as TlObject)
    const msgId = opts.msgId ?? this.msgIds.next(Date.now())
    const seqNo = opts.seqno ?? this.seq.next(opts.contentRelated ?? true)
    this.sendRaw(
      this.cipher.encrypt({ salt: opts.salt ?? this.salt, sessionId: this.sessionId, msgId, seqNo, body: bytes }, { sender: 'client', random: this.#random }),
    )
    return msgId
  }

  /** Sends one MTProto payload as a frame. */
  sendRaw(payload: Uint8Array): void {
    this.#socket.write(this.#codec.encode(payload))
  }

  /** Writes raw bytes on the socket (no framing). */
  writeBytes(b: Uint8Array): void {
    this.#socket.write(b)
  }

  /** Waits until `pred` matches a received message (searching from the start), or throws after `ms`. */
  async waitFor(pred: (m: Received) => boolean, ms = 5000): Promise<Received> {
    const deadline = Date.now() + ms
    for (;;) {
      const hit = this.received.find(pred)
      if (hit) return hit
      if (this.closed) throw new Error(`closed while waiting (transport errors ${this.transportErrors.join(',')})`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timeout; got ${this.received.map((r) => (r.obj._ === "bad_msg_notification" ? `bad_msg(${String((r.obj as unknown as { errorCode: number }).errorCode)})` : r.obj._)).join(",")}`)
      await new Promise<void>((res) => {
        const t = setTimeout(res, left)
        this.#waiters.push(() => {
          clearTimeout(t)
          res()
        })
      })
    }
  }

  /** Waits for the socket to close (or throws after `ms`). */
  async waitClosed(ms = 5000): Promise<void> {
    const deadline = Date.now() + ms
    while (!this.closed) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error('connection stayed open')
      await new Promise<void>((res) => {
        const t = setTimeout(res, left)
        this.#waiters.push(() => {
          clearTimeout(t)
          res()
        })
      })
    }
  }

  /** Waits for the rpc_result answering `msgId`. */
  async waitResult(msgId: bigint, ms = 5000): Promise<Received> {
    await this.waitFor(() => this.result(msgId) !== undefined, ms)
    return this.result(msgId) as Received
  }

  /** The rpc_result answering `msgId`, when received. */
  result(msgId: bigint): Received | undefined {
    return this.received.find((r) => r.obj._ === 'rpc_result' && (r.obj as unknown as { reqMsgId: bigint }).reqMsgId === msgId)
  }

  close(): void {
    this.#socket.destroy()
  }
}

/** invokeWithLayer(initConnection(query)) as every real client sends first. */
export function initWrap(query: TlObject, layer = 228): TlObject {
  return {
    _: 'invokeWithLayer',
    layer,
    query: {
      _: 'initConnection',
      apiId: 1,
      deviceModel: 'test',
      systemVersion: 'test',
      appVersion: '1.0',
      systemLangCode: 'en',
      langPack: '',
      langCode: 'en',
      query,
    },
  } as TlObject
}
