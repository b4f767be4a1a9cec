/**
 * The auth key exchange (client and server state machines) and temp key binding for perfect forward secrecy.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key, https://core.telegram.org/api/pfs
 */
export { AuthError, type AuthErrorReason } from './errors.js'
export type { AuthKeyResult } from './common.js'
export { ClientHandshake, type ClientHandshakeOptions, type ClientStep } from './client.js'
export {
  ServerHandshake,
  type ServerAuthResult,
  type ServerHandshakeMode,
  type ServerHandshakeOptions,
  type ServerStep,
} from './server.js'
export { generatePq, type PqChallenge } from './server-pq.js'
export { buildBindTempAuthKey, verifyBindTempAuthKey, type BindTempAuthKeyOptions, type VerifyBindOptions } from './bind.js'
export { generateServerRsaKeyPair, isPeerCompatibleFingerprint, loadServerRsaKeyPair } from './server-key.js'
export { TempKeyBindings, tempKeyRenewAt } from './pfs.js'
