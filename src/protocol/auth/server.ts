/**
 * The server side of the auth key exchange as a sans-IO state machine (the loopback cluster's DCs run it): answers
 * req_pq / req_pq_multi with a fresh pq challenge, decrypts the client's p_q_inner_data (any of the four variants,
 * RSA_PAD or the legacy SHA1 scheme), sends the DH parameters, and verifies set_client_DH_params. A `mode` switch
 * makes it answer dh_gen_retry once (then dh_gen_ok) or dh_gen_fail, so clients' retry and failure paths can be
 * exercised. Everything the client sends is validated; any violation throws a typed error (the connection driver
 * then sends the transport error and closes).
 *
 * Random bytes are consumed in this order: server_nonce (16) and the pq factors (4+ each) at req_pq; the secret a
 * (256) and the answer padding (0..15) at req_DH_params.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key (the server's half of every step),
 * https://core.telegram.org/mtproto/security_guidelines#g-a-and-g-b-validation (g_b range).
 */
import type { RandomSource } from '../random.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { type RsaKeyPair, rsaLegacyDecrypt, rsaPadDecrypt } from '../crypto/rsa-server.js'
import { TELEGRAM_DH_PRIME, checkDhParams, checkDhValue } from '../crypto/dh.js'
import { DH_BYTES, dhKeyPair, dhSharedKey } from '../crypto/dh-exchange.js'
import { bigIntToBytes } from '../crypto/dh-bigint.js'
import { authKeyAuxHash, authKeyId, firstServerSalt, newNonceHash, tmpAesKeyIv, type AesKeyIv } from '../crypto/kdf.js'
import { SecurityError } from '../errors.js'
import { type Mt, TlReader, type TlDeserialized, serializeObject } from '../../tl/service.js'
import {
  type AuthKeyResult,
  checkCipherLength,
  checkNonce,
  parseStep,
  readLong,
  sameBytes,
  unexpected,
  unwrapWithHash,
  wrapWithHash,
} from './common.js'
import { AuthError } from './errors.js'
import { type PqChallenge, generatePq } from './server-pq.js'

/**
 * The generator real DCs send with Telegram's prime: per the spec's residue table g = 3 generates the subgroup of
 * order (p-1)/2 exactly when p mod 3 = 2, which TELEGRAM_DH_PRIME satisfies (checkDhParams verifies it at startup).
 */
const DEFAULT_G = 3
/** Longest temp key lifetime accepted (Telegram's own limit is about a day; a week leaves room for tests). */
const MAX_TEMP_EXPIRES_IN = 7 * 24 * 3600

/** How the server ends the DH step: normally, with one dh_gen_retry first, with dh_gen_fail, or refusing early. */
export type ServerHandshakeMode = 'ok' | 'retry' | 'fail' | 'params-fail'

/** Options of {@link ServerHandshake}. */
export interface ServerHandshakeOptions {
  readonly crypto: CryptoProvider
  readonly random: RandomSource
  /** The server's RSA key pair; its fingerprint is the only one offered in resPQ. */
  readonly rsaKey: RsaKeyPair
  /**
   * 'ok' (default); 'retry': answer the first set_client_DH_params with dh_gen_retry, then ok; 'fail': answer
   * dh_gen_fail; 'params-fail': answer req_DH_params with server_DH_params_fail.
   */
  readonly mode?: ServerHandshakeMode
  /**
   * Decides whether the `dc` field of p_q_inner_data_dc / _temp_dc is served here. It receives the raw field: the DC
   * id, plus 10000 for test servers, negated for media DCs. Default: accept all. Legacy inner data has no dc field
   * and is always accepted.
   */
  readonly acceptDc?: (dcId: number) => boolean
  /** DH prime and generator to offer (default Telegram's prime with g = 3); must pass checkDhParams. */
  readonly dh?: { readonly prime: bigint; readonly g: number }
}

/** A finished handshake, server view. */
export interface ServerAuthResult extends AuthKeyResult {
  /** Whether the client asked for a temporary (PFS) key. */
  temp: boolean
  /** The raw dc field of the inner data (absent for legacy p_q_inner_data). */
  dcId?: number
}

