/**
 * Public surface of the crypto layer: providers (sync and async), MTProto message encryption with every
 * receiving-side check, RSA keys and RSA_PAD, pq factorization, DH checks, key derivation and 2FA SRP.
 *
 * Spec: https://core.telegram.org/mtproto/description, https://core.telegram.org/mtproto/auth_key,
 * https://core.telegram.org/mtproto/security_guidelines, https://core.telegram.org/api/srp.
 */
export type { AesCtr, CryptoProvider } from './provider.js'
export { createNodeCryptoProvider, type NodeCryptoOptions } from './node-provider.js'
export {
  type AsyncCryptoProvider,
  createInThreadAsyncProvider,
  DEFAULT_POOL_THRESHOLD,
  defaultPoolThreshold,
  PORTABLE_POOL_THRESHOLD,
} from './async-provider.js'
export { NativeUnavailableError } from './backend-error.js'
export * from './message.js'
export { bufferedRandom } from './message-random.js'
export * from './message-v1.js'
export * from './rsa.js'
export * from './rsa-server.js'
export * from './pq.js'
export * from './dh.js'
export * from './dh-exchange.js'
export * from './kdf.js'
export * from './srp.js'
