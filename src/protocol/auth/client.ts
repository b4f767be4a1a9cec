/**
 * The client side of the auth key exchange as a sans-IO state machine: it produces the TL bodies of req_pq_multi,
 * req_DH_params and set_client_DH_params (the caller wraps them as plain messages and sends them), and consumes the
 * server's answers, checking each one. Random bytes and the clock are arguments.
 *
 * Random bytes are consumed in this order (so recorded handshakes replay exactly): nonce (16) at start(); at resPQ
 * new_nonce (32), then the RSA padding and temp_key(s) (rsaEncryptInnerData); at server_DH_params_ok, and again at
 * each dh_gen_retry, b (256, redrawn only if g_b fails the range check) then 0..15 AES padding bytes.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key (every step and check),
 * https://core.telegram.org/mtproto/security_guidelines (DH and nonce checks).
 */
import type { RandomSource } from '../random.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { type RsaPublicKey, builtinRsaKeys, rsaEncryptInnerData, selectRsaKey } from '../crypto/rsa.js'
import { factorizePq } from '../crypto/pq.js'
import { checkDhParams, checkDhValue } from '../crypto/dh.js'
import { dhKeyPair, dhSharedKey } from '../crypto/dh-exchange.js'
import { authKeyAuxHash, authKeyId, firstServerSalt, newNonceHash, tmpAesKeyIv, type AesKeyIv } from '../crypto/kdf.js'
import { SecurityError } from '../errors.js'
import { ArgumentError } from '../../errors.js'
import { type Mt, serializeObject } from '../../tl/service.js'
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

export type { AuthKeyResult } from './common.js'

/** The spec's suggested bound on dh_gen_retry rounds before giving up. */
const DEFAULT_MAX_RETRIES = 5
/** Test DCs are numbered 10000 + id in p_q_inner_data_dc (spec: "dc ... + 10000 for test servers"). */
const TEST_DC_OFFSET = 10000

/** Options of {@link ClientHandshake}. */
export interface ClientHandshakeOptions {
  readonly crypto: CryptoProvider
  readonly random: RandomSource
  /** The DC id the key is for (1..5 in production); encoded in p_q_inner_data_dc. */
  readonly dcId: number
  /** Known server keys; defaults to the built-in Telegram keys. */
  readonly rsaKeys?: RsaPublicKey[]
  /** Create a temporary key (PFS) that expires after this many seconds. */
  readonly temp?: { readonly expiresInSeconds: number }
  /** A test-server DC (adds 10000 to the dc field). */
  readonly testMode?: boolean
  /** A media-only DC (the dc field is negated). */
  readonly media?: boolean
  /** dh_gen_retry rounds accepted before failing with AuthError 'too-many-retries' (default 5). */
  readonly maxRetries?: number
  /** 'legacy' sends p_q_inner_data (no dc field), as older clients do; default 'dc'. */
  readonly innerData?: 'dc' | 'legacy'
}

/** What {@link ClientHandshake.receive} returns: the next request body to send, or the finished key. */
export type ClientStep = { send: Uint8Array } | { done: AuthKeyResult }

type State =
  | { s: 'new' }
  | { s: 'res-pq'; nonce: Uint8Array }
  | { s: 'dh-params'; nonce: Uint8Array; serverNonce: Uint8Array; newNonce: Uint8Array }
  | {
      s: 'dh-gen'
      nonce: Uint8Array
      serverNonce: Uint8Array
      newNonce: Uint8Array
      tmp: AesKeyIv
      g: number
      p: bigint
      gA: Uint8Array
      timeOffset: number
      authKey: Uint8Array
      retries: number
    }
  | { s: 'done' }
  | { s: 'failed' }

/**
 * Client half of the key exchange. Call {@link start} once, send its body, then pass every answer body to
 * {@link receive} until it returns `{ done }`. Any failure throws a typed error (SecurityError for forged values,
 * AuthError for protocol outcomes) and leaves the machine failed.
 */
export class ClientHandshake {
  private state: State = { s: 'new' }
  private readonly crypto: CryptoProvider
  private readonly random: RandomSource
  private readonly keys: RsaPublicKey[]
  private readonly dcField: number
  private readonly maxRetries: number

  constructor(private readonly opts: ClientHandshakeOptions) {
    if (!Number.isInteger(opts.dcId) || opts.dcId <= 0 || opts.dcId >= TEST_DC_OFFSET) {
      throw new ArgumentError(`dcId must be a positive DC number, got ${opts.dcId}`, 'dcId')
    }
    const exp = opts.temp?.expiresInSeconds
    if (exp !== undefined && (!Number.isInteger(exp) || exp <= 0 || exp > 0x7fffffff)) {
      throw new ArgumentError(`temp.expiresInSeconds must be a positive int32, got ${exp}`, 'temp')
    }
    const maxRetries = opts.maxRetries ?? DEFAULT_MAX_RETRIES
    if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new ArgumentError('maxRetries must be >= 0', 'maxRetries')
    this.crypto = opts.crypto
    this.random = opts.random
    this.keys = opts.rsaKeys ?? builtinRsaKeys(opts.crypto)
    this.maxRetries = maxRetries
    const dc = opts.dcId + (opts.testMode === true ? TEST_DC_OFFSET : 0)
    this.dcField = opts.media === true ? -dc : dc
  }

