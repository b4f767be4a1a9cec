/**
 * Obfuscated2: a 64-byte init that hides the transport tag and seeds one AES-256-CTR stream per direction, then the
 * chosen framing (abridged, intermediate or padded intermediate) encrypted end to end. With an MTProxy secret each
 * key becomes SHA256(key || secret) and init bytes 60..61 carry the target DC id.
 *
 * Layout of the client's init (before encryption): [0..56) random, with forbidden prefixes re-drawn; [8..40) the
 * client-to-server key; [40..56) its IV; [56..60) the tag repeated (ef/ee/dd); [60..62) int16 LE DC id (negative for
 * media DCs, +10000 for test DCs); [62..64) random. The server-to-client key and IV are the same 48 bytes reversed.
 * The client encrypts all 64 bytes with its stream and sends init[0..56) plain followed by the encrypted [56..64).
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports#transport-obfuscation,
 * https://core.telegram.org/mtproto/mtproto-transports#mtproxy.
 */
import { ArgumentError } from '../../errors.js'
import type { AesCtr, CryptoProvider } from '../crypto/provider.js'
import { TransportError } from '../errors.js'
import type { RandomSource } from '../random.js'
import { AbridgedCodec } from './abridged.js'
import type { EncodeOptions, Side, TransportEvent } from './codec.js'
import { IntermediateCodec, PaddedIntermediateCodec } from './intermediate.js'

/** The init is 64 bytes. */
export const OBFUSCATED_INIT_SIZE = 64
/** MTProxy secrets are 16 bytes (after the dd/ee prefix and before a FakeTLS domain). */
export const MTPROXY_SECRET_SIZE = 16

/** The framings obfuscated2 can carry, named by their tag. */
export type ObfuscatedTransport = 'abridged' | 'intermediate' | 'padded'

const TAG_BYTE: Readonly<Record<ObfuscatedTransport, number>> = { abridged: 0xef, intermediate: 0xee, padded: 0xdd }

/**
 * First words (LE) an init must not start with: HTTP methods ('HEAD', 'POST', 'GET ', 'OPTI'), the plain padded and
 * intermediate markers, and a TLS handshake record header (16 03 01 02); servers would detect those transports instead.
 */
const FORBIDDEN_FIRST_WORDS: ReadonlySet<number> = new Set([0x44414548, 0x54534f50, 0x20544547, 0x4954504f, 0xdddddddd, 0xeeeeeeee, 0x02010316])

/** True when 64 random bytes cannot serve as an init (first byte 0xef, a forbidden first word, or a zero second word). */
export function isForbiddenInit(random: Uint8Array): boolean {
  if (random[0] === 0xef) return true
  const dv = new DataView(random.buffer, random.byteOffset, random.byteLength)
  if (FORBIDDEN_FIRST_WORDS.has(dv.getUint32(0, true))) return true
  return dv.getUint32(4, true) === 0
}

/** The int16 DC id field: negative for media-only DCs, +10000 for test DCs. */
export function dcIdField(dc: number, options: { readonly test?: boolean; readonly media?: boolean } = {}): number {
  if (!Number.isInteger(dc) || dc < 1 || dc > 1000) throw new ArgumentError(`DC id must be an integer in 1..1000, got ${dc}`, 'dc')
  const v = options.test ? dc + 10000 : dc
  return options.media ? -v : v
}

/** The two AES-CTR key/IV pairs of a connection, named from the client's point of view. */
export interface ObfuscatedKeys {
  readonly encryptKey: Uint8Array
  readonly encryptIv: Uint8Array
  readonly decryptKey: Uint8Array
  readonly decryptIv: Uint8Array
}

/** Derives the keys from an init's bytes 8..56 (and an optional 16-byte MTProxy secret). */
export function deriveObfuscatedKeys(init: Uint8Array, crypto: CryptoProvider, secret?: Uint8Array): ObfuscatedKeys {
  if (init.length < 56) throw new ArgumentError(`obfuscated2 init must be ${OBFUSCATED_INIT_SIZE} bytes, got ${init.length}`, 'init')
  const reversed = init.slice(8, 56).reverse()
  let encryptKey: Uint8Array = init.slice(8, 40)
  let decryptKey: Uint8Array = reversed.subarray(0, 32)
  if (secret !== undefined) {
    checkSecret(secret)
    encryptKey = crypto.sha256(encryptKey, secret)
    decryptKey = crypto.sha256(decryptKey, secret)
  }
  return { encryptKey, encryptIv: init.slice(40, 56), decryptKey, decryptIv: reversed.slice(32, 48) }
}

function checkSecret(secret: Uint8Array): void {
  if (secret.length !== MTPROXY_SECRET_SIZE) {
    throw new TransportError('bad-secret', `MTProxy secret must be ${MTPROXY_SECRET_SIZE} bytes, got ${secret.length}`, { length: secret.length })
  }
}

