/**
 * mtactor: the public entry point. Re-exports the error tree, the TL layer (schema types, codec), the crypto
 * layer and the transports. Sub-paths: `mtactor/tl` (TL only).
 *
 * Spec: https://core.telegram.org/mtproto (protocol), https://core.telegram.org/api (API).
 */
export * from './errors.js'
export * from './protocol/errors.js'
export * from './protocol/rpc-error.js'
export { type RandomSource, randomBytes, seededRandom } from './protocol/random.js'
export * from './tl/index.js'
export * from './protocol/crypto/index.js'
export * from './protocol/transport/index.js'
export * from './client/index.js'