/** What {@link ServerHandshake.receive} returns: the answer body to send, and the key once it is established. */
export interface ServerStep {
  send: Uint8Array
  done?: ServerAuthResult
}

interface Agreed {
  nonce: Uint8Array
  serverNonce: Uint8Array
  newNonce: Uint8Array
  tmp: AesKeyIv
  secret: Uint8Array
  serverTime: number
  temp: boolean
  expiresIn: number
  dcId: number | undefined
  /** retry_id the client must send next: 0 at first, then the aux hash of the key it was told to retry. */
  retryId: bigint
  retried: boolean
}

type State =
  | { s: 'req-pq' }
  | { s: 'req-dh'; nonce: Uint8Array; serverNonce: Uint8Array; pq: PqChallenge }
  | ({ s: 'set-dh' } & Agreed)
  | { s: 'done' }
  | { s: 'failed' }

type InnerData = Mt.P_Q_inner_data

const INNER_NAMES: ReadonlySet<string> = new Set(['p_q_inner_data', 'p_q_inner_data_dc', 'p_q_inner_data_temp', 'p_q_inner_data_temp_dc'])

function isInner(v: TlDeserialized): v is InnerData {
  return typeof v === 'object' && !Array.isArray(v) && INNER_NAMES.has(v._)
}

/**
 * Server half of the key exchange: feed each plain-message body from the client to {@link receive} and send back
 * the returned body; `done` carries the key when the exchange succeeds. Throws typed errors (SecurityError for
 * forged values, AuthError for protocol violations); after a throw, or after dh_gen_fail, the machine is failed.
 */
export class ServerHandshake {
  private state: State = { s: 'req-pq' }
  private readonly crypto: CryptoProvider
  private readonly random: RandomSource
  private readonly mode: ServerHandshakeMode
  private readonly prime: bigint
  private readonly g: number

  constructor(private readonly opts: ServerHandshakeOptions) {
    this.crypto = opts.crypto
    this.random = opts.random
    this.mode = opts.mode ?? 'ok'
    this.g = opts.dh?.g ?? DEFAULT_G
    this.prime = checkDhParams(this.g, opts.dh?.prime ?? TELEGRAM_DH_PRIME)
  }

  /** Whether a key was established. */
  get done(): boolean {
    return this.state.s === 'done'
  }

  /** Whether the exchange can no longer succeed (a check failed, or dh_gen_fail was sent). */
  get failed(): boolean {
    return this.state.s === 'failed'
  }

  /** Consumes one client message body; returns the answer (and the key when done). */
  receive(body: Uint8Array, nowMs: number): ServerStep {
    try {
      return this.step(body, nowMs)
    } catch (e) {
      this.state = { s: 'failed' }
      throw e
    }
  }

  private step(body: Uint8Array, nowMs: number): ServerStep {
    const st = this.state
    switch (st.s) {
      case 'req-pq':
        return { send: this.onReqPq(body) }
      case 'req-dh':
        return { send: this.onReqDh(st, body, nowMs) }
      case 'set-dh':
        return this.onSetDh(st, body)
      default:
        throw new AuthError('bad-state', `handshake message in state ${st.s}`, { state: st.s })
    }
  }

  private onReqPq(body: Uint8Array): Uint8Array {
    const msg = parseStep(body, 'req_pq')
    if (typeof msg !== 'object' || Array.isArray(msg) || (msg._ !== 'req_pq_multi' && msg._ !== 'req_pq')) {
      throw unexpected('req_pq', 'req_pq_multi', msg)
    }
    const nonce = (msg as Mt.req_pq_multi | Mt.req_pq).nonce
    const serverNonce = new Uint8Array(16)
    this.random(serverNonce)
    const pq = generatePq(this.random)
    this.state = { s: 'req-dh', nonce, serverNonce, pq }
    return serializeObject({
      _: 'resPQ',
      nonce,
      serverNonce,
      pq: pq.pqBytes,
      serverPublicKeyFingerprints: [this.opts.rsaKey.publicKey.fingerprint.i64],
    } satisfies Mt.resPQ)
  }

