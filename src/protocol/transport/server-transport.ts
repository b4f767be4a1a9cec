/**
 * The server side of a connection, for the loopback DC cluster and MTProxy: detects the transport from the first
 * bytes (see ./detect.ts), answers a FakeTLS hello, parses an obfuscated2 init, then decodes and encodes frames.
 *
 * Modes: without secrets it is a DC (every plain transport and obfuscated2 without a secret; no FakeTLS). With
 * secrets it is an MTProxy: only obfuscated2 keyed by one of the secrets and, for `ee` secrets, FakeTLS; plain
 * transports are refused. As with Telegram's MTProxy, the `dd` prefix only tells CLIENTS to use padded intermediate;
 * the server accepts any tag under the key (GramJS, for one, sends abridged with dd secrets).
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports (all transports, obfuscation, MTProxy).
 */
import type { LRUCache } from 'lru-cache'
import { ArgumentError } from '../../errors.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { TransportError } from '../errors.js'
import type { RandomSource } from '../random.js'
import { AbridgedCodec } from './abridged.js'
import { ByteQueue } from './byte-queue.js'
import type { EncodeOptions, TransportEvent } from './codec.js'
import { type DetectedTransport, detectTransport } from './detect.js'
import { clientHelloSize, createReplayCache, verifyClientHello } from './fake-tls-hello.js'
import { buildServerHello } from './fake-tls-server-hello.js'
import { FullCodec } from './full.js'
import { IntermediateCodec, PaddedIntermediateCodec } from './intermediate.js'
import type { ProxySecret } from './mtproxy.js'
import { createObfuscatedServer, OBFUSCATED_INIT_SIZE, type ObfuscatedCodec, parseObfuscatedInit } from './obfuscated.js'
import { SERVER_RECORD_SIZE, TlsRecordCodec } from './tls-records.js'

/** Server options. Time (`now` on push) is unix time in SECONDS. */
export interface ServerTransportOptions {
  readonly crypto: CryptoProvider
  readonly random: RandomSource
  /** MTProxy secrets; empty or absent means a plain DC endpoint. */
  readonly secrets?: readonly ProxySecret[]
  /** FakeTLS clock window in seconds (default 120). */
  readonly windowSeconds?: number
  /**
   * Replay cache shared by every connection of the server ({@link createReplayCache}); required when a secret is a
   * FakeTLS one, since a per-connection cache would stop no replay at all.
   */
  readonly replayCache?: LRUCache<string, true>
  readonly maxFrameSize?: number
}

/** Events of a server connection: decoded frames plus what was detected and bytes the server must send now. */
export type ServerEvent =
  | TransportEvent
  | { readonly type: 'detected'; readonly transport: DetectedTransport; readonly inner?: string; readonly dcId?: number; readonly secretIndex?: number }
  | { readonly type: 'send'; readonly data: Uint8Array }

type Codec = AbridgedCodec | IntermediateCodec | FullCodec | ObfuscatedCodec

/** One accepted connection's transport state machine. */
export class ServerTransport {
  readonly #o: ServerTransportOptions
  readonly #pending = new ByteQueue()
  readonly #keys: Uint8Array[]
  #codec: Codec | undefined
  /** FakeTLS only: record layer, and the init bytes gathered from records until 64 have arrived. */
  #records: TlsRecordCodec | undefined
  #tlsSecret = -1
  #initBuf: ByteQueue | undefined

  constructor(options: ServerTransportOptions) {
    this.#o = options
    this.#keys = (options.secrets ?? []).map((s) => s.key)
    if (options.replayCache === undefined && (options.secrets ?? []).some((s) => s.mode === 'fake-tls')) {
      throw new ArgumentError('FakeTLS secrets need a replayCache shared by all connections (createReplayCache())', 'replayCache')
    }
  }

  /** The detected transport once known. */
  transport: DetectedTransport | undefined

  /** Bytes received and not yet part of a complete frame (bounded by the hello, init and frame size limits). */
  get buffered(): number {
    return this.#pending.length + (this.#records?.buffered ?? 0) + (this.#initBuf?.length ?? 0) + (this.#codec?.buffered ?? 0)
  }

