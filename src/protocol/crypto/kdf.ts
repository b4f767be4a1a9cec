/**
 * Key derivations of MTProto: the 2.0 (SHA-256) and 1.0 (SHA-1) message keys and AES key/iv, auth_key_id,
 * auth_key_aux_hash, new_nonce_hash1..3, the handshake's tmp_aes_key/iv and the first server salt.
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector (2.0 KDF),
 * https://core.telegram.org/mtproto/description#message-key-msg-key (msg_key),
 * https://core.telegram.org/mtproto/description_v1#defining-aes-key-and-initialization-vector (1.0 KDF, still used
 * by auth.bindTempAuthKey's encrypted_message), https://core.telegram.org/mtproto/auth_key (nonce hashes, tmp keys).
 */
import { ArgumentError } from '../../errors.js'
import type { CryptoProvider } from './provider.js'

/** An auth key is always 2048 bits. */
export const AUTH_KEY_BYTES = 256

/** Which side sent the message: selects x = 0 (client->server) or x = 8 (server->client) in every derivation. */
export type Sender = 'client' | 'server'

/** The offset `x` the spec uses for a sender. */
export function senderOffset(sender: Sender): 0 | 8 {
  return sender === 'client' ? 0 : 8
}

function checkAuthKey(authKey: Uint8Array): void {
  if (authKey.length !== AUTH_KEY_BYTES) {
    throw new ArgumentError(`auth_key must be ${AUTH_KEY_BYTES} bytes, got ${authKey.length}`, 'authKey')
  }
}

function checkMsgKey(msgKey: Uint8Array): void {
  if (msgKey.length !== 16) throw new ArgumentError(`msg_key must be 16 bytes, got ${msgKey.length}`, 'msgKey')
}

/** A 32-byte AES-256 key and the 32-byte IGE iv derived for one message. */
export interface AesKeyIv {
  readonly key: Uint8Array
  readonly iv: Uint8Array
}

/**
 * MTProto 2.0 msg_key: the middle 16 bytes (8..24) of SHA256(auth_key[88+x : 120+x] + plaintext), where plaintext
 * includes the padding. Writes into `out` (16 bytes) when given.
 */
export function msgKeyV2(
  crypto: CryptoProvider,
  authKey: Uint8Array,
  plaintext: Uint8Array,
  sender: Sender,
  out?: Uint8Array,
): Uint8Array {
  checkAuthKey(authKey)
  const x = senderOffset(sender)
  const h = crypto.sha256(authKey.subarray(88 + x, 120 + x), plaintext)
  const dst = out ?? new Uint8Array(16)
  dst.set(h.subarray(8, 24))
  return dst
}

/**
 * MTProto 2.0 AES key/iv from msg_key: sha256_a = SHA256(msg_key + auth_key[x:x+36]),
 * sha256_b = SHA256(auth_key[40+x:76+x] + msg_key), key = a[0:8]+b[8:24]+a[24:32], iv = b[0:8]+a[8:24]+b[24:32].
 * `into` lets the hot path reuse two 32-byte buffers.
 */
export function aesKeyIvV2(
  crypto: CryptoProvider,
  authKey: Uint8Array,
  msgKey: Uint8Array,
  sender: Sender,
  into?: AesKeyIv,
): AesKeyIv {
  checkAuthKey(authKey)
  checkMsgKey(msgKey)
  const x = senderOffset(sender)
  const a = crypto.sha256(msgKey, authKey.subarray(x, x + 36))
  const b = crypto.sha256(authKey.subarray(40 + x, 76 + x), msgKey)
  const key = into?.key ?? new Uint8Array(32)
  const iv = into?.iv ?? new Uint8Array(32)
  key.set(a.subarray(0, 8), 0)
  key.set(b.subarray(8, 24), 8)
  key.set(a.subarray(24, 32), 24)
  iv.set(b.subarray(0, 8), 0)
  iv.set(a.subarray(8, 24), 8)
  iv.set(b.subarray(24, 32), 24)
  return { key, iv }
}

