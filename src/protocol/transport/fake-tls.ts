/**
 * The FakeTLS client (MTProxy `ee` secrets): send a Chrome-like ClientHello, check the proxy's HMAC-signed reply,
 * then carry obfuscated2-over-padded-intermediate (keys mixed with the secret, DC id in the init) inside TLS
 * application-data records, the first preceded by change_cipher_spec.
 *
 * Usage: send `client.hello` on connect; feed every received chunk to `push` (it consumes the server hello first and
 * throws 'bad-tls' if the reply is not signed with our secret; `ready` turns true once it is verified); send what
 * `encode` returns. Frames encoded before `ready` are valid to send right after the hello, but drivers normally wait.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports#mtproxy (FakeTLS).
 */
import type { CryptoProvider } from '../crypto/provider.js'
import type { RandomSource } from '../random.js'
import { ByteQueue } from './byte-queue.js'
import type { EncodeOptions, TransportEvent } from './codec.js'
import { buildClientHello, HELLO_RANDOM_OFFSET, HELLO_RANDOM_SIZE } from './fake-tls-hello.js'
import { serverHelloSize, verifyServerHello } from './fake-tls-server-hello.js'
import { createObfuscatedClient, type ObfuscatedCodec } from './obfuscated.js'
import { CLIENT_RECORD_SIZE, TlsRecordCodec } from './tls-records.js'

/** Options of a FakeTLS client connection. `now` is unix time in SECONDS. */
export interface FakeTlsClientOptions {
  readonly crypto: CryptoProvider
  readonly random: RandomSource
  /** The 16-byte key of the `ee` secret. */
  readonly secret: Uint8Array
  /** The domain of the `ee` secret (sent as SNI). */
  readonly domain: string
  /** Current unix time in seconds (signed into the hello). */
  readonly now: number
  /** The int16 DC id field for the obfuscated2 init (see dcIdField). */
  readonly dcId: number
  readonly maxFrameSize?: number
}

/** Client side of a FakeTLS MTProxy connection. */
export class FakeTlsClient {
  /** The ClientHello record to send first. */
  readonly hello: Uint8Array
  readonly #crypto: CryptoProvider
  readonly #secret: Uint8Array
  readonly #clientRandom: Uint8Array
  readonly #records = new TlsRecordCodec(CLIENT_RECORD_SIZE, true)
  readonly #obfuscated: ObfuscatedCodec
  #handshake: ByteQueue | undefined = new ByteQueue()

  constructor(options: FakeTlsClientOptions) {
    this.#crypto = options.crypto
    this.#secret = options.secret
    this.hello = buildClientHello(options)
    this.#clientRandom = this.hello.slice(HELLO_RANDOM_OFFSET, HELLO_RANDOM_OFFSET + HELLO_RANDOM_SIZE)
    this.#obfuscated = createObfuscatedClient({
      crypto: options.crypto,
      random: options.random,
      transport: 'padded',
      dcId: options.dcId,
      secret: options.secret,
      ...(options.maxFrameSize !== undefined ? { maxFrameSize: options.maxFrameSize } : {}),
    })
  }

  /** True once the server hello has been verified. */
  get ready(): boolean {
    return this.#handshake === undefined
  }

  /** Bytes received and not yet part of a complete frame (or of the server hello). */
  get buffered(): number {
    return (this.#handshake?.length ?? 0) + this.#records.buffered + this.#obfuscated.buffered
  }

  /** Frames, encrypts and wraps a payload in TLS records. */
  encode(payload: Uint8Array, options?: EncodeOptions): Uint8Array {
    return this.#records.wrap(this.#obfuscated.encode(payload, options))
  }

  /** Feeds received bytes: the server hello first, then records. Throws TransportError ('bad-tls', framing errors). */
  push(chunk: Uint8Array): TransportEvent[] {
    let data = chunk
    const hs = this.#handshake
    if (hs !== undefined) {
      hs.push(chunk)
      const need = serverHelloSize(hs)
      if (!('size' in need)) return []
      const reply = hs.read(need.size)
      verifyServerHello(reply, this.#clientRandom, this.#secret, this.#crypto)
      data = hs.readAll()
      this.#handshake = undefined
    }
    const events: TransportEvent[] = []
    for (const body of this.#records.unwrap(data)) {
      for (const e of this.#obfuscated.push(body)) events.push(e)
    }
    return events
  }
}
