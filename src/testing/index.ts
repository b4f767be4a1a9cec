/**
 * `mtactor/testing`: the loopback DC cluster, its fault plans and the test proxies, for offline tests of any
 * MTProto client.
 *
 * Spec: https://core.telegram.org/mtproto (the protocol the cluster speaks).
 */
export { type Cluster, type ClusterDc, type ClusterOptions, type ClusterProxySecrets, type HandshakeContext, startCluster } from './cluster.js'
export { type DcLimits, DcServer } from './dc.js'
export { type HandshakeSwitch, registerBindHandler, serverHandshakeFactory } from './handshake.js'
export { type ArmedFault, type Fault, FaultPlan, type FaultSchedule } from './faults.js'
export { type DcAddress, loopbackConfig, registerLoopbackHandlers, SELF_USER_ID } from './handlers.js'
export { type ProxyAuth, startHttpConnectProxy, startSocks5Proxy, type TestProxy } from './proxies.js'
export { rsaKeyPairFromPrivatePem } from './rsa.js'
export { ExecutionCounters, RpcRegistry, type RpcContext, type RpcHandler, MIN_LAYER, MAX_LAYER } from '../protocol/mtp/server-rpc.js'
export { ServerProtocolError, RpcFailure, TRANSPORT_CODE } from '../protocol/mtp/server-errors.js'
export { type HandshakeDone, type HandshakeFactory, type ServerHandshakeStep, ServerEngine, ServerConnection } from '../protocol/mtp/server-connection.js'
export { ServerKeyStore } from '../protocol/mtp/server-keys.js'
