/**
 * Transport auto-detection from a connection's first bytes, in the order Telegram's servers and MTProxy apply:
 *   1. 0xef                         -> abridged
 *   2. 0xeeeeeeee                   -> intermediate
 *   3. 0xdddddddd                   -> padded intermediate
 *   4. 'HEAD' 'POST' 'GET ' 'OPTI'  -> HTTP transport (not supported here: 'unknown-transport')
 *   5. 16 03 01 (a TLS handshake)   -> FakeTLS, when the server has FakeTLS secrets
 *   6. bytes 4..8 all zero          -> full (seq_no 0 of the first frame; obfuscated2 inits never have a zero
 *                                      second word, which is exactly why clients re-draw such inits)
 *   7. anything else                -> a 64-byte obfuscated2 init
 * Each rule is decided as soon as enough bytes are present; fewer bytes give `needMore`.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports (markers, full transport, transport obfuscation).
 */
import { TransportError } from '../errors.js'
import { OBFUSCATED_INIT_SIZE } from './obfuscated.js'

/** The transports a server can recognize. */
export type DetectedTransport = 'abridged' | 'intermediate' | 'padded' | 'full' | 'fake-tls' | 'obfuscated'

/** Detection result: a transport (no bytes consumed) or the number of further bytes needed to decide. */
export type Detection = { readonly transport: DetectedTransport } | { readonly needMore: number }

/** First words (LE) of HTTP requests. */
const HTTP_WORDS: ReadonlySet<number> = new Set([0x44414548, 0x54534f50, 0x20544547, 0x4954504f])

/**
 * Detects the transport from the first bytes of a connection (`head` may hold more than needed).
 * @param options.fakeTls whether TLS-looking starts mean FakeTLS (the server holds `ee` secrets); otherwise they fall
 *   through to the other rules.
 */
export function detectTransport(head: Uint8Array, options: { readonly fakeTls?: boolean } = {}): Detection {
  if (head.length < 1) return { needMore: 1 }
  if (head[0] === 0xef) return { transport: 'abridged' }
  if (options.fakeTls === true && head[0] === 0x16) {
    if (head.length < 3) return { needMore: 3 - head.length }
    if (head[1] === 0x03 && head[2] === 0x01) return { transport: 'fake-tls' }
  }
  if (head.length < 4) return { needMore: 4 - head.length }
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength)
  const first = dv.getUint32(0, true)
  if (first === 0xeeeeeeee) return { transport: 'intermediate' }
  if (first === 0xdddddddd) return { transport: 'padded' }
  if (HTTP_WORDS.has(first)) throw new TransportError('unknown-transport', 'HTTP transport is not supported', { first })
  if (head.length < 8) return { needMore: 8 - head.length }
  if (dv.getUint32(4, true) === 0) return { transport: 'full' }
  if (head.length < OBFUSCATED_INIT_SIZE) return { needMore: OBFUSCATED_INIT_SIZE - head.length }
  return { transport: 'obfuscated' }
}
