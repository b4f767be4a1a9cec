/**
 * Builds the client transport of one connection attempt: plain framing (abridged, intermediate, padded, full),
 * obfuscated2, or an MTProxy connection (obfuscated2 keyed with the secret, dd forcing padded intermediate, ee
 * FakeTLS). Sans-IO: it returns a codec and the bytes to send first; the driver owns the socket.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports (framings, obfuscation, MTProxy).
 */
import { ArgumentError } from '../errors.js'
import type { CryptoProvider } from '../protocol/crypto/provider.js'
import type { RandomSource } from '../protocol/random.js'
// The transport modules themselves, not their index: the index also loads the server side (detection, server
// transport, FakeTLS server hello), which a client thread never runs.
import { AbridgedCodec } from '../protocol/transport/abridged.js'
import type { EncodeOptions, TransportEvent } from '../protocol/transport/codec.js'
import { FakeTlsClient } from '../protocol/transport/fake-tls.js'
import { FullCodec } from '../protocol/transport/full.js'
import { IntermediateCodec, PaddedIntermediateCodec } from '../protocol/transport/intermediate.js'
import { parseProxySecret } from '../protocol/transport/mtproxy.js'
import { createObfuscatedClient, dcIdField } from '../protocol/transport/obfuscated.js'

/** The framing inside (or without) obfuscation. */
export type TransportKind = 'abridged' | 'intermediate' | 'padded' | 'full'

/** An MTProxy to route through: the socket goes to its host; its secret keys the obfuscation. */
export interface MtProxyOptions {
  readonly host: string
  readonly port: number
  /** Hex or base64 secret: 16 bytes (plain), `dd` + 16 bytes (padded) or `ee` + 16 bytes + domain (FakeTLS). */
  readonly secret: string | Uint8Array
}

/** What the driver needs to build a transport. */
export interface TransportSpec {
  readonly crypto: CryptoProvider
  readonly random: RandomSource
  readonly transport: TransportKind
  readonly obfuscated: boolean
  readonly dcId: number
  readonly testMode?: boolean
  readonly media?: boolean
  readonly mtproxy?: MtProxyOptions
}

/** One connection's codec, whichever kind. */
export interface ClientCodec {
  encode(payload: Uint8Array, options?: EncodeOptions): Uint8Array
  push(chunk: Uint8Array): TransportEvent[]
  /** False until a FakeTLS server hello is verified. */
  readonly ready: boolean
  /** Whether the received payloads may carry up to 15 trailing padding bytes. */
  readonly padded: boolean
}

/** A codec and bytes to send on connect before any frame (FakeTLS hello), for a given unix time (seconds). */
export function createClientCodec(spec: TransportSpec, unixSeconds: number): { codec: ClientCodec; preamble?: Uint8Array } {
  const dcField = dcIdField(spec.dcId, { ...(spec.testMode ? { test: true } : {}), ...(spec.media ? { media: true } : {}) })
  if (spec.mtproxy !== undefined) {
    const secret = parseProxySecret(spec.mtproxy.secret)
    if (secret.mode === 'fake-tls') {
      const tls = new FakeTlsClient({ crypto: spec.crypto, random: spec.random, secret: secret.key, domain: secret.domain, now: unixSeconds, dcId: dcField })
      return {
        codec: {
          encode: (p, o) => tls.encode(p, o),
          push: (c) => tls.push(c),
          get ready() {
            return tls.ready
          },
          padded: true,
        },
        preamble: tls.hello,
      }
    }
    const transport = secret.mode === 'padded' ? 'padded' : spec.transport
    if (transport === 'full') throw new ArgumentError('MTProxy cannot carry the full transport', 'transport')
    const ob = createObfuscatedClient({ crypto: spec.crypto, random: spec.random, transport, dcId: dcField, secret: secret.key })
    return { codec: wrap(ob, transport === 'padded') }
  }
  if (spec.obfuscated) {
    if (spec.transport === 'full') throw new ArgumentError('obfuscated2 cannot carry the full transport', 'transport')
    const ob = createObfuscatedClient({ crypto: spec.crypto, random: spec.random, transport: spec.transport, dcId: dcField })
    return { codec: wrap(ob, spec.transport === 'padded') }
  }
  switch (spec.transport) {
    case 'abridged':
      return { codec: wrap(new AbridgedCodec({ side: 'client' }), false) }
    case 'intermediate':
      return { codec: wrap(new IntermediateCodec({ side: 'client' }), false) }
    case 'padded':
      return { codec: wrap(new PaddedIntermediateCodec({ side: 'client', random: spec.random }), true) }
    case 'full':
      return { codec: wrap(new FullCodec({ side: 'client' }), false) }
  }
}

function wrap(c: { encode(p: Uint8Array, o?: EncodeOptions): Uint8Array; push(chunk: Uint8Array): TransportEvent[] }, padded: boolean): ClientCodec {
  return { encode: (p, o) => c.encode(p, o), push: (chunk) => c.push(chunk), ready: true, padded }
}
