/**
 * Perfect forward secrecy: binding a temporary auth key to the permanent one with auth.bindTempAuthKey. The client
 * builds the request (its encrypted_message is an MTProto 1.0 message encrypted with the PERMANENT key, whose
 * msg_id equals the msg_id of the bind request itself, carrying bind_auth_key_inner); the server verifies every
 * field of it.
 *
 * Spec: https://core.telegram.org/method/auth.bindTempAuthKey (encrypted_message layout and rules),
 * https://core.telegram.org/api/pfs (why and when to bind).
 */
import type { RandomSource } from '../random.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { bindTempAuthKeyMessage, decryptMessageV1 } from '../crypto/message-v1.js'
import { authKeyId } from '../crypto/kdf.js'
import { MESSAGE_HEADER_BYTES } from '../crypto/message.js'
import { MtError } from '../../errors.js'
import type { Api } from '../../tl/index.js'
import { type Mt, TlReader, serializeObject } from '../../tl/service.js'
import { readLong } from './common.js'
import { AuthError } from './errors.js'

/** The RPC error Telegram answers a binding that fails any check with. */
const BIND_RPC_ERROR = 'ENCRYPTED_MESSAGE_INVALID'
/** Offsets inside the 1.0 plaintext header: salt-less random(16) + msg_id(8) + seq_no(4) + length(4). */
const MSG_ID_OFFSET = 16
const SEQ_NO_OFFSET = 24

/** Options of {@link buildBindTempAuthKey}. */
export interface BindTempAuthKeyOptions {
  readonly crypto: CryptoProvider
  readonly random: RandomSource
  /** The permanent auth key (256 bytes). */
  readonly permKey: Uint8Array
  /** auth_key_id of the temporary key the request will be sent with. */
  readonly tempKeyId: bigint
  /** session_id of the temporary key's session that sends the request. */
  readonly tempSessionId: bigint
  /** Unix seconds when the binding expires (the temp key's expiresAt). */
  readonly expiresAt: number
  /** msg_id the bind request will be sent with (the inner message must carry the same id). */
  readonly msgId: bigint
}

/**
 * Builds auth.bindTempAuthKey. Random bytes: the nonce (8), then the 1.0 message's 16 random header bytes and its
 * padding. Send the result with exactly `msgId` on the temp key's session.
 */
export function buildBindTempAuthKey(opts: BindTempAuthKeyOptions): Api.auth.bindTempAuthKey {
  const nonceBytes = new Uint8Array(8)
  opts.random(nonceBytes)
  const nonce = readLong(nonceBytes)
  const permAuthKeyId = readLong(authKeyId(opts.crypto, opts.permKey))
  const inner = serializeObject({
    _: 'bind_auth_key_inner',
    nonce,
    tempAuthKeyId: opts.tempKeyId,
    permAuthKeyId,
    tempSessionId: opts.tempSessionId,
    expiresAt: opts.expiresAt,
  } satisfies Mt.bind_auth_key_inner)
  const encryptedMessage = bindTempAuthKeyMessage(opts.crypto, opts.permKey, opts.msgId, inner, opts.random)
  return { _: 'auth.bindTempAuthKey', permAuthKeyId, nonce, expiresAt: opts.expiresAt, encryptedMessage }
}

/** Options of {@link verifyBindTempAuthKey}. */
export interface VerifyBindOptions {
  readonly crypto: CryptoProvider
  /** Finds a permanent key by its id (undefined if unknown). */
  readonly permKeyLookup: (id: bigint) => Uint8Array | undefined
  /** The received request. */
  readonly req: Api.auth.bindTempAuthKey
  /** auth_key_id of the (temporary) key the request arrived on. */
  readonly tempKeyId: bigint
  /** session_id of the session the request arrived in. */
  readonly tempSessionId: bigint
  /** msg_id of the received request. */
  readonly msgId: bigint
  /** Server time in unix seconds; when given, expires_at must lie after it. Servers should always pass it. */
  readonly nowSeconds?: number
}

function invalid(check: string, message: string): AuthError {
  return new AuthError('bind-invalid', `auth.bindTempAuthKey: ${message}`, { check, rpcError: BIND_RPC_ERROR })
}

/**
 * Server side: verifies an auth.bindTempAuthKey request (perm key known, 1.0 decryption with every check, inner
 * msg_id = the request's msg_id, seq_no 0, bind_auth_key_inner fields equal to the request's and to the temp key and
 * session it arrived on, expiry in the future). Throws AuthError 'bind-invalid' (its `rpcError` is the answer to
 * send) naming the failed check in `details.check`.
 */
export function verifyBindTempAuthKey(opts: VerifyBindOptions): { permKeyId: bigint } {
  const { req } = opts
  const permKey = opts.permKeyLookup(req.permAuthKeyId)
  if (permKey === undefined) throw invalid('perm-key', `unknown permanent key ${BigInt.asUintN(64, req.permAuthKeyId).toString(16)}`)
  const em = req.encryptedMessage
  if (em.length < 8 || readLong(em) !== req.permAuthKeyId) throw invalid('auth-key-id', 'encrypted_message is not for perm_auth_key_id')
  let plain: Uint8Array
  try {
    plain = decryptMessageV1(opts.crypto, permKey, em, 'client')
  } catch (e) {
    if (!(e instanceof MtError)) throw e
    const err = invalid('decrypt', 'encrypted_message does not decrypt with the permanent key')
    err.cause = e
    throw err
  }
  const view = new DataView(plain.buffer, plain.byteOffset, plain.length)
  if (view.getBigInt64(MSG_ID_OFFSET, true) !== opts.msgId) throw invalid('msg-id', 'inner msg_id differs from the request msg_id')
  if (view.getInt32(SEQ_NO_OFFSET, true) !== 0) throw invalid('seq-no', 'inner seq_no is not 0')
  let inner: Mt.bind_auth_key_inner
  try {
    const obj = new TlReader(plain, MESSAGE_HEADER_BYTES, plain.length, { allowGzip: false }).object() as { _: string }
    if (obj._ !== 'bind_auth_key_inner') throw invalid('inner-type', `inner object is ${obj._}`)
    inner = obj as Mt.bind_auth_key_inner
  } catch (e) {
    if (e instanceof AuthError) throw e
    const err = invalid('inner-type', 'inner object is not valid TL')
    err.cause = e
    throw err
  }
  if (inner.nonce !== req.nonce) throw invalid('nonce', 'inner nonce differs from the request nonce')
  if (inner.permAuthKeyId !== req.permAuthKeyId) throw invalid('perm-key-id', 'inner perm_auth_key_id differs')
  if (inner.tempAuthKeyId !== opts.tempKeyId) throw invalid('temp-key-id', 'inner temp_auth_key_id is not the key it arrived on')
  if (inner.tempSessionId !== opts.tempSessionId) throw invalid('temp-session-id', 'inner temp_session_id is not the session it arrived in')
  if (inner.expiresAt !== req.expiresAt) throw invalid('expires-at', 'inner expires_at differs from the request')
  if (opts.nowSeconds !== undefined && req.expiresAt <= opts.nowSeconds) throw invalid('expired', 'expires_at is in the past')
  return { permKeyId: req.permAuthKeyId }
}
