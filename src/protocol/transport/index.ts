/**
 * Public surface of the sans-IO transport layer: framing codecs, obfuscated2, MTProxy (plain, dd, FakeTLS), transport
 * detection and the server-side connection state machine. Nothing here touches sockets or clocks: callers pass
 * bytes, a RandomSource and (where needed) the unix time in seconds.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports.
 */
export { AbridgedCodec, ABRIDGED_MARKER } from './abridged.js'
export { ByteQueue } from './byte-queue.js'
export {
  DEFAULT_MAX_FRAME_SIZE,
  type EncodeOptions,
  errorCodePayload,
  type FramingCodec,
  type FramingOptions,
  type Side,
  type TransportEvent,
} from './codec.js'
export { type Detection, type DetectedTransport, detectTransport } from './detect.js'
export { FakeTlsClient, type FakeTlsClientOptions } from './fake-tls.js'
export {
  buildClientHello,
  createReplayCache,
  DEFAULT_TIME_WINDOW_SECONDS,
  type VerifiedClientHello,
  verifyClientHello,
} from './fake-tls-hello.js'
export { buildServerHello, verifyServerHello } from './fake-tls-server-hello.js'
export { FullCodec } from './full.js'
export { INTERMEDIATE_MARKER, IntermediateCodec, PADDED_MARKER, PaddedIntermediateCodec, type PaddedOptions } from './intermediate.js'
export { encodeProxySecret, type ProxyLink, type ProxySecret, parseProxyLink, parseProxySecret } from './mtproxy.js'
export {
  buildObfuscatedInit,
  createObfuscatedClient,
  createObfuscatedInit,
  createObfuscatedServer,
  dcIdField,
  deriveObfuscatedKeys,
  OBFUSCATED_INIT_SIZE,
  ObfuscatedCodec,
  type ObfuscatedTransport,
  type ParsedObfuscatedInit,
  parseObfuscatedInit,
} from './obfuscated.js'
export { type ServerEvent, ServerTransport, type ServerTransportOptions } from './server-transport.js'
export { TlsRecordCodec } from './tls-records.js'
