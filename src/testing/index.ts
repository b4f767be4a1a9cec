/**
 * `mtactor/testing`: the loopback DC cluster, its fault plans and the test proxies, for offline tests of any
 * MTProto client.
 *
 * Spec: https://core.telegram.org/mtproto (the protocol the cluster speaks).
 */
export { type Cluster, type ClusterDc, type ClusterOptions, type ClusterProxySecrets, type HandshakeContext, startCluster } from './cluster.js'
export { type DcLimits, DcServer } from './dc.js'
export { type HandshakeSwitch, registerBindHandler, serverHandshakeFactory } from './handshake.js'
export { type ArmedFault, type Fault, FaultPlan, type FaultSchedule, type RpcFaultOptions } from './faults.js'
export { type DcAddress, type LoopbackHandlerOptions, loopbackConfig, registerLoopbackHandlers, SELF_USER_ID } from './handlers.js'
export {
  accessHashOf,
  accountById,
  accountUser,
  botByToken,
  fileByLocation,
  phoneByNumber,
  TEST_BOTS,
  TEST_FILES,
  TEST_PHONES,
  TEST_STATS_CHANNEL,
  type TestBot,
  type TestFile,
  type TestPhone,
} from './accounts.js'
export { type AuthHandlerOptions, dcGuard, type GuardOptions, isOpenMethod, registerAuthHandlers } from './auth-handlers.js'
export { ExportedAuthorizations, LoginState, loginKeyId } from './login.js'
export { DOWNLOAD_WINDOW, type FileHandlerOptions, MAX_PART_SIZE, MAX_PARTS, registerFileHandlers, type StoredUpload, UploadStore } from './file-handlers.js'
export { broadcastStats, registerStatsHandlers } from './stats-handlers.js'
export { type ProxyAuth, startHttpConnectProxy, startSocks5Proxy, type TestProxy } from './proxies.js'
export { rsaKeyPairFromPrivatePem } from './rsa.js'
export { ExecutionCounters, RpcRegistry, type RpcContext, type RpcGuard, type RpcHandler, MIN_LAYER, MAX_LAYER } from '../protocol/mtp/server-rpc.js'
export { ServerProtocolError, RpcFailure, TRANSPORT_CODE } from '../protocol/mtp/server-errors.js'
export { type HandshakeDone, type HandshakeFactory, type ServerHandshakeStep, ServerEngine, ServerConnection } from '../protocol/mtp/server-connection.js'
export { ServerKeyStore } from '../protocol/mtp/server-keys.js'
