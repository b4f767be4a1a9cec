/**
 * Whole-message MTProto 2.0 encryption and decryption with every receiving-side security check.
 *
 * Layout: auth_key_id(8) + msg_key(16) + AES-256-IGE(salt(8) + session_id(8) + msg_id(8) + seq_no(4) + length(4)
 * + body + padding(12..1024)), total plaintext a multiple of 16.
 *
 * Spec: https://core.telegram.org/mtproto/description#encrypted-message (layout, padding),
 * https://core.telegram.org/mtproto/security_guidelines#mtproto-encrypted-messages (checks on receipt: msg_key,
 * session_id, msg_id parity, length, padding 12..1024 bytes, no early return that leaks which check failed).
 *
 * Hot path design: one {@link MessageCipher} per auth key keeps its key id, the 32-byte key/iv buffers and a
 * growable plaintext scratch buffer, so encrypting a small RPC allocates only the output (or nothing with `out`).
 */
import { timingSafeEqual } from 'node:crypto'
import { ArgumentError } from '../../errors.js'
import { SecurityError, type SecurityErrorReason } from '../errors.js'
import type { RandomSource } from '../random.js'
import {
  AUTH_KEY_BYTES,
  type AesKeyIv,
  aesKeyIvV2Into,
  authKeyId,
  type KdfStateV2,
  kdfStateV2,
  msgKeyV2Prefixed,
  type Sender,
} from './kdf.js'
import type { CryptoProvider } from './provider.js'

/** salt + session_id + msg_id + seq_no + length. */
export const MESSAGE_HEADER_BYTES = 32
/** auth_key_id + msg_key in front of the ciphertext. */
export const ENVELOPE_BYTES = 24
/** The spec's padding bounds for MTProto 2.0. */
export const MIN_PADDING = 12
export const MAX_PADDING = 1024
/** The outward message of every decryption failure: one text so it does not reveal which check failed. */
export const REJECTED_MESSAGE = 'encrypted message rejected by MTProto security checks'

const ZERO_BLOCK = new Uint8Array(16)
/** The msg_key prefix window (auth_key[88+x : 120+x]) is 32 bytes. */
const PREFIX = 32

/** What goes into one encrypted message. */
export interface PlainMessage {
  /** Server salt (TL long; signed or unsigned 64-bit values are accepted and written modulo 2^64). */
  readonly salt: bigint
  readonly sessionId: bigint
  readonly msgId: bigint
  readonly seqNo: number
  /** The TL-serialized message body; its length must be a multiple of 4. */
  readonly body: Uint8Array
}

/** A decrypted message: header fields as signed TL longs, and `body` as a subarray of the plaintext buffer. */
export interface DecryptedMessage {
  readonly salt: bigint
  readonly sessionId: bigint
  readonly msgId: bigint
  readonly seqNo: number
  readonly body: Uint8Array
}

/** Options of {@link MessageCipher.encrypt}. */
export interface EncryptOptions {
  /** Who is sending: 'client' (x = 0) or 'server' (x = 8). */
  readonly sender: Sender
  /** Source of padding bytes and of the padding length. */
  readonly random: RandomSource
  /**
   * 'random' (default): a random number of extra 16-byte blocks on top of the minimum, capped by `maxPadding`, to
   * hide message lengths as the spec recommends. 'minimal': the fewest bytes (12..27) that reach a multiple of 16.
   */
  readonly padding?: 'random' | 'minimal'
  /** Upper bound on padding bytes for 'random' (27..1024, default 1024). */
  readonly maxPadding?: number
  /** Where to write the result; must have at least {@link encryptedLength} bytes. A subarray of it is returned. */
  readonly out?: Uint8Array
}

