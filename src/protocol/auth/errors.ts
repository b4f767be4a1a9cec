/**
 * AuthError: protocol-order and protocol-outcome failures of the auth key exchange and of temp key binding
 * (a message of the wrong type for the current step, a server that refuses the DH parameters, dh_gen_fail, too many
 * dh_gen_retry answers, a binding that does not verify). Forged or tampered values are SecurityError instead
 * (../errors.ts); AuthError means "the exchange cannot continue" without implying tampering.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key (the steps and their answers),
 * https://core.telegram.org/method/auth.bindTempAuthKey (binding errors).
 */
import { ReasonedError, registerReasonedError } from '../../errors.js'

/** Why the key exchange or a binding stopped. */
export type AuthErrorReason =
  /** A message that is not valid TL, or not the constructor this step expects. */
  | 'unexpected-message'
  /** receive() after the exchange finished or failed, or before start(). */
  | 'bad-state'
  /** The server answered req_DH_params with server_DH_params_fail. */
  | 'dh-params-fail'
  /** The server answered set_client_DH_params with dh_gen_fail (new_nonce_hash3 verified). */
  | 'dh-gen-fail'
  /** More dh_gen_retry answers than the client allows. */
  | 'too-many-retries'
  /** A handshake asked for a DC the server does not serve (server side). */
  | 'bad-dc'
  /** The client's proof of work (p, q) or the key fingerprint it chose does not match the server's offer. */
  | 'bad-proof'
  /** The client sent a retry_id that is not the aux hash of the previous key (server side). */
  | 'bad-retry-id'
  /** A temp key binding failed verification (see `rpcError` for the answer a server gives). */
  | 'bind-invalid'

/**
 * The key exchange or a binding cannot continue. `rpcError` (bindings only) is the RPC error text a server answers
 * with, e.g. ENCRYPTED_MESSAGE_INVALID.
 */
export class AuthError extends ReasonedError<AuthErrorReason> {
  override readonly kind: string = 'AuthError'

  /** The RPC error a server should answer with, for binding failures. */
  get rpcError(): string | undefined {
    const r = this.details.rpcError
    return typeof r === 'string' ? r : undefined
  }
}
registerReasonedError<AuthErrorReason>('AuthError', (r, m, d) => new AuthError(r, m, d))
