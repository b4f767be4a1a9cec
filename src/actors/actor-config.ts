/**
 * The connection options an {@link ActorConfig} asks for: one mapping shared by the worker-thread and the in-process
 * actor, so both run the same connection for the same config.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports (transport and proxy choices),
 * https://core.telegram.org/mtproto/description#session (resumed session state).
 */
import type { ActorConfig } from './actor-types.js'
import type { ConnectionOptions } from './connection-types.js'

/** The endpoint, transport, proxy, key, session and resume options of `config`, absent ones left out. */
export function connectionOptionsOf(config: ActorConfig): ConnectionOptions {
  const ep = config.endpoint
  return {
    host: ep.host,
    port: ep.port,
    dcId: ep.dcId,
    ...(ep.testMode === true ? { testMode: true } : {}),
    ...(ep.media === true ? { media: true } : {}),
    ...(config.transport !== undefined ? { transport: config.transport } : {}),
    ...(config.obfuscated !== undefined ? { obfuscated: config.obfuscated } : {}),
    ...(config.mtproxy !== undefined ? { mtproxy: config.mtproxy } : {}),
    ...(config.proxy !== undefined ? { proxy: config.proxy } : {}),
    ...(config.rsaKeys !== undefined ? { rsaKeys: [...config.rsaKeys] } : {}),
    ...(config.authKey !== undefined ? { authKey: config.authKey } : {}),
    ...(config.serverSalt !== undefined ? { serverSalt: config.serverSalt } : {}),
    ...(config.timeOffset !== undefined ? { timeOffset: config.timeOffset } : {}),
    ...(config.pfs !== undefined ? { pfs: config.pfs } : {}),
    ...(config.tempKey !== undefined ? { tempKey: config.tempKey } : {}),
    ...(config.reconnect !== undefined ? { reconnect: config.reconnect } : {}),
    ...(config.connectTimeoutMs !== undefined ? { connectTimeoutMs: config.connectTimeoutMs } : {}),
    ...(config.session !== undefined ? { session: config.session } : {}),
    ...(config.resume !== undefined ? { resume: config.resume } : {}),
  }
}
