/**
 * MTProto 1.0 (SHA-1) message encryption, still required for auth.bindTempAuthKey's encrypted_message: the
 * bind_auth_key_inner object is encrypted with the permanent key using the 1.0 msg_key and KDF.
 *
 * Layout of the plaintext for binding: random(16) + msg_id(8) + seq_no(4) = 0 + length(4) + body, then 0..15
 * random padding bytes; msg_key = SHA1(plaintext without padding)[4:20]; output auth_key_id + msg_key + ciphertext.
 *
 * Spec: https://core.telegram.org/method/auth.bindTempAuthKey (encrypted_message),
 * https://core.telegram.org/mtproto/description_v1 (1.0 msg_key and key derivation).
 */
import { timingSafeEqual } from 'node:crypto'
import { ArgumentError } from '../../errors.js'
import { SecurityError, type SecurityErrorReason } from '../errors.js'
import type { RandomSource } from '../random.js'
import { AUTH_KEY_BYTES, aesKeyIvV1, authKeyId, msgKeyV1, type Sender } from './kdf.js'
import { ENVELOPE_BYTES, MESSAGE_HEADER_BYTES, REJECTED_MESSAGE } from './message.js'
import type { CryptoProvider } from './provider.js'

const ZERO_BLOCK = new Uint8Array(16)

/**
 * Encrypts an unpadded 1.0 plaintext (header + body, a multiple of 4 bytes): appends 0..15 random bytes to reach a
 * multiple of 16 and returns auth_key_id + msg_key + ciphertext.
 */
export function encryptMessageV1(
  crypto: CryptoProvider,
  authKey: Uint8Array,
  plaintext: Uint8Array,
  sender: Sender,
  random: RandomSource,
): Uint8Array {
  if (plaintext.length < MESSAGE_HEADER_BYTES || plaintext.length % 4 !== 0) {
    throw new ArgumentError(`1.0 plaintext must be >= 32 bytes and a multiple of 4, got ${plaintext.length}`, 'plaintext')
  }
  const padded = new Uint8Array(Math.ceil(plaintext.length / 16) * 16)
  padded.set(plaintext)
  random(padded.subarray(plaintext.length))
  const msgKey = msgKeyV1(crypto, plaintext)
  const { key, iv } = aesKeyIvV1(crypto, authKey, msgKey, sender)
  const out = new Uint8Array(ENVELOPE_BYTES + padded.length)
  out.set(authKeyId(crypto, authKey), 0)
  out.set(msgKey, 8)
  crypto.igeEncrypt(padded, key, iv, out.subarray(ENVELOPE_BYTES))
  return out
}

/**
 * auth.bindTempAuthKey's encrypted_message: random(16) + msg_id + seq_no 0 + length + the serialized
 * bind_auth_key_inner, encrypted with the permanent auth key as a client message. `msgId` must be the msg_id of the
 * auth.bindTempAuthKey request itself.
 */
export function bindTempAuthKeyMessage(
  crypto: CryptoProvider,
  permAuthKey: Uint8Array,
  msgId: bigint,
  bindInner: Uint8Array,
  random: RandomSource,
): Uint8Array {
  const plain = new Uint8Array(MESSAGE_HEADER_BYTES + bindInner.length)
  random(plain.subarray(0, 16))
  const v = new DataView(plain.buffer)
  v.setBigInt64(16, msgId, true)
  v.setUint32(24, 0, true)
  v.setUint32(28, bindInner.length, true)
  plain.set(bindInner, MESSAGE_HEADER_BYTES)
  return encryptMessageV1(crypto, permAuthKey, plain, 'client', random)
}

/**
 * Server side (loopback server): decrypts a 1.0 message and checks auth_key_id, the ciphertext length, the length
 * field (a multiple of 4, within the plaintext, leaving 0..15 padding bytes) and msg_key (constant-time). All
 * checks run; any failure is one SecurityError with the generic message. Returns the unpadded plaintext.
 */
export function decryptMessageV1(crypto: CryptoProvider, authKey: Uint8Array, data: Uint8Array, sender: Sender): Uint8Array {
  if (authKey.length !== AUTH_KEY_BYTES) throw new ArgumentError(`auth_key must be ${AUTH_KEY_BYTES} bytes`, 'authKey')
  let reason: SecurityErrorReason | undefined
  const fail = (r: SecurityErrorReason): void => {
    if (reason === undefined) reason = r
  }
  if (data.length < ENVELOPE_BYTES) fail('bad-ciphertext-length')
  const id = authKeyId(crypto, authKey)
  let diff = 0
  for (let i = 0; i < 8; i++) diff |= (data[i] ?? 0) ^ (id[i] ?? 0)
  if (diff !== 0) fail('auth-key-id-mismatch')
  const cipherLen = Math.max(0, data.length - ENVELOPE_BYTES)
  if (cipherLen === 0 || cipherLen % 16 !== 0) fail('bad-ciphertext-length')
  const usable = cipherLen - (cipherLen % 16)
  const ciphertext = usable > 0 ? data.subarray(ENVELOPE_BYTES, ENVELOPE_BYTES + usable) : ZERO_BLOCK
  const msgKey = data.length >= ENVELOPE_BYTES ? data.subarray(8, 24) : ZERO_BLOCK
  const { key, iv } = aesKeyIvV1(crypto, authKey, msgKey, sender)
  const plain = crypto.igeDecrypt(ciphertext, key, iv)
  const L = plain.length
  const length = L >= MESSAGE_HEADER_BYTES ? new DataView(plain.buffer, plain.byteOffset, L).getUint32(28, true) : 0
  const fits = L >= MESSAGE_HEADER_BYTES && length % 4 === 0 && MESSAGE_HEADER_BYTES + length <= L
  const end = fits ? MESSAGE_HEADER_BYTES + length : L
  // msg_key covers the unpadded plaintext, so it is reported before the length checks it depends on.
  const expected = msgKeyV1(crypto, plain.subarray(0, end))
  if (!timingSafeEqual(expected, msgKey)) fail('msg-key-mismatch')
  if (!fits) fail('bad-message-length')
  if (fits && L - end > 15) fail('bad-padding')
  if (reason !== undefined) throw new SecurityError(reason, REJECTED_MESSAGE)
  return plain.subarray(0, end)
}
