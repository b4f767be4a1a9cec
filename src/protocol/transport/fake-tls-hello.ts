/**
 * FakeTLS client hello: a TLS 1.3 ClientHello shaped like a current Chrome one (GREASE values, shuffled extensions,
 * an X25519 key share, SNI = the proxy's domain, padding to 512 bytes) whose 32-byte random field is
 * HMAC-SHA256(key = secret, hello with the random zeroed), with the last 4 bytes XORed with the unix time (LE).
 * The server side verifies the HMAC, the time window and a replay cache, and reads the SNI.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports#mtproxy (FakeTLS); layout per RFC 8446 section 4.1.2.
 */
import { LRUCache } from 'lru-cache'
import { ArgumentError } from '../../errors.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { TransportError } from '../errors.js'
import type { RandomSource } from '../random.js'
import { TlsWriter } from './tls-writer.js'
import { x25519PublicKey } from './x25519.js'

/** Offset of the 32-byte random field in a hello record: 5 (record header) + 4 (handshake header) + 2 (version). */
export const HELLO_RANDOM_OFFSET = 11
/** Random field size. */
export const HELLO_RANDOM_SIZE = 32
/** Chrome pads its ClientHello handshake message to 512 bytes when shorter (a workaround for old middleboxes). */
const PADDED_HANDSHAKE_SIZE = 512
/**
 * Largest client hello record the server accepts: the TLS plaintext record limit (2^14). Real hellos with
 * post-quantum key shares are about 1.8 KiB.
 */
export const MAX_CLIENT_HELLO_SIZE = 16384
/** Default accepted clock skew between client and server, in seconds (tdesktop-era MTProxy servers use minutes). */
export const DEFAULT_TIME_WINDOW_SECONDS = 120
/** Default number of client randoms remembered for replay detection. */
export const DEFAULT_REPLAY_CACHE_SIZE = 65536

const EXT_SERVER_NAME = 0x0000

/** Inputs of a client hello. `now` is unix time in SECONDS. */
export interface ClientHelloOptions {
  readonly crypto: CryptoProvider
  readonly random: RandomSource
  /** The 16-byte MTProxy key. */
  readonly secret: Uint8Array
  /** The SNI domain from the `ee` secret. */
  readonly domain: string
  /** Current unix time in seconds. */
  readonly now: number
}

function draw(random: RandomSource, n: number): Uint8Array {
  const b = new Uint8Array(n)
  random(b)
  return b
}

/** Chrome's GREASE values are 0x?a?a; it picks distinct ones for each place it inserts them. */
function greaseValues(random: RandomSource, n: number): number[] {
  const r = draw(random, n)
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    let nib = (r[i] ?? 0) >>> 4
    while (out.includes(((nib << 4) | 0x0a) * 0x101)) nib = (nib + 1) & 0xf
    out.push(((nib << 4) | 0x0a) * 0x101)
  }
  return out
}

/** Fisher-Yates shuffle driven by the random source. */
function shuffle<T>(items: T[], random: RandomSource): T[] {
  const r = draw(random, items.length * 2)
  for (let i = items.length - 1; i > 0; i--) {
    const j = (((r[2 * i] ?? 0) << 8) | (r[2 * i + 1] ?? 0)) % (i + 1)
    const a = items[i] as T
    items[i] = items[j] as T
    items[j] = a
  }
  return items
}