  /** Undoes RSA_PAD, else the legacy scheme; returns the parsed inner data. */
  private decryptInner(encrypted: Uint8Array): InnerData {
    let padError: unknown
    try {
      const data = rsaPadDecrypt(this.crypto, this.opts.rsaKey, encrypted)
      const obj = new TlReader(data, 0, data.length, { allowGzip: false }).object() as TlDeserialized
      if (isInner(obj)) return obj
      throw new SecurityError('bad-rsa-data', 'RSA_PAD payload is not p_q_inner_data')
    } catch (e) {
      padError = e
    }
    const length = (payload: Uint8Array): number => {
      try {
        const r = new TlReader(payload, 0, payload.length, { allowGzip: false })
        return isInner(r.object() as TlDeserialized) ? r.pos : -1
      } catch {
        return -1
      }
    }
    try {
      const data = rsaLegacyDecrypt(this.crypto, this.opts.rsaKey, encrypted, length)
      return new TlReader(data, 0, data.length, { allowGzip: false }).object() as InnerData
    } catch (e) {
      const err = new SecurityError('bad-rsa-data', 'encrypted_data is neither valid RSA_PAD nor legacy RSA p_q_inner_data')
      err.cause = padError instanceof Error ? padError : e
      throw err
    }
  }

  private onReqDh(st: State & { s: 'req-dh' }, body: Uint8Array, nowMs: number): Uint8Array {
    const msg = parseStep(body, 'req_DH_params')
    if (typeof msg !== 'object' || Array.isArray(msg) || msg._ !== 'req_DH_params') throw unexpected('req_DH_params', 'req_DH_params', msg)
    const req = msg as Mt.req_DH_params
    checkNonce(req.nonce, st.nonce, 'nonce', 'req_DH_params')
    checkNonce(req.serverNonce, st.serverNonce, 'server_nonce', 'req_DH_params')
    if (!sameBytes(req.p, st.pq.pBytes) || !sameBytes(req.q, st.pq.qBytes)) {
      throw new AuthError('bad-proof', 'req_DH_params: p and q are not the factors of pq')
    }
    const fp = this.opts.rsaKey.publicKey.fingerprint.u64
    if (BigInt.asUintN(64, req.publicKeyFingerprint) !== fp) {
      throw new AuthError('bad-proof', 'req_DH_params: public_key_fingerprint is not the offered key', {
        fingerprint: BigInt.asUintN(64, req.publicKeyFingerprint).toString(16),
      })
    }
    const inner = this.decryptInner(req.encryptedData)
    checkNonce(inner.nonce, st.nonce, 'nonce', inner._)
    checkNonce(inner.serverNonce, st.serverNonce, 'server_nonce', inner._)
    if (!sameBytes(inner.pq, st.pq.pqBytes) || !sameBytes(inner.p, st.pq.pBytes) || !sameBytes(inner.q, st.pq.qBytes)) {
      throw new AuthError('bad-proof', `${inner._}: pq, p or q differ from the challenge`)
    }
    if (inner.newNonce.length !== 32) throw new SecurityError('bad-nonce', `${inner._}: new_nonce is not 32 bytes`)
    let dcId: number | undefined
    if (inner._ === 'p_q_inner_data_dc' || inner._ === 'p_q_inner_data_temp_dc') {
      dcId = inner.dc
      if (this.opts.acceptDc !== undefined && !this.opts.acceptDc(dcId)) {
        throw new AuthError('bad-dc', `${inner._}: dc ${dcId} is not served here`, { dc: dcId })
      }
    }
    const temp = inner._ === 'p_q_inner_data_temp' || inner._ === 'p_q_inner_data_temp_dc'
    const expiresIn = temp ? inner.expiresIn : 0
    if (temp && (expiresIn <= 0 || expiresIn > MAX_TEMP_EXPIRES_IN)) {
      throw new AuthError('unexpected-message', `${inner._}: expires_in ${expiresIn} is outside 1..${MAX_TEMP_EXPIRES_IN}`, {
        expiresIn,
      })
    }
    const newNonce = inner.newNonce
    if (this.mode === 'params-fail') {
      this.state = { s: 'failed' }
      return serializeObject({
        _: 'server_DH_params_fail',
        nonce: st.nonce,
        serverNonce: st.serverNonce,
        newNonceHash: this.crypto.sha1(newNonce).subarray(4, 20),
      } satisfies Mt.server_DH_params_fail)
    }
    const { secret, publicValue } = dhKeyPair(this.g, this.prime, this.random)
    const serverTime = Math.floor(nowMs / 1000)
    const answer = serializeObject({
      _: 'server_DH_inner_data',
      nonce: st.nonce,
      serverNonce: st.serverNonce,
      g: this.g,
      dhPrime: bigIntToBytes(this.prime, DH_BYTES),
      gA: publicValue,
      serverTime,
    } satisfies Mt.server_DH_inner_data)
    const tmp = tmpAesKeyIv(this.crypto, st.serverNonce, newNonce)
    const encryptedAnswer = this.crypto.igeEncrypt(wrapWithHash(this.crypto, answer, this.random), tmp.key, tmp.iv)
    this.state = {
      s: 'set-dh',
      nonce: st.nonce,
      serverNonce: st.serverNonce,
      newNonce,
      tmp,
      secret,
      serverTime,
      temp,
      expiresIn,
      dcId,
      retryId: 0n,
      retried: false,
    }
    return serializeObject({ _: 'server_DH_params_ok', nonce: st.nonce, serverNonce: st.serverNonce, encryptedAnswer } satisfies Mt.server_DH_params_ok)
  }