/** Options of {@link MessageCipher.decrypt}. */
export interface DecryptOptions {
  /** Who sent the message we are reading: 'server' when a client decrypts, 'client' when our server does. */
  readonly sender: Sender
  /** The session this connection expects; `null` accepts any (a server learning a client's new session). */
  readonly sessionId: bigint | null
  /**
   * Ignore 1..15 bytes after the last whole 16-byte block (the padded intermediate transport appends up to 15
   * random bytes). Default false: such input is rejected.
   */
  readonly ignoreTrailingBytes?: boolean
  /** Check msg_id parity for the sender (default true). Only published test vectors with fake ids turn it off. */
  readonly checkMsgIdParity?: boolean
  /** Buffer for the plaintext (at least the ciphertext length); the returned body is a subarray of it. */
  readonly out?: Uint8Array
  /**
   * The ciphertext (bytes 24.. up to the last whole block) already decrypted with {@link MessageCipher.openingKey}'s
   * key and iv, e.g. by a worker pool. Only the AES-IGE step is skipped: msg_key is recomputed from it and every
   * check runs, so a wrong plaintext fails like a forged message. Ignored when its length does not match.
   */
  readonly plaintext?: Uint8Array
  /**
   * With `plaintext`: the msg_key already recomputed over it where it was decrypted (`openMessageInPlace`), so the
   * SHA-256 is not run again; it is still compared with the received msg_key in constant time, and `plaintext` is
   * returned in place (no copy) unless `out` is given.
   */
  readonly plaintextMsgKey?: Uint8Array
}

/** The result of {@link MessageCipher.seal}: a message ready for its AES-IGE step. */
export interface SealedMessage {
  /** auth_key_id + msg_key + the plaintext, to be encrypted in place. */
  readonly frame: Uint8Array
  /** The view of `frame` after the 24-byte envelope: the bytes AES-IGE must encrypt. */
  readonly plain: Uint8Array
  readonly key: Uint8Array
  readonly iv: Uint8Array
}

/** The fewest padding bytes (12..27) that make header + body + padding a multiple of 16. */
export function minimalPadding(bodyLength: number): number {
  const rem = (MESSAGE_HEADER_BYTES + bodyLength + MIN_PADDING) % 16
  return MIN_PADDING + (rem === 0 ? 0 : 16 - rem)
}

/**
 * Encrypts and decrypts MTProto 2.0 messages under one auth key. Not safe for concurrent use from two threads
 * (nothing in JS is), and a result's buffers may be reused by the next call only when the caller passed them.
 */
export class MessageCipher {
  /** The 8-byte auth_key_id (lower 64 bits of SHA1(auth_key)). */
  readonly keyId: Uint8Array
  readonly #crypto: CryptoProvider
  readonly #authKey: Uint8Array
  readonly #kv: AesKeyIv = { key: new Uint8Array(32), iv: new Uint8Array(32) }
  readonly #msgKey = new Uint8Array(16)
  readonly #kdf: Readonly<Record<Sender, KdfStateV2>>
  /** Views into the last caller `out` buffer, reused while the caller passes the same buffer and size. */
  #outFor: Uint8Array | undefined
  #outViews: { whole: Uint8Array; msgKey: Uint8Array; cipher: Uint8Array } | undefined
  #plainFor: Uint8Array | undefined
  #plainView: Uint8Array | undefined
  readonly #pad = new Uint8Array(2)
  /**
   * Plaintext scratch with a 32-byte slot in front for the msg_key prefix window, so msg_key hashes one contiguous
   * buffer; encryption builds the plaintext here, decryption decrypts into it before copying out.
   */
  #scratch = new Uint8Array(PREFIX + 256)
  #view = new DataView(this.#scratch.buffer, PREFIX)
  #scratchViews: { total: number; prefixed: Uint8Array; plain: Uint8Array } | undefined

  /** Views of the scratch for a plaintext of `total` bytes (grown and cached as needed). */
  #scratchFor(total: number): { prefixed: Uint8Array; plain: Uint8Array } {
    const cached = this.#scratchViews
    if (cached !== undefined && cached.total === total) return cached
    if (this.#scratch.length < PREFIX + total) {
      this.#scratch = new Uint8Array(PREFIX + Math.max(total, (this.#scratch.length - PREFIX) * 2))
      this.#view = new DataView(this.#scratch.buffer, PREFIX)
    }
    const views = { total, prefixed: this.#scratch.subarray(0, PREFIX + total), plain: this.#scratch.subarray(PREFIX, PREFIX + total) }
    this.#scratchViews = views
    return views
  }