/** What a client needs to build its init. */
export interface ObfuscatedInitOptions {
  readonly crypto: CryptoProvider
  /** The framing inside the obfuscation. */
  readonly transport: ObfuscatedTransport
  /** The int16 DC id field ({@link dcIdField}); when omitted bytes 60..61 stay random (direct DC connections). */
  readonly dcId?: number
  /** A 16-byte MTProxy secret: keys become SHA256(key || secret). */
  readonly secret?: Uint8Array
}

/** A client's init bytes to send and its two running streams. */
export interface ObfuscatedClientInit {
  /** The 64 bytes to send first. */
  readonly init: Uint8Array
  /** Client-to-server stream (already advanced past the init). */
  readonly encryptor: AesCtr
  /** Server-to-client stream. */
  readonly decryptor: AesCtr
}

/**
 * Builds the init from 64 given random bytes (deterministic; used by {@link createObfuscatedInit} and by vector
 * tests). Throws ArgumentError when the bytes are a forbidden init.
 */
export function buildObfuscatedInit(random: Uint8Array, options: ObfuscatedInitOptions): ObfuscatedClientInit {
  if (random.length !== OBFUSCATED_INIT_SIZE) throw new ArgumentError(`need ${OBFUSCATED_INIT_SIZE} random bytes, got ${random.length}`, 'random')
  if (isForbiddenInit(random)) throw new ArgumentError('random bytes form a forbidden obfuscated2 init', 'random')
  const init = random.slice()
  init.fill(TAG_BYTE[options.transport], 56, 60)
  if (options.dcId !== undefined) {
    if (!Number.isInteger(options.dcId) || options.dcId < -32768 || options.dcId > 32767) {
      throw new ArgumentError(`DC id field must be an int16, got ${options.dcId}`, 'dcId')
    }
    new DataView(init.buffer).setInt16(60, options.dcId, true)
  }
  const keys = deriveObfuscatedKeys(init, options.crypto, options.secret)
  const encryptor = options.crypto.createAesCtr(keys.encryptKey, keys.encryptIv)
  const decryptor = options.crypto.createAesCtr(keys.decryptKey, keys.decryptIv)
  const encrypted = encryptor.process(init.slice())
  init.set(encrypted.subarray(56, 64), 56)
  return { init, encryptor, decryptor }
}

/** Draws random bytes (re-drawing forbidden ones) and builds a client init. */
export function createObfuscatedInit(random: RandomSource, options: ObfuscatedInitOptions): ObfuscatedClientInit {
  const bytes = new Uint8Array(OBFUSCATED_INIT_SIZE)
  do random(bytes)
  while (isForbiddenInit(bytes))
  return buildObfuscatedInit(bytes, options)
}

/** What a server learns from a client's init. */
export interface ParsedObfuscatedInit {
  readonly transport: ObfuscatedTransport
  /** The int16 DC id field as sent (see {@link dcIdField}). */
  readonly dcId: number
  /** Index into the `secrets` list of the secret that matched, or -1 without secrets. */
  readonly secretIndex: number
  /** Server-to-client stream. */
  readonly encryptor: AesCtr
  /** Client-to-server stream (already advanced past the init). */
  readonly decryptor: AesCtr
}

function tagOf(word: number): ObfuscatedTransport | undefined {
  if (word === 0xefefefef) return 'abridged'
  if (word === 0xeeeeeeee) return 'intermediate'
  if (word === 0xdddddddd) return 'padded'
  return undefined
}

/**
 * Server side: derives both streams from a received init and reads its tag and DC id. With `secrets` (an MTProxy),
 * each is tried in turn; an init whose decrypted tag is not ef/ee/dd repeated under any key is rejected ('bad-init').
 */
export function parseObfuscatedInit(
  init: Uint8Array,
  options: { readonly crypto: CryptoProvider; readonly secrets?: readonly Uint8Array[] },
): ParsedObfuscatedInit {
  if (init.length !== OBFUSCATED_INIT_SIZE) {
    throw new TransportError('bad-init', `obfuscated2 init must be ${OBFUSCATED_INIT_SIZE} bytes, got ${init.length}`, { length: init.length })
  }
  const candidates: ReadonlyArray<Uint8Array | undefined> = options.secrets && options.secrets.length > 0 ? options.secrets : [undefined]
  for (let i = 0; i < candidates.length; i++) {
    const secret = candidates[i]
    const keys = deriveObfuscatedKeys(init, options.crypto, secret)
    const decryptor = options.crypto.createAesCtr(keys.encryptKey, keys.encryptIv)
    const plain = decryptor.process(init.slice())
    const dv = new DataView(plain.buffer, plain.byteOffset, plain.byteLength)
    const transport = tagOf(dv.getUint32(56, true))
    if (transport === undefined) continue
    return {
      transport,
      dcId: dv.getInt16(60, true),
      secretIndex: secret === undefined ? -1 : i,
      encryptor: options.crypto.createAesCtr(keys.decryptKey, keys.decryptIv),
      decryptor,
    }
  }
  throw new TransportError('bad-init', 'obfuscated2 init carries no known protocol tag under any key', {})
}

