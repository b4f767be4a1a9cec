/**
 * One listening port serving both a DC and an MTProxy: the first bytes are offered to an MTProxy transport keyed by
 * the cluster's secrets; when they are not a valid proxy init (a plain transport, or obfuscated2 without a secret),
 * the same bytes go to a plain DC transport instead.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports (transport detection, obfuscation, MTProxy secrets).
 */
import type { LRUCache } from 'lru-cache'
import type { CryptoProvider } from '../protocol/crypto/provider.js'
import { TransportError } from '../protocol/errors.js'
import type { RandomSource } from '../protocol/random.js'
import { type ProxySecret, type ServerEvent, ServerTransport } from '../protocol/transport/index.js'

/** Chooses between the proxy and the plain transport on the first bytes, then forwards to the chosen one. */
export class DualTransport {
  #proxy: ServerTransport | undefined
  #plain: ServerTransport | undefined
  #chosen: ServerTransport | undefined
  /** Bytes pushed before the choice, replayed into the plain transport on fallback. */
  #prefix: Uint8Array[] = []
  /** Whether the chosen transport is the MTProxy one. */
  viaProxy = false

  constructor(
    readonly opts: {
      crypto: CryptoProvider
      random: RandomSource
      secrets: readonly ProxySecret[]
      replayCache: LRUCache<string, true>
      maxFrameSize: number
    },
  ) {
    const base = { crypto: opts.crypto, random: opts.random, maxFrameSize: opts.maxFrameSize }
    if (opts.secrets.length > 0) this.#proxy = new ServerTransport({ ...base, secrets: opts.secrets, replayCache: opts.replayCache })
    else this.#chosen = this.#plain = new ServerTransport(base)
  }

  /** The transport in use once chosen. */
  get transport(): ServerTransport | undefined {
    return this.#chosen
  }

  get buffered(): number {
    return (this.#chosen ?? this.#proxy)?.buffered ?? 0
  }

  /** Feeds bytes; throws TransportError for a stream neither transport accepts. */
  push(chunk: Uint8Array, now: number): ServerEvent[] {
    if (this.#chosen !== undefined) return this.#chosen.push(chunk, now)
    const proxy = this.#proxy as ServerTransport
    this.#prefix.push(chunk)
    try {
      const events = proxy.push(chunk, now)
      if (events.some((e) => e.type === 'detected')) {
        this.#chosen = proxy
        this.viaProxy = true
        this.#prefix = []
      }
      return events
    } catch (e) {
      if (!(e instanceof TransportError) || (e.reason !== 'bad-init' && e.reason !== 'unknown-transport')) throw e
      const plain = new ServerTransport({ crypto: this.opts.crypto, random: this.opts.random, maxFrameSize: this.opts.maxFrameSize })
      this.#plain = plain
      this.#chosen = plain
      const events: ServerEvent[] = []
      for (const c of this.#prefix) for (const ev of plain.push(c, now)) events.push(ev)
      this.#prefix = []
      return events
    }
  }
}