/** MTProto 1.0 msg_key: the lower 128 bits (bytes 4..20) of SHA1(plaintext without padding). */
export function msgKeyV1(crypto: CryptoProvider, plaintext: Uint8Array): Uint8Array {
  return crypto.sha1(plaintext).slice(4, 20)
}

/**
 * MTProto 1.0 AES key/iv: four SHA-1 hashes over msg_key and 32/16-byte windows of auth_key at offset x.
 * aes_key = a[0:8]+b[8:20]+c[4:16], aes_iv = a[8:20]+b[0:8]+c[16:20]+d[0:8].
 */
export function aesKeyIvV1(crypto: CryptoProvider, authKey: Uint8Array, msgKey: Uint8Array, sender: Sender): AesKeyIv {
  checkAuthKey(authKey)
  checkMsgKey(msgKey)
  const x = senderOffset(sender)
  const a = crypto.sha1(msgKey, authKey.subarray(x, x + 32))
  const b = crypto.sha1(authKey.subarray(32 + x, 48 + x), msgKey, authKey.subarray(48 + x, 64 + x))
  const c = crypto.sha1(authKey.subarray(64 + x, 96 + x), msgKey)
  const d = crypto.sha1(msgKey, authKey.subarray(96 + x, 128 + x))
  const key = new Uint8Array(32)
  key.set(a.subarray(0, 8), 0)
  key.set(b.subarray(8, 20), 8)
  key.set(c.subarray(4, 16), 20)
  const iv = new Uint8Array(32)
  iv.set(a.subarray(8, 20), 0)
  iv.set(b.subarray(0, 8), 12)
  iv.set(c.subarray(16, 20), 20)
  iv.set(d.subarray(0, 8), 24)
  return { key, iv }
}

/** auth_key_id: the 64 lower-order bits of SHA1(auth_key), i.e. bytes 12..20 as they appear on the wire. */
export function authKeyId(crypto: CryptoProvider, authKey: Uint8Array): Uint8Array {
  checkAuthKey(authKey)
  return crypto.sha1(authKey).slice(12, 20)
}

/** auth_key_aux_hash: the 64 higher-order bits (bytes 0..8) of SHA1(auth_key). */
export function authKeyAuxHash(crypto: CryptoProvider, authKey: Uint8Array): Uint8Array {
  checkAuthKey(authKey)
  return crypto.sha1(authKey).slice(0, 8)
}

/**
 * new_nonce_hash1/2/3: the 128 lower-order bits of SHA1(new_nonce + byte(n) + auth_key_aux_hash), sent in
 * dh_gen_ok (1), dh_gen_retry (2) and dh_gen_fail (3).
 */
export function newNonceHash(crypto: CryptoProvider, newNonce: Uint8Array, n: 1 | 2 | 3, authKey: Uint8Array): Uint8Array {
  if (newNonce.length !== 32) throw new ArgumentError(`new_nonce must be 32 bytes, got ${newNonce.length}`, 'newNonce')
  return crypto.sha1(newNonce, Uint8Array.of(n), authKeyAuxHash(crypto, authKey)).slice(4, 20)
}

/**
 * The handshake's temporary AES key/iv that protect server_DH_params_ok.encrypted_answer and set_client_DH_params:
 * key = SHA1(new_nonce + server_nonce) + SHA1(server_nonce + new_nonce)[0:12],
 * iv = SHA1(server_nonce + new_nonce)[12:20] + SHA1(new_nonce + new_nonce) + new_nonce[0:4].
 */
export function tmpAesKeyIv(crypto: CryptoProvider, serverNonce: Uint8Array, newNonce: Uint8Array): AesKeyIv {
  if (serverNonce.length !== 16) throw new ArgumentError(`server_nonce must be 16 bytes, got ${serverNonce.length}`, 'serverNonce')
  if (newNonce.length < 4) throw new ArgumentError('new_nonce is too short', 'newNonce')
  const h1 = crypto.sha1(newNonce, serverNonce)
  const h2 = crypto.sha1(serverNonce, newNonce)
  const h3 = crypto.sha1(newNonce, newNonce)
  const key = new Uint8Array(32)
  key.set(h1, 0)
  key.set(h2.subarray(0, 12), 20)
  const iv = new Uint8Array(32)
  iv.set(h2.subarray(12, 20), 0)
  iv.set(h3, 8)
  iv.set(newNonce.subarray(0, 4), 28)
  return { key, iv }
}