/** Options for the framing inside an obfuscated stream. */
export interface InnerOptions {
  readonly side: Side
  /** Needed by padded intermediate for its padding. */
  readonly random: RandomSource
  readonly maxFrameSize?: number
}

/** Creates the marker-less framing codec an obfuscated stream carries. */
export function innerCodec(transport: ObfuscatedTransport, options: InnerOptions): AbridgedCodec | IntermediateCodec {
  const base = { side: options.side, marker: false, ...(options.maxFrameSize !== undefined ? { maxFrameSize: options.maxFrameSize } : {}) }
  if (transport === 'abridged') return new AbridgedCodec(base)
  if (transport === 'intermediate') return new IntermediateCodec(base)
  return new PaddedIntermediateCodec({ ...base, random: options.random })
}

/**
 * A framing codec wrapped in the two AES-CTR streams. The client's first encoded output starts with the init.
 * `push` decrypts each chunk once (the keystream is positional, so chunk boundaries do not matter) and hands it to the
 * inner decoder.
 */
export class ObfuscatedCodec {
  readonly #inner: AbridgedCodec | IntermediateCodec
  readonly #encryptor: AesCtr
  readonly #decryptor: AesCtr
  #prefix: Uint8Array | undefined

  constructor(inner: AbridgedCodec | IntermediateCodec, streams: { encryptor: AesCtr; decryptor: AesCtr }, prefix?: Uint8Array) {
    this.#inner = inner
    this.#encryptor = streams.encryptor
    this.#decryptor = streams.decryptor
    this.#prefix = prefix
  }

  /** The framing inside. */
  get transport(): ObfuscatedTransport {
    return this.#inner.transport
  }

  get buffered(): number {
    return this.#inner.buffered
  }

  /** Frames and encrypts a payload; the client's first call returns the init followed by the frame. */
  encode(payload: Uint8Array, options?: EncodeOptions): Uint8Array {
    return this.#emit(this.#inner.encode(payload, options))
  }

  /** Server side: an encrypted transport error code frame. */
  encodeErrorCode(code: number): Uint8Array {
    return this.#emit(this.#inner.encodeErrorCode(code))
  }

  /** Server side: an encrypted quick-ack token. */
  encodeQuickAck(token: number): Uint8Array {
    return this.#emit(this.#inner.encodeQuickAck(token))
  }

  /** Decrypts received bytes and decodes every complete frame. */
  push(chunk: Uint8Array): TransportEvent[] {
    if (chunk.length === 0) return []
    return this.#inner.push(this.#decryptor.process(chunk))
  }

  #emit(framed: Uint8Array): Uint8Array {
    const enc = this.#encryptor.process(framed, framed)
    const prefix = this.#prefix
    if (prefix === undefined) return enc
    this.#prefix = undefined
    const out = new Uint8Array(prefix.length + enc.length)
    out.set(prefix)
    out.set(enc, prefix.length)
    return out
  }
}

/** Options of an obfuscated2 client connection. */
export interface ObfuscatedClientOptions extends ObfuscatedInitOptions {
  readonly random: RandomSource
  readonly maxFrameSize?: number
}

/** A client codec: a fresh init (sent with the first frame) and the chosen framing inside. */
export function createObfuscatedClient(options: ObfuscatedClientOptions): ObfuscatedCodec {
  const { init, encryptor, decryptor } = createObfuscatedInit(options.random, options)
  const inner = innerCodec(options.transport, { side: 'client', random: options.random, ...maxOf(options) })
  return new ObfuscatedCodec(inner, { encryptor, decryptor }, init)
}

/** A server codec for a parsed init: the inner framing named by the init's tag. */
export function createObfuscatedServer(
  parsed: ParsedObfuscatedInit,
  options: { readonly random: RandomSource; readonly maxFrameSize?: number },
): ObfuscatedCodec {
  const inner = innerCodec(parsed.transport, { side: 'server', random: options.random, ...maxOf(options) })
  return new ObfuscatedCodec(inner, parsed)
}

function maxOf(o: { readonly maxFrameSize?: number }): { maxFrameSize?: number } {
  return o.maxFrameSize !== undefined ? { maxFrameSize: o.maxFrameSize } : {}
}