  private onSetDh(st: State & { s: 'set-dh' }, body: Uint8Array): ServerStep {
    const msg = parseStep(body, 'set_client_DH_params')
    if (typeof msg !== 'object' || Array.isArray(msg) || msg._ !== 'set_client_DH_params') {
      throw unexpected('set_client_DH_params', 'set_client_DH_params', msg)
    }
    const req = msg as Mt.set_client_DH_params
    checkNonce(req.nonce, st.nonce, 'nonce', 'set_client_DH_params')
    checkNonce(req.serverNonce, st.serverNonce, 'server_nonce', 'set_client_DH_params')
    checkCipherLength(req.encryptedData, 'set_client_DH_params')
    const plain = this.crypto.igeDecrypt(req.encryptedData, st.tmp.key, st.tmp.iv)
    const inner = unwrapWithHash(this.crypto, plain, 'set_client_DH_params')
    if (typeof inner !== 'object' || Array.isArray(inner) || inner._ !== 'client_DH_inner_data') {
      throw unexpected('set_client_DH_params', 'client_DH_inner_data', inner)
    }
    const cdh = inner as Mt.client_DH_inner_data
    checkNonce(cdh.nonce, st.nonce, 'nonce', 'client_DH_inner_data')
    checkNonce(cdh.serverNonce, st.serverNonce, 'server_nonce', 'client_DH_inner_data')
    if (cdh.retryId !== st.retryId) {
      throw new AuthError('bad-retry-id', `client_DH_inner_data: retry_id ${cdh.retryId} (expected ${st.retryId})`, {
        got: cdh.retryId,
        expected: st.retryId,
      })
    }
    checkDhValue(cdh.gB, this.prime, 'g_b')
    const authKey = dhSharedKey(cdh.gB, st.secret, this.prime)
    const ids = { nonce: st.nonce, serverNonce: st.serverNonce }
    if (this.mode === 'fail') {
      this.state = { s: 'failed' }
      return { send: serializeObject({ _: 'dh_gen_fail', ...ids, newNonceHash3: newNonceHash(this.crypto, st.newNonce, 3, authKey) }) }
    }
    if (this.mode === 'retry' && !st.retried) {
      st.retried = true
      st.retryId = readLong(authKeyAuxHash(this.crypto, authKey))
      return { send: serializeObject({ _: 'dh_gen_retry', ...ids, newNonceHash2: newNonceHash(this.crypto, st.newNonce, 2, authKey) }) }
    }
    this.state = { s: 'done' }
    const done: ServerAuthResult = {
      authKey,
      authKeyId: readLong(authKeyId(this.crypto, authKey)),
      serverSalt: firstServerSalt(st.serverNonce, st.newNonce).value,
      timeOffset: 0,
      temp: st.temp,
    }
    if (st.temp) done.expiresAt = st.serverTime + st.expiresIn
    if (st.dcId !== undefined) done.dcId = st.dcId
    return { send: serializeObject({ _: 'dh_gen_ok', ...ids, newNonceHash1: newNonceHash(this.crypto, st.newNonce, 1, authKey) }), done }
  }
}