/** Builds the client hello record (the bytes to send first on a FakeTLS connection). */
export function buildClientHello(options: ClientHelloOptions): Uint8Array {
  checkNow(options.now)
  const { random } = options
  const [gCipher = 0x0a0a, gExt1 = 0x1a1a, gGroup = 0x2a2a, gVersion = 0x3a3a, gExt2 = 0x4a4a] = greaseValues(random, 5)
  const domain = Buffer.from(options.domain, 'latin1')
  const keyShare = x25519PublicKey(draw(random, 32))

  const ext = (type: number, body: (w: TlsWriter) => void): Uint8Array => {
    const w = new TlsWriter().u16(type).open()
    body(w)
    return w.close().finish()
  }
  const middle = shuffle(
    [
      ext(EXT_SERVER_NAME, (w) => w.open().bytes([0]).open().bytes(domain).close().close()),
      ext(0x0017, () => {}), // extended_master_secret
      ext(0xff01, (w) => w.bytes([0])), // renegotiation_info
      ext(0x000a, (w) => w.open().u16(gGroup).u16(0x001d).u16(0x0017).u16(0x0018).close()), // supported_groups
      ext(0x000b, (w) => w.bytes([1, 0])), // ec_point_formats: uncompressed
      ext(0x0023, () => {}), // session_ticket
      ext(0x0010, (w) => w.open().bytes([2, 0x68, 0x32, 8, 0x68, 0x74, 0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31]).close()), // ALPN h2, http/1.1
      ext(0x0005, (w) => w.bytes([1, 0, 0, 0, 0])), // status_request (OCSP)
      ext(0x000d, (w) => {
        w.open()
        for (const s of [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]) w.u16(s)
        w.close()
      }), // signature_algorithms
      ext(0x0012, () => {}), // signed_certificate_timestamp
      ext(0x0033, (w) => w.open().u16(gGroup).u16(1).bytes([0]).u16(0x001d).open().bytes(keyShare).close().close()), // key_share
      ext(0x002d, (w) => w.bytes([1, 1])), // psk_key_exchange_modes: psk_dhe_ke
      ext(0x002b, (w) => w.bytes([6]).u16(gVersion).u16(0x0304).u16(0x0303)), // supported_versions
      ext(0x001b, (w) => w.bytes([2]).u16(0x0002)), // compress_certificate: brotli
    ],
    random,
  )

  const w = new TlsWriter()
  w.bytes([0x16, 0x03, 0x01]).open() // record: handshake, legacy version TLS 1.0
  w.bytes([0x01]).open(3) // ClientHello
  w.u16(0x0303).zeros(HELLO_RANDOM_SIZE)
  w.bytes([32]).bytes(draw(random, 32)) // legacy_session_id
  w.open().u16(gCipher)
  for (const c of [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035]) w.u16(c)
  w.close()
  w.bytes([1, 0]) // compression: null
  w.open() // extensions
  w.u16(gExt1).u16(0)
  for (const e of middle) w.bytes(e)
  w.u16(gExt2).u16(1).bytes([0])
  // Handshake message so far: w.length - 5 bytes; a padding extension adds 4 + n.
  const handshake = w.length - 5
  if (handshake + 4 <= PADDED_HANDSHAKE_SIZE) w.u16(0x0015).open().zeros(PADDED_HANDSHAKE_SIZE - handshake - 4).close()
  w.close().close().close()
  const hello = w.finish()
  const mac = options.crypto.hmacSha256(options.secret, hello)
  const t = options.now >>> 0
  mac[28] = (mac[28] ?? 0) ^ (t & 0xff)
  mac[29] = (mac[29] ?? 0) ^ ((t >>> 8) & 0xff)
  mac[30] = (mac[30] ?? 0) ^ ((t >>> 16) & 0xff)
  mac[31] = (mac[31] ?? 0) ^ ((t >>> 24) & 0xff)
  hello.set(mac, HELLO_RANDOM_OFFSET)
  return hello
}

/** What the server learned from a valid client hello. */
export interface VerifiedClientHello {
  /** Index of the matching secret. */
  readonly secretIndex: number
  /** The client's 32-byte random field (needed to sign the server hello). */
  readonly clientRandom: Uint8Array
  /** The legacy session id the server echoes. */
  readonly sessionId: Uint8Array
  /** The client's unix time in seconds. */
  readonly timestamp: number
  /** The SNI host name, when the hello carried one. */
  readonly domain: string | undefined
}

/** Server-side verification options. `now` is unix time in SECONDS. */
export interface VerifyClientHelloOptions {
  readonly crypto: CryptoProvider
  /** Candidate 16-byte keys (all `ee` secrets the proxy serves). */
  readonly secrets: readonly Uint8Array[]
  /** Expected SNI per secret (same index); when given, a hello naming another host is rejected. */
  readonly domains?: readonly (string | undefined)[]
  readonly now: number
  /** Accepted |client time - now| in seconds (default {@link DEFAULT_TIME_WINDOW_SECONDS}). */
  readonly windowSeconds?: number
  /** Replay cache shared by all connections of a server ({@link createReplayCache}). */
  readonly replayCache: LRUCache<string, true>
}

/** A bounded cache of seen client randoms (least recently used evicted past `max`). */
export function createReplayCache(max = DEFAULT_REPLAY_CACHE_SIZE): LRUCache<string, true> {
  return new LRUCache<string, true>({ max })
}

/** `now` must be a unix time in seconds: a NaN would silently disable the time window. */
function checkNow(now: number): void {
  if (!Number.isFinite(now) || now < 0 || now > 0xffffffff) throw new ArgumentError(`now must be unix time in seconds, got ${now}`, 'now')
}

const badTls = (message: string, details: Record<string, number> = {}): TransportError => new TransportError('bad-tls', message, details)

/**
 * Reads the SNI host name out of a client hello record, checking every length against its container; undefined when
 * there is no server_name extension. Throws 'bad-tls' on a malformed structure.
 */
export function readHelloServerName(hello: Uint8Array): string | undefined {
  const dv = new DataView(hello.buffer, hello.byteOffset, hello.byteLength)
  const need = (pos: number, n: number): void => {
    if (pos + n > hello.length) throw badTls('client hello is truncated', { offset: pos })
  }
  let pos = 5 + 4 + 2 + HELLO_RANDOM_SIZE
  need(pos, 1)
  pos += 1 + (hello[pos] ?? 0) // session id
  need(pos, 2)
  pos += 2 + dv.getUint16(pos) // cipher suites
  need(pos, 1)
  pos += 1 + (hello[pos] ?? 0) // compression methods
  if (pos === hello.length) return undefined
  need(pos, 2)
  const end = pos + 2 + dv.getUint16(pos)
  pos += 2
  if (end > hello.length) throw badTls('client hello extensions overrun the record', { offset: pos })
  while (pos + 4 <= end) {
    const type = dv.getUint16(pos)
    const len = dv.getUint16(pos + 2)
    pos += 4
    if (pos + len > end) throw badTls('client hello extension overruns the extension block', { offset: pos })
    if (type === EXT_SERVER_NAME) {
      // server_name_list: u16 length, then entries of (u8 type, u16 length, name).
      if (len < 5 || dv.getUint16(pos) !== len - 2 || hello[pos + 2] !== 0) throw badTls('malformed server_name extension', { offset: pos })
      const nameLen = dv.getUint16(pos + 3)
      if (5 + nameLen > len) throw badTls('malformed server_name extension', { offset: pos })
      return Buffer.from(hello.subarray(pos + 5, pos + 5 + nameLen)).toString('latin1')
    }
    pos += len
  }
  return undefined
}