  /** Whether the exchange finished successfully. */
  get done(): boolean {
    return this.state.s === 'done'
  }

  /** Begins the exchange: returns the req_pq_multi body. */
  start(_nowMs: number): Uint8Array {
    if (this.state.s !== 'new') throw new AuthError('bad-state', 'start() was already called')
    const nonce = new Uint8Array(16)
    this.random(nonce)
    this.state = { s: 'res-pq', nonce }
    return serializeObject({ _: 'req_pq_multi', nonce } satisfies Mt.req_pq_multi)
  }

  /** Consumes one server answer body. Throws typed errors; after a throw the machine is failed. */
  receive(body: Uint8Array, nowMs: number): ClientStep {
    try {
      return this.step(body, nowMs)
    } catch (e) {
      this.state = { s: 'failed' }
      throw e
    }
  }

  private step(body: Uint8Array, nowMs: number): ClientStep {
    const st = this.state
    switch (st.s) {
      case 'res-pq':
        return { send: this.onResPq(st.nonce, body) }
      case 'dh-params':
        return { send: this.onDhParams(st, body, nowMs) }
      case 'dh-gen':
        return this.onDhGen(st, body, nowMs)
      default:
        throw new AuthError('bad-state', `receive() in state ${st.s}`, { state: st.s })
    }
  }

  private onResPq(nonce: Uint8Array, body: Uint8Array): Uint8Array {
    const msg = parseStep(body, 'resPQ')
    if (typeof msg !== 'object' || Array.isArray(msg) || msg._ !== 'resPQ') throw unexpected('resPQ', 'resPQ', msg)
    const res = msg as Mt.resPQ
    checkNonce(res.nonce, nonce, 'nonce', 'resPQ')
    if (res.serverNonce.length !== 16) throw new SecurityError('bad-nonce', 'resPQ: server_nonce is not 16 bytes')
    const key = selectRsaKey(this.keys, res.serverPublicKeyFingerprints)
    const { pBytes, qBytes } = factorizePq(res.pq)
    const newNonce = new Uint8Array(32)
    this.random(newNonce)
    const inner = this.innerData(res, pBytes, qBytes, nonce, newNonce)
    const encryptedData = rsaEncryptInnerData(this.crypto, key, serializeObject(inner), this.random)
    this.state = { s: 'dh-params', nonce, serverNonce: res.serverNonce, newNonce }
    return serializeObject({
      _: 'req_DH_params',
      nonce,
      serverNonce: res.serverNonce,
      p: pBytes,
      q: qBytes,
      publicKeyFingerprint: key.fingerprint.i64,
      encryptedData,
    } satisfies Mt.req_DH_params)
  }

  private innerData(res: Mt.resPQ, p: Uint8Array, q: Uint8Array, nonce: Uint8Array, newNonce: Uint8Array): Mt.P_Q_inner_data {
    const base = { pq: res.pq, p, q, nonce, serverNonce: res.serverNonce, newNonce }
    const expiresIn = this.opts.temp?.expiresInSeconds
    if (this.opts.innerData === 'legacy') {
      return expiresIn === undefined ? { _: 'p_q_inner_data', ...base } : { _: 'p_q_inner_data_temp', ...base, expiresIn }
    }
    return expiresIn === undefined
      ? { _: 'p_q_inner_data_dc', ...base, dc: this.dcField }
      : { _: 'p_q_inner_data_temp_dc', ...base, dc: this.dcField, expiresIn }
  }