  get #proxy(): boolean {
    return this.#keys.length > 0
  }

  /** Feeds received bytes. Throws TransportError for anything no valid client sends. */
  push(chunk: Uint8Array, now: number): ServerEvent[] {
    if (this.#codec !== undefined && this.#records === undefined) return this.#codec.push(chunk)
    if (this.#records !== undefined) return this.#pushTls(chunk)
    const q = this.#pending
    q.push(chunk)
    const events: ServerEvent[] = []
    const fakeTls = (this.#o.secrets ?? []).some((s) => s.mode === 'fake-tls')
    const d = detectTransport(q.peek(Math.min(q.length, OBFUSCATED_INIT_SIZE)), { fakeTls })
    if ('needMore' in d) return events
    const max = this.#o.maxFrameSize !== undefined ? { maxFrameSize: this.#o.maxFrameSize } : {}
    if (d.transport === 'fake-tls') {
      if (q.length < 5) return events
      const header = clientHelloSize(q.peek(5))
      const helloSize = 'size' in header ? header.size : 5 + header.needMore
      if (q.length < helloSize) return events
      const hello = q.read(helloSize)
      const secrets = this.#o.secrets ?? []
      const tlsIdx = secrets.flatMap((s, i) => (s.mode === 'fake-tls' ? [i] : []))
      const verified = verifyClientHello(hello, {
        crypto: this.#o.crypto,
        secrets: tlsIdx.map((i) => (secrets[i] as ProxySecret).key),
        domains: tlsIdx.map((i) => {
          const s = secrets[i]
          return s?.mode === 'fake-tls' ? s.domain : undefined
        }),
        now,
        replayCache: this.#o.replayCache ?? createReplayCache(1),
        ...(this.#o.windowSeconds !== undefined ? { windowSeconds: this.#o.windowSeconds } : {}),
      })
      this.#tlsSecret = tlsIdx[verified.secretIndex] ?? -1
      const key = secrets[this.#tlsSecret]?.key ?? new Uint8Array(16)
      events.push({
        type: 'send',
        data: buildServerHello({ crypto: this.#o.crypto, random: this.#o.random, secret: key, clientRandom: verified.clientRandom, sessionId: verified.sessionId }),
      })
      this.transport = 'fake-tls'
      this.#records = new TlsRecordCodec(SERVER_RECORD_SIZE, false)
      this.#initBuf = new ByteQueue()
      for (const e of this.#pushTls(q.readAll())) events.push(e)
      return events
    }
    if (d.transport !== 'obfuscated' && this.#proxy) {
      throw new TransportError('unknown-transport', `an MTProxy does not accept the plain ${d.transport} transport`, {})
    }
    this.transport = d.transport
    if (d.transport === 'obfuscated') {
      const codec = this.#acceptInit(q.read(OBFUSCATED_INIT_SIZE), this.#keys, events)
      this.#codec = codec
    } else if (d.transport === 'abridged') {
      this.#codec = new AbridgedCodec({ side: 'server', ...max })
      events.push({ type: 'detected', transport: d.transport })
    } else if (d.transport === 'intermediate') {
      this.#codec = new IntermediateCodec({ side: 'server', ...max })
      events.push({ type: 'detected', transport: d.transport })
    } else if (d.transport === 'padded') {
      this.#codec = new PaddedIntermediateCodec({ side: 'server', random: this.#o.random, ...max })
      events.push({ type: 'detected', transport: d.transport })
    } else {
      this.#codec = new FullCodec({ side: 'server', ...max })
      events.push({ type: 'detected', transport: d.transport })
    }
    for (const e of this.#codec.push(q.readAll())) events.push(e)
    return events
  }

  #acceptInit(init: Uint8Array, keys: Uint8Array[], events: ServerEvent[]): ObfuscatedCodec {
    const parsed = parseObfuscatedInit(init, { crypto: this.#o.crypto, secrets: keys })
    const secretIndex = this.#records !== undefined ? this.#tlsSecret : parsed.secretIndex
    events.push({
      type: 'detected',
      transport: this.transport ?? 'obfuscated',
      inner: parsed.transport,
      dcId: parsed.dcId,
      ...(secretIndex >= 0 ? { secretIndex } : {}),
    })
    return createObfuscatedServer(parsed, {
      random: this.#o.random,
      ...(this.#o.maxFrameSize !== undefined ? { maxFrameSize: this.#o.maxFrameSize } : {}),
    })
  }

  #pushTls(chunk: Uint8Array): ServerEvent[] {
    const events: ServerEvent[] = []
    const records = this.#records
    if (records === undefined) return events
    for (const body of records.unwrap(chunk)) {
      const initBuf = this.#initBuf
      if (initBuf !== undefined) {
        initBuf.push(body)
        if (initBuf.length < OBFUSCATED_INIT_SIZE) continue
        const key = this.#o.secrets?.[this.#tlsSecret]?.key
        this.#codec = this.#acceptInit(initBuf.read(OBFUSCATED_INIT_SIZE), key ? [key] : [], events)
        this.#initBuf = undefined
        const rest = initBuf.readAll()
        if (rest.length > 0) for (const e of this.#codec.push(rest)) events.push(e)
        continue
      }
      if (this.#codec) for (const e of this.#codec.push(body)) events.push(e)
    }
    return events
  }

  #ready(): Codec {
    if (this.#codec === undefined) throw new ArgumentError('cannot send before the client transport is known', 'state')
    return this.#codec
  }

  #wrap(bytes: Uint8Array): Uint8Array {
    return this.#records ? this.#records.wrap(bytes) : bytes
  }

  /** Frames (and encrypts/wraps) a payload for the client. */
  encode(payload: Uint8Array, options?: EncodeOptions): Uint8Array {
    return this.#wrap(this.#ready().encode(payload, options))
  }

  /** A transport error code frame. */
  encodeErrorCode(code: number): Uint8Array {
    return this.#wrap(this.#ready().encodeErrorCode(code))
  }

  /** A quick-ack token (abridged, intermediate and padded; the full transport has none: ArgumentError). */
  encodeQuickAck(token: number): Uint8Array {
    const c = this.#ready()
    if (c instanceof FullCodec) throw new ArgumentError('the full transport has no quick ack', 'token')
    return this.#wrap(c.encodeQuickAck(token))
  }
}
