/**
 * The size-proportional half of MTProto 2.0 message encryption, runnable on any thread: msg_key's SHA-256 over the
 * plaintext, the AES key/iv derivation and the AES-256-IGE, done in place on a frame buffer. A worker pool runs these
 * with the 104 bytes of auth key material they need ({@link messageKeys}); the session's thread only builds the
 * plaintext (sealing) or checks the header fields and compares msg_key in constant time (opening).
 *
 * Frame layout: auth_key_id(8) + msg_key(16) + plaintext/ciphertext (a whole number of 16-byte blocks; when opening,
 * bytes after the last whole block are left alone).
 *
 * Spec: https://core.telegram.org/mtproto/description#message-key-msg-key (msg_key = SHA256(auth_key[88+x:120+x] +
 * plaintext)[8:24]), https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector (KDF).
 */
import { ArgumentError } from '../../errors.js'
import { AUTH_KEY_BYTES, type Sender, senderOffset } from './kdf.js'
import type { CryptoProvider } from './provider.js'

/** auth_key[88+x:120+x] (32) + auth_key[x:x+36] (36) + auth_key[40+x:76+x] (36). */
export const MESSAGE_KEYS_BYTES = 104
/** auth_key_id + msg_key. */
const ENVELOPE = 24

/** The auth key material one direction's message crypto needs (see {@link MESSAGE_KEYS_BYTES}). */
export function messageKeys(authKey: Uint8Array, sender: Sender): Uint8Array {
  if (authKey.length !== AUTH_KEY_BYTES) throw new ArgumentError(`auth_key must be ${AUTH_KEY_BYTES} bytes, got ${authKey.length}`, 'authKey')
  const x = senderOffset(sender)
  const out = new Uint8Array(MESSAGE_KEYS_BYTES)
  out.set(authKey.subarray(88 + x, 120 + x), 0)
  out.set(authKey.subarray(x, x + 36), 32)
  out.set(authKey.subarray(40 + x, 76 + x), 68)
  return out
}

/** Validates a frame and key material; returns the length of the whole-block body after the envelope. */
export function checkMessageFrame(frame: unknown, keys: unknown, exact: boolean): number {
  if (!(frame instanceof Uint8Array)) throw new ArgumentError('frame must be a Uint8Array', 'frame')
  if (!(keys instanceof Uint8Array) || keys.length !== MESSAGE_KEYS_BYTES) {
    throw new ArgumentError(`message keys must be ${MESSAGE_KEYS_BYTES} bytes`, 'keys')
  }
  const body = frame.length - ENVELOPE
  if (body < 16 || (exact && body % 16 !== 0)) throw new ArgumentError(`frame of ${frame.length} bytes has no whole-block body`, 'frame')
  return body - (body % 16)
}

/** AES key and iv from msg_key (the spec's sha256_a / sha256_b split). */
function keyIv(crypto: CryptoProvider, keys: Uint8Array, msgKey: Uint8Array): { key: Uint8Array; iv: Uint8Array } {
  const a = crypto.sha256(msgKey, keys.subarray(32, 68))
  const b = crypto.sha256(keys.subarray(68, 104), msgKey)
  const key = new Uint8Array(32)
  const iv = new Uint8Array(32)
  for (let i = 0; i < 32; i++) {
    const outer = i < 8 || i >= 24
    key[i] = (outer ? a[i] : b[i]) ?? 0
    iv[i] = (outer ? b[i] : a[i]) ?? 0
  }
  return { key, iv }
}

/** Computes msg_key over the plaintext at 24.., writes it at 8..24 and encrypts the plaintext in place. */
export function sealMessageInPlace(crypto: CryptoProvider, frame: Uint8Array, keys: Uint8Array): Uint8Array {
  const n = checkMessageFrame(frame, keys, true)
  const plain = frame.subarray(ENVELOPE, ENVELOPE + n)
  const msgKey = frame.subarray(8, ENVELOPE)
  msgKey.set(crypto.sha256(keys.subarray(0, 32), plain).subarray(8, 24))
  const { key, iv } = keyIv(crypto, keys, msgKey)
  crypto.igeEncrypt(plain, key, iv, plain)
  return frame
}

/**
 * Decrypts the whole blocks at 24.. in place with the key from the frame's msg_key and returns the msg_key recomputed
 * over the plaintext (the caller compares it with bytes 8..24 in constant time, with every other check).
 */
export function openMessageInPlace(crypto: CryptoProvider, frame: Uint8Array, keys: Uint8Array): Uint8Array {
  const n = checkMessageFrame(frame, keys, false)
  const body = frame.subarray(ENVELOPE, ENVELOPE + n)
  const { key, iv } = keyIv(crypto, keys, frame.subarray(8, ENVELOPE))
  crypto.igeDecrypt(body, key, iv, body)
  return crypto.sha256(keys.subarray(0, 32), body).slice(8, 24)
}