/**
 * The first server salt after a handshake: new_nonce[0:8] XOR server_nonce[0:8], read as a little-endian int64
 * (TL long), returned as wire bytes and as a signed bigint.
 */
export function firstServerSalt(serverNonce: Uint8Array, newNonce: Uint8Array): { bytes: Uint8Array; value: bigint } {
  if (serverNonce.length < 8 || newNonce.length < 8) throw new ArgumentError('nonces are too short', 'serverNonce')
  const bytes = new Uint8Array(8)
  for (let i = 0; i < 8; i++) bytes[i] = (newNonce[i] ?? 0) ^ (serverNonce[i] ?? 0)
  const value = new DataView(bytes.buffer).getBigInt64(0, true)
  return { bytes, value }
}

/**
 * Per-direction state for the 2.0 hot path: the msg_key prefix window auth_key[88+x : 120+x], and the two KDF hash
 * inputs kept as contiguous 52-byte buffers with their auth_key parts pre-filled (sha256_a input = msg_key +
 * auth_key[x : x+36], sha256_b input = auth_key[40+x : 76+x] + msg_key), so each message only writes its msg_key
 * and every hash gets one contiguous part (providers can then use one-shot hashing without concatenation).
 * Mutable scratch: one state per cipher, not shared between concurrent users.
 */
export interface KdfStateV2 {
  readonly msgKeyPrefix: Uint8Array
  readonly aInput: Uint8Array
  readonly bInput: Uint8Array
}

/** Builds the {@link KdfStateV2} of `authKey` for `sender`. */
export function kdfStateV2(authKey: Uint8Array, sender: Sender): KdfStateV2 {
  checkAuthKey(authKey)
  const x = senderOffset(sender)
  const aInput = new Uint8Array(52)
  aInput.set(authKey.subarray(x, x + 36), 16)
  const bInput = new Uint8Array(52)
  bInput.set(authKey.subarray(40 + x, 76 + x), 0)
  return { msgKeyPrefix: authKey.slice(88 + x, 120 + x), aInput, bInput }
}

/**
 * {@link msgKeyV2} over a buffer whose first 32 bytes are a free slot followed by the plaintext: writes the prefix
 * window into the slot and hashes the buffer as one part; the 16-byte msg_key goes to `out` (hot path, no checks).
 */
export function msgKeyV2Prefixed(crypto: CryptoProvider, st: KdfStateV2, prefixed: Uint8Array, out: Uint8Array): void {
  prefixed.set(st.msgKeyPrefix, 0)
  const h = crypto.sha256(prefixed)
  for (let i = 0; i < 16; i++) out[i] = h[i + 8] ?? 0
}

/** {@link aesKeyIvV2} on a {@link KdfStateV2} into caller buffers (hot path; `msgKey` must be 16 bytes). */
export function aesKeyIvV2Into(crypto: CryptoProvider, st: KdfStateV2, msgKey: Uint8Array, into: AesKeyIv): void {
  st.aInput.set(msgKey, 0)
  st.bInput.set(msgKey, 36)
  const a = crypto.sha256(st.aInput)
  const b = crypto.sha256(st.bInput)
  const { key, iv } = into
  // key = a[0:8] + b[8:24] + a[24:32]; iv = b[0:8] + a[8:24] + b[24:32]: the same split with a and b swapped.
  for (let i = 0; i < 32; i++) {
    const outer = i < 8 || i >= 24
    key[i] = (outer ? a[i] : b[i]) ?? 0
    iv[i] = (outer ? b[i] : a[i]) ?? 0
  }
}
