/**
 * FakeTLS server hello: what an MTProxy answers to a valid client hello, and the client's check of it. The reply is
 * three records: a TLS 1.3 ServerHello (echoing the client's session id, TLS_AES_128_GCM_SHA256, an X25519 key share,
 * supported_versions = TLS 1.3), a change_cipher_spec, and one application-data record of random bytes standing in
 * for the encrypted certificate. Its random field is HMAC-SHA256(key = secret, client_random || reply with the random
 * zeroed).
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports#mtproxy (FakeTLS); RFC 8446 section 4.1.3.
 */
import type { CryptoProvider } from '../crypto/provider.js'
import { TransportError } from '../errors.js'
import type { RandomSource } from '../random.js'
import { HELLO_RANDOM_OFFSET, HELLO_RANDOM_SIZE } from './fake-tls-hello.js'
import { CHANGE_CIPHER_SPEC, MAX_RECORD_SIZE } from './tls-records.js'
import { TlsWriter } from './tls-writer.js'
import { x25519PublicKey } from './x25519.js'

/** The fake certificate record is 1024..4095 random bytes, the size range of real certificate chains. */
const MIN_FAKE_CERT = 1024
const FAKE_CERT_SPREAD = 3072

/** Builds the server's reply to a verified client hello. */
export function buildServerHello(options: {
  readonly crypto: CryptoProvider
  readonly random: RandomSource
  readonly secret: Uint8Array
  readonly clientRandom: Uint8Array
  readonly sessionId: Uint8Array
}): Uint8Array {
  const r = new Uint8Array(34)
  options.random(r)
  const key = x25519PublicKey(r.subarray(0, 32))
  const certSize = MIN_FAKE_CERT + ((((r[32] ?? 0) << 8) | (r[33] ?? 0)) % FAKE_CERT_SPREAD)
  const cert = new Uint8Array(certSize)
  options.random(cert)
  const w = new TlsWriter()
  w.bytes([0x16, 0x03, 0x03]).open()
  w.bytes([0x02]).open(3)
  w.u16(0x0303).zeros(HELLO_RANDOM_SIZE)
  w.bytes([options.sessionId.length]).bytes(options.sessionId)
  w.u16(0x1301).bytes([0]) // TLS_AES_128_GCM_SHA256, no compression
  w.open()
  w.u16(0x0033).open().u16(0x001d).open().bytes(key).close().close() // key_share: x25519
  w.u16(0x002b).open().u16(0x0304).close() // supported_versions: TLS 1.3
  w.close().close().close()
  w.bytes(CHANGE_CIPHER_SPEC)
  w.bytes([0x17, 0x03, 0x03]).open().bytes(cert).close()
  const reply = w.finish()
  const mac = options.crypto.hmacSha256(options.secret, options.clientRandom, reply)
  reply.set(mac, HELLO_RANDOM_OFFSET)
  return reply
}

const badTls = (message: string, details: Record<string, number> = {}): TransportError => new TransportError('bad-tls', message, details)

/** Random access to buffered bytes (a ByteQueue, or {@link bytesView} over an array). */
export interface ByteView {
  readonly length: number
  byteAt(i: number): number
}

/** A {@link ByteView} over a Uint8Array. */
export function bytesView(data: Uint8Array): ByteView {
  return { length: data.length, byteAt: (i) => data[i] ?? 0 }
}

/**
 * Client side: how many bytes of `data` form the server's three-record reply, or how many more are needed. Reads only
 * the three record headers. Throws 'bad-tls' when the records are not handshake, change_cipher_spec, application data.
 */
export function serverHelloSize(data: ByteView): { size: number } | { needMore: number } {
  let pos = 0
  for (const type of [0x16, 0x14, 0x17]) {
    if (data.length < pos + 5) return { needMore: pos + 5 - data.length }
    if (data.byteAt(pos) !== type || data.byteAt(pos + 1) !== 0x03 || data.byteAt(pos + 2) !== 0x03) {
      throw badTls(`server hello: expected a record of type 0x${type.toString(16)} at offset ${pos}`, { offset: pos })
    }
    const len = (data.byteAt(pos + 3) << 8) | data.byteAt(pos + 4)
    if (len > MAX_RECORD_SIZE) throw badTls(`server hello record of ${len} bytes is too large`, { size: len })
    if (type === 0x14 && len !== 1) throw badTls('server hello: malformed change_cipher_spec', { size: len })
    pos += 5 + len
  }
  return data.length >= pos ? { size: pos } : { needMore: pos - data.length }
}

/** Client side: checks the reply's HMAC against our client random. Throws 'bad-tls' on mismatch. */
export function verifyServerHello(reply: Uint8Array, clientRandom: Uint8Array, secret: Uint8Array, crypto: CryptoProvider): void {
  if (reply.length < HELLO_RANDOM_OFFSET + HELLO_RANDOM_SIZE) throw badTls('server hello is too short', { size: reply.length })
  const zeroed = reply.slice()
  zeroed.fill(0, HELLO_RANDOM_OFFSET, HELLO_RANDOM_OFFSET + HELLO_RANDOM_SIZE)
  const mac = crypto.hmacSha256(secret, clientRandom, zeroed)
  let diff = 0
  for (let i = 0; i < HELLO_RANDOM_SIZE; i++) diff |= (mac[i] ?? 0) ^ (reply[HELLO_RANDOM_OFFSET + i] ?? 0)
  if (diff !== 0) throw badTls('server hello HMAC does not match: not the proxy we meant, or a wrong secret')
}