  constructor(crypto: CryptoProvider, authKey: Uint8Array) {
    if (authKey.length !== AUTH_KEY_BYTES) {
      throw new ArgumentError(`auth_key must be ${AUTH_KEY_BYTES} bytes, got ${authKey.length}`, 'authKey')
    }
    this.#crypto = crypto
    this.#authKey = authKey.slice()
    this.keyId = authKeyId(crypto, this.#authKey)
    this.#kdf = { client: kdfStateV2(this.#authKey, 'client'), server: kdfStateV2(this.#authKey, 'server') }
  }

  #encryptViews(out: Uint8Array | undefined, size: number): { whole: Uint8Array; msgKey: Uint8Array; cipher: Uint8Array } {
    if (out !== undefined) {
      const cached = this.#outViews
      if (out === this.#outFor && cached !== undefined && cached.whole.length === size) return cached
      if (out.length < size) throw new ArgumentError(`out has ${out.length} bytes, need ${size}`, 'out')
    }
    const whole = out === undefined ? new Uint8Array(size) : out.subarray(0, size)
    const views = { whole, msgKey: whole.subarray(8, 24), cipher: whole.subarray(ENVELOPE_BYTES) }
    if (out !== undefined) {
      this.#outFor = out
      this.#outViews = views
    }
    return views
  }

  #plainBuffer(out: Uint8Array | undefined, size: number): Uint8Array {
    if (out === undefined) return new Uint8Array(size)
    const cached = this.#plainView
    if (out === this.#plainFor && cached !== undefined && cached.length === size) return cached
    if (out.length < size) throw new ArgumentError(`out has ${out.length} bytes, need ${size}`, 'out')
    const view = out.subarray(0, size)
    this.#plainFor = out
    this.#plainView = view
    return view
  }

  #lastHead: Uint8Array | undefined
  #lastView: DataView | undefined

  /** A DataView over the first 32 bytes of `head`, reused while the caller keeps passing the same `out` buffer. */
  #headerView(head: Uint8Array): DataView {
    const last = this.#lastHead
    if (last !== undefined && this.#lastView !== undefined && last.buffer === head.buffer && last.byteOffset === head.byteOffset) {
      return this.#lastView
    }
    const v = new DataView(head.buffer, head.byteOffset, MESSAGE_HEADER_BYTES)
    this.#lastHead = head
    this.#lastView = v
    return v
  }

  /** The encrypted size of a message whose body has `bodyLength` bytes and `padding` padding bytes. */
  static encryptedLength(bodyLength: number, padding: number): number {
    return ENVELOPE_BYTES + MESSAGE_HEADER_BYTES + bodyLength + padding
  }