  private onDhParams(st: State & { s: 'dh-params' }, body: Uint8Array, nowMs: number): Uint8Array {
    const msg = parseStep(body, 'server_DH_params')
    if (typeof msg !== 'object' || Array.isArray(msg) || (msg._ !== 'server_DH_params_ok' && msg._ !== 'server_DH_params_fail')) {
      throw unexpected('server_DH_params', 'server_DH_params_ok', msg)
    }
    const res = msg as Mt.Server_DH_Params
    checkNonce(res.nonce, st.nonce, 'nonce', 'server_DH_params')
    checkNonce(res.serverNonce, st.serverNonce, 'server_nonce', 'server_DH_params')
    if (res._ === 'server_DH_params_fail') {
      // new_nonce_hash here is the 128 lower-order bits of SHA1(new_nonce).
      if (!sameBytes(res.newNonceHash, this.crypto.sha1(st.newNonce).subarray(4, 20))) {
        throw new SecurityError('bad-new-nonce-hash', 'server_DH_params_fail: new_nonce_hash does not match')
      }
      throw new AuthError('dh-params-fail', 'the server refused the DH exchange (server_DH_params_fail)')
    }
    checkCipherLength(res.encryptedAnswer, 'server_DH_params_ok')
    const tmp = tmpAesKeyIv(this.crypto, st.serverNonce, st.newNonce)
    const plain = this.crypto.igeDecrypt(res.encryptedAnswer, tmp.key, tmp.iv)
    const inner = unwrapWithHash(this.crypto, plain, 'server_DH_params_ok')
    if (typeof inner !== 'object' || Array.isArray(inner) || inner._ !== 'server_DH_inner_data') {
      throw unexpected('server_DH_params_ok', 'server_DH_inner_data', inner)
    }
    const dh = inner as Mt.server_DH_inner_data
    checkNonce(dh.nonce, st.nonce, 'nonce', 'server_DH_inner_data')
    checkNonce(dh.serverNonce, st.serverNonce, 'server_nonce', 'server_DH_inner_data')
    const p = checkDhParams(dh.g, dh.dhPrime)
    checkDhValue(dh.gA, p, 'g_a')
    const timeOffset = dh.serverTime - Math.floor(nowMs / 1000)
    const next = {
      s: 'dh-gen' as const,
      nonce: st.nonce,
      serverNonce: st.serverNonce,
      newNonce: st.newNonce,
      tmp,
      g: dh.g,
      p,
      gA: dh.gA,
      timeOffset,
      authKey: new Uint8Array(0),
      retries: 0,
    }
    const send = this.clientDh(next, 0n)
    this.state = next
    return send
  }

  /** Draws b, computes g_b and the key, stores the key in `st`, returns set_client_DH_params. */
  private clientDh(st: State & { s: 'dh-gen' }, retryId: bigint): Uint8Array {
    const { secret, publicValue } = dhKeyPair(st.g, st.p, this.random)
    st.authKey = dhSharedKey(st.gA, secret, st.p)
    const inner = serializeObject({
      _: 'client_DH_inner_data',
      nonce: st.nonce,
      serverNonce: st.serverNonce,
      retryId,
      gB: publicValue,
    } satisfies Mt.client_DH_inner_data)
    const encryptedData = this.crypto.igeEncrypt(wrapWithHash(this.crypto, inner, this.random), st.tmp.key, st.tmp.iv)
    return serializeObject({
      _: 'set_client_DH_params',
      nonce: st.nonce,
      serverNonce: st.serverNonce,
      encryptedData,
    } satisfies Mt.set_client_DH_params)
  }

  private onDhGen(st: State & { s: 'dh-gen' }, body: Uint8Array, nowMs: number): ClientStep {
    const msg = parseStep(body, 'set_client_DH_params_answer')
    if (
      typeof msg !== 'object' ||
      Array.isArray(msg) ||
      (msg._ !== 'dh_gen_ok' && msg._ !== 'dh_gen_retry' && msg._ !== 'dh_gen_fail')
    ) {
      throw unexpected('set_client_DH_params_answer', 'dh_gen_ok', msg)
    }
    const res = msg as Mt.Set_client_DH_params_answer
    checkNonce(res.nonce, st.nonce, 'nonce', res._)
    checkNonce(res.serverNonce, st.serverNonce, 'server_nonce', res._)
    const which = res._ === 'dh_gen_ok' ? 1 : res._ === 'dh_gen_retry' ? 2 : 3
    const got = res._ === 'dh_gen_ok' ? res.newNonceHash1 : res._ === 'dh_gen_retry' ? res.newNonceHash2 : res.newNonceHash3
    if (!sameBytes(got, newNonceHash(this.crypto, st.newNonce, which, st.authKey))) {
      throw new SecurityError('bad-new-nonce-hash', `${res._}: new_nonce_hash${which} does not match`, { which })
    }
    if (res._ === 'dh_gen_fail') throw new AuthError('dh-gen-fail', 'the server rejected the key (dh_gen_fail)')
    if (res._ === 'dh_gen_retry') {
      if (st.retries >= this.maxRetries) {
        throw new AuthError('too-many-retries', `the server asked for more than ${this.maxRetries} dh_gen_retry rounds`, {
          maxRetries: this.maxRetries,
        })
      }
      st.retries++
      const retryId = readLong(authKeyAuxHash(this.crypto, st.authKey))
      return { send: this.clientDh(st, retryId) }
    }
    this.state = { s: 'done' }
    const expiresIn = this.opts.temp?.expiresInSeconds
    const result: AuthKeyResult = {
      authKey: st.authKey,
      authKeyId: readLong(authKeyId(this.crypto, st.authKey)),
      serverSalt: firstServerSalt(st.serverNonce, st.newNonce).value,
      timeOffset: st.timeOffset,
    }
    if (expiresIn !== undefined) result.expiresAt = Math.floor(nowMs / 1000) + st.timeOffset + expiresIn
    return { done: result }
  }
}