/**
 * Size of the client hello record at the start of `data`, or the number of bytes still needed to know it.
 * Throws 'bad-tls' when the record header is not a TLS handshake or announces more than {@link MAX_CLIENT_HELLO_SIZE}.
 */
export function clientHelloSize(data: Uint8Array): { size: number } | { needMore: number } {
  if (data.length < 5) return { needMore: 5 - data.length }
  if (data[0] !== 0x16 || data[1] !== 0x03 || data[2] !== 0x01) throw badTls('not a TLS handshake record')
  const len = ((data[3] ?? 0) << 8) | (data[4] ?? 0)
  if (len > MAX_CLIENT_HELLO_SIZE) throw badTls(`client hello record of ${len} bytes is too large`, { size: len })
  return data.length >= 5 + len ? { size: 5 + len } : { needMore: 5 + len - data.length }
}

/**
 * Server side: verifies a complete client hello record. Throws 'bad-tls' for a malformed hello or an HMAC that no
 * secret produces, and 'replayed' for a client time outside the window or a random seen before.
 */
export function verifyClientHello(hello: Uint8Array, options: VerifyClientHelloOptions): VerifiedClientHello {
  checkNow(options.now)
  const window = options.windowSeconds ?? DEFAULT_TIME_WINDOW_SECONDS
  if (!(window >= 0)) throw new ArgumentError(`windowSeconds must be a non-negative number, got ${window}`, 'windowSeconds')
  const size = clientHelloSize(hello)
  if (!('size' in size) || size.size !== hello.length) throw badTls('client hello record length does not match the bytes given')
  const minimal = 5 + 4 + 2 + HELLO_RANDOM_SIZE + 1
  if (hello.length < minimal) throw badTls('client hello is too short', { size: hello.length })
  const hsLen = ((hello[6] ?? 0) << 16) | ((hello[7] ?? 0) << 8) | (hello[8] ?? 0)
  if (hello[5] !== 0x01 || hsLen !== hello.length - 9) throw badTls('record does not hold exactly one ClientHello')
  const sidLen = hello[5 + 4 + 2 + HELLO_RANDOM_SIZE] ?? 0
  if (sidLen !== 32 || hello.length < minimal + 32) throw badTls('client hello has no 32-byte session id', { length: sidLen })

  const clientRandom = hello.slice(HELLO_RANDOM_OFFSET, HELLO_RANDOM_OFFSET + HELLO_RANDOM_SIZE)
  const zeroed = hello.slice()
  zeroed.fill(0, HELLO_RANDOM_OFFSET, HELLO_RANDOM_OFFSET + HELLO_RANDOM_SIZE)
  for (let i = 0; i < options.secrets.length; i++) {
    const secret = options.secrets[i] as Uint8Array
    const mac = options.crypto.hmacSha256(secret, zeroed)
    let diff = 0
    for (let j = 0; j < 28; j++) diff |= (mac[j] ?? 0) ^ (clientRandom[j] ?? 0)
    if (diff !== 0) continue
    const timestamp =
      (((mac[28] ?? 0) ^ (clientRandom[28] ?? 0)) |
        (((mac[29] ?? 0) ^ (clientRandom[29] ?? 0)) << 8) |
        (((mac[30] ?? 0) ^ (clientRandom[30] ?? 0)) << 16) |
        (((mac[31] ?? 0) ^ (clientRandom[31] ?? 0)) << 24)) >>>
      0
    if (Math.abs(timestamp - options.now) > window) {
      throw new TransportError('replayed', `client hello time ${timestamp} is outside ${options.now} +- ${window} s`, { timestamp, now: options.now })
    }
    const key = Buffer.from(clientRandom).toString('base64')
    if (options.replayCache.has(key)) throw new TransportError('replayed', 'client hello random was seen before', { timestamp })
    const domain = readHelloServerName(hello)
    const expected = options.domains?.[i]
    if (expected !== undefined && domain?.toLowerCase() !== expected.toLowerCase()) {
      throw badTls('client hello names another domain than the secret')
    }
    options.replayCache.set(key, true)
    return {
      secretIndex: i,
      clientRandom,
      sessionId: hello.slice(minimal, minimal + 32),
      timestamp,
      domain,
    }
  }
  throw badTls('client hello HMAC matches no secret')
}