  #padding(bodyLength: number, opts: EncryptOptions): number {
    const min = minimalPadding(bodyLength)
    if (opts.padding === 'minimal') return min
    const cap = opts.maxPadding ?? MAX_PADDING
    if (!Number.isInteger(cap) || cap < 27 || cap > MAX_PADDING) {
      throw new ArgumentError(`maxPadding must be an integer in 27..${MAX_PADDING}, got ${cap}`, 'maxPadding')
    }
    const extraBlocks = Math.floor((cap - min) / 16)
    if (extraBlocks <= 0) return min
    opts.random(this.#pad)
    const r = ((this.#pad[0] ?? 0) << 8) | (this.#pad[1] ?? 0)
    return min + 16 * (r % (extraBlocks + 1))
  }

  /** Encrypts one message; returns auth_key_id + msg_key + ciphertext. */
  encrypt(msg: PlainMessage, opts: EncryptOptions): Uint8Array {
    const { plain, views } = this.#prepare(msg, opts)
    this.#crypto.igeEncrypt(plain, this.#kv.key, this.#kv.iv, views.cipher)
    return views.whole
  }

  /**
   * Everything {@link encrypt} does except the AES-IGE step, for a caller that runs it elsewhere (a worker pool):
   * the returned `frame` holds auth_key_id + msg_key followed by the PLAINTEXT (`plain`, a view of `frame`), and
   * `key`/`iv` are fresh copies. Encrypting `plain` with them (in place, or into `plain`) makes `frame` exactly what
   * {@link encrypt} would have returned for the same padding bytes.
   */
  seal(msg: PlainMessage, opts: EncryptOptions): SealedMessage {
    const { plain, views } = this.#prepare(msg, opts)
    views.cipher.set(plain)
    return { frame: views.whole, plain: views.cipher, key: this.#kv.key.slice(), iv: this.#kv.iv.slice() }
  }

  /**
   * The message laid out for a sealer that also computes msg_key (message-pooled.ts, on a pool thread): a fresh
   * buffer of its own holding auth_key_id, 16 zero bytes where msg_key goes, then the plaintext (header, body,
   * padding). `sealMessageInPlace` with this cipher's keys makes it what {@link encrypt} returns for the same
   * padding bytes. No hashing happens here.
   */
  plainFrame(msg: PlainMessage, opts: EncryptOptions): Uint8Array {
    const len = msg.body.length
    if (len % 4 !== 0) throw new ArgumentError(`message body length ${len} is not a multiple of 4`, 'body')
    if (!Number.isInteger(msg.seqNo) || msg.seqNo < 0 || msg.seqNo > 0xffffffff) {
      throw new ArgumentError(`seq_no ${msg.seqNo} is not a uint32`, 'seqNo')
    }
    const pad = this.#padding(len, opts)
    const frame = new Uint8Array(new ArrayBuffer(ENVELOPE_BYTES + MESSAGE_HEADER_BYTES + len + pad))
    frame.set(this.keyId, 0)
    const v = new DataView(frame.buffer, ENVELOPE_BYTES, MESSAGE_HEADER_BYTES)
    v.setBigInt64(0, msg.salt, true)
    v.setBigInt64(8, msg.sessionId, true)
    v.setBigInt64(16, msg.msgId, true)
    v.setUint32(24, msg.seqNo, true)
    v.setUint32(28, len, true)
    const bodyAt = ENVELOPE_BYTES + MESSAGE_HEADER_BYTES
    frame.set(msg.body, bodyAt)
    opts.random(frame.subarray(bodyAt + len))
    return frame
  }

  /**
   * The AES key and iv a received message is encrypted with, derived from its msg_key (bytes 8..24); undefined when
   * `data` is too short to hold one. For a caller that runs the AES-IGE step elsewhere and then passes the result
   * as {@link DecryptOptions.plaintext}.
   */
  openingKey(data: Uint8Array, sender: Sender): AesKeyIv | undefined {
    if (data.length < ENVELOPE_BYTES) return undefined
    const kv: AesKeyIv = { key: new Uint8Array(32), iv: new Uint8Array(32) }
    aesKeyIvV2Into(this.#crypto, this.#kdf[sender], data.subarray(8, 24), kv)
    return kv
  }

  /** Builds the plaintext in the scratch and the envelope (key id, msg_key) in the output; leaves key/iv in #kv. */
  #prepare(msg: PlainMessage, opts: EncryptOptions): { plain: Uint8Array; views: { whole: Uint8Array; cipher: Uint8Array } } {
    const len = msg.body.length
    if (len % 4 !== 0) throw new ArgumentError(`message body length ${len} is not a multiple of 4`, 'body')
    if (!Number.isInteger(msg.seqNo) || msg.seqNo < 0 || msg.seqNo > 0xffffffff) {
      throw new ArgumentError(`seq_no ${msg.seqNo} is not a uint32`, 'seqNo')
    }
    const pad = this.#padding(len, opts)
    const total = MESSAGE_HEADER_BYTES + len + pad
    const { prefixed, plain } = this.#scratchFor(total)
    const v = this.#view
    v.setBigInt64(0, msg.salt, true)
    v.setBigInt64(8, msg.sessionId, true)
    v.setBigInt64(16, msg.msgId, true)
    v.setUint32(24, msg.seqNo, true)
    v.setUint32(28, len, true)
    plain.set(msg.body, MESSAGE_HEADER_BYTES)
    opts.random(plain.subarray(MESSAGE_HEADER_BYTES + len))

    const views = this.#encryptViews(opts.out, ENVELOPE_BYTES + total)
    const out = views.whole
    out.set(this.keyId, 0)
    const st = this.#kdf[opts.sender]
    msgKeyV2Prefixed(this.#crypto, st, prefixed, views.msgKey)
    aesKeyIvV2Into(this.#crypto, st, views.msgKey, this.#kv)
    return { plain, views }
  }

  /**
   * Decrypts and checks one message. Every check runs on every call (msg_key is always recomputed and compared in
   * constant time), and any failure throws one {@link SecurityError} whose message is the same for all checks;
   * its `reason` names the first failed check, for logs and tests.
   */
  decrypt(data: Uint8Array, opts: DecryptOptions): DecryptedMessage {
    let reason: SecurityErrorReason | undefined
    const fail = (r: SecurityErrorReason): void => {
      if (reason === undefined) reason = r
    }
    const crypto = this.#crypto

    // Envelope: key id, then the ciphertext length.
    if (data.length < ENVELOPE_BYTES) fail('bad-ciphertext-length')
    let idDiff = 0
    for (let i = 0; i < 8; i++) idDiff |= (data[i] ?? 0) ^ (this.keyId[i] ?? 0)
    if (idDiff !== 0) fail('auth-key-id-mismatch')
    const cipherLen = Math.max(0, data.length - ENVELOPE_BYTES)
    const usable = cipherLen - (cipherLen % 16)
    if (cipherLen % 16 !== 0 && opts.ignoreTrailingBytes !== true) fail('bad-ciphertext-length')
    if (usable === 0) fail('bad-ciphertext-length')
    // With nothing decryptable we still run the same derivations on a dummy block, so timing stays uniform.
    const ciphertext = usable > 0 ? data.subarray(ENVELOPE_BYTES, ENVELOPE_BYTES + usable) : ZERO_BLOCK
    const msgKey = data.length >= ENVELOPE_BYTES ? data.subarray(8, 24) : ZERO_BLOCK

    const st = this.#kdf[opts.sender]
    aesKeyIvV2Into(crypto, st, msgKey, this.#kv)
    const scratch = this.#scratchFor(ciphertext.length)
    const pre = opts.plaintext !== undefined && opts.plaintext.length === ciphertext.length && ciphertext !== ZERO_BLOCK ? opts.plaintext : undefined
    const preKey = pre !== undefined && opts.plaintextMsgKey?.length === 16 ? opts.plaintextMsgKey : undefined
    let plain: Uint8Array
    if (pre !== undefined && preKey !== undefined && opts.out === undefined) {
      // Decrypted and hashed elsewhere (the pool): nothing size-proportional left to do here.
      this.#msgKey.set(preKey)
      plain = pre
    } else {
      if (pre !== undefined) scratch.plain.set(pre)
      else crypto.igeDecrypt(ciphertext, this.#kv.key, this.#kv.iv, scratch.plain)
      msgKeyV2Prefixed(crypto, st, scratch.prefixed, this.#msgKey)
      plain = this.#plainBuffer(opts.out, ciphertext.length)
      plain.set(scratch.plain)
    }
    if (!timingSafeEqual(this.#msgKey, msgKey)) fail('msg-key-mismatch')

    // Header fields: read from a header-sized view even when the plaintext is too short (zeros then).
    const L = plain.length
    if (L < MESSAGE_HEADER_BYTES) fail('bad-message-length')
    const head = L >= MESSAGE_HEADER_BYTES ? plain : new Uint8Array(MESSAGE_HEADER_BYTES)
    const v = this.#headerView(head)
    const salt = v.getBigInt64(0, true)
    const sessionId = v.getBigInt64(8, true)
    const msgId = v.getBigInt64(16, true)
    const seqNo = v.getUint32(24, true)
    const length = v.getUint32(28, true)
    if (opts.sessionId !== null && sessionId !== BigInt.asIntN(64, opts.sessionId)) fail('session-id-mismatch')
    const low = (head[16] ?? 0) & 3
    const parityOk = opts.sender === 'server' ? (low & 1) === 1 : low === 0
    if (opts.checkMsgIdParity !== false && !parityOk) fail('msg-id-parity')
    const room = Math.max(0, L - MESSAGE_HEADER_BYTES)
    const lengthOk = length % 4 === 0 && length <= room
    if (!lengthOk) fail('bad-message-length')
    const padding = room - length
    if (lengthOk && (padding < MIN_PADDING || padding > MAX_PADDING)) fail('bad-padding')

    if (reason !== undefined) throw new SecurityError(reason, REJECTED_MESSAGE)
    return { salt, sessionId, msgId, seqNo, body: plain.subarray(MESSAGE_HEADER_BYTES, MESSAGE_HEADER_BYTES + length) }
  }
}

/** Creates the per-auth-key cipher; derive it once per key and keep it for the key's life. */
export function createMessageCipher(crypto: CryptoProvider, authKey: Uint8Array): MessageCipher {
  return new MessageCipher(crypto, authKey)
}

