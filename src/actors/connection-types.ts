/**
 * Types and constants of the connection driver: options, events, per-call options, the pluggable key exchange and the
 * reconnect policy.
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports#transport-errors (-404, -429),
 * https://core.telegram.org/mtproto/auth_key (the key exchange the driver runs).
 */
import type { MtError } from '../errors.js'
import type { AuthKeyResult } from '../protocol/auth/common.js'
import type { ClientSessionOptions, SentRequestRecord, SessionState } from '../protocol/mtp/client-session.js'
import type { AsyncCryptoProvider } from '../protocol/crypto/async-provider.js'
import type { CryptoProvider } from '../protocol/crypto/provider.js'
import type { RsaPublicKey } from '../protocol/crypto/rsa.js'
import type { TransportError } from '../protocol/errors.js'
import type { RandomSource } from '../protocol/random.js'
import type { MtProxyOptions, TransportKind } from './connection-transport.js'
import type { SocketProxy } from './socket.js'

export type { AuthKeyResult, SentRequestRecord, SessionState }

/** A sans-IO key exchange: {@link ClientHandshake} by default; tests may inject another. */
export interface HandshakeLike {
  start(nowMs: number): Uint8Array
  receive(body: Uint8Array, nowMs: number): { send: Uint8Array } | { done: AuthKeyResult }
}

/** Makes a fresh key exchange for a connection attempt. */
export type HandshakeFactory = (ctx: {
  crypto: CryptoProvider
  random: RandomSource
  dcId: number
  testMode: boolean
  media: boolean
  /** Set for a temporary (PFS) key. */
  temp?: { expiresInSeconds: number }
}) => HandshakeLike

/**
 * A PFS temp key already bound to the permanent key with auth.bindTempAuthKey: what every connection of a DC shares
 * (the server keeps one binding per permanent key, https://core.telegram.org/method/auth.bindTempAuthKey).
 */
export interface BoundTempKey {
  readonly result: AuthKeyResult
  /** Server unix seconds when the binding, and with it the temp key, expires. */
  readonly expiresAt: number
}

/** Reconnect backoff: delay = min(maxDelayMs, minDelayMs * factor^attempt), spread by +-jitter. */
export interface ReconnectPolicy {
  readonly minDelayMs?: number
  readonly maxDelayMs?: number
  readonly factor?: number
  /** Each delay is spread uniformly over +-this fraction of itself (0 disables). Default 0.2. */
  readonly jitter?: number
  /** Consecutive failed attempts before giving up (pending requests then fail). Default unlimited. */
  readonly maxAttempts?: number
}

/** What the connection reports besides results. */
export type ConnectionEvent =
  | { type: 'connected' }
  | { type: 'disconnected'; error?: MtError }
  | { type: 'auth-key'; result: AuthKeyResult; temp: boolean }
  /** A temp key was bound to the permanent key (PFS): initConnection must be sent again. */
  | { type: 'temp-key-bound'; expiresAt: number }
  /**
   * The server does not know our auth key (-404): it is dropped (under PFS the temp key, `authKeyId`); a new one is
   * made when a handshake is available.
   */
  | { type: 'auth-key-dropped'; error: TransportError; authKeyId?: bigint }
  /**
   * PFS with keyExchange 'wait': the temp key `authKeyId` reached its renewal time. The connection keeps using it
   * (it is valid until it expires) until {@link Connection.setTempKey} brings the next one or
   * {@link Connection.allowHandshake} lets it make that one itself.
   */
  | { type: 'temp-key-due'; authKeyId: bigint }
  | { type: 'new-session'; firstMsgId: bigint; serverSalt: bigint }
  | { type: 'state'; serverSalt: bigint; timeOffset: number }
  /** A received payload failed a check and was dropped (the connection carries on). */
  | { type: 'rejected'; error: MtError }
  /** With `trackSession`: the session's state after a change (new session, salt, offset, a send moved the counters). */
  | { type: 'session'; state: SessionState }
  /**
   * With `trackSession`: caller requests put on the wire by one flush (their request ids from
   * {@link Connection.lastRequestId}). Emitted before the bytes are written, so a record always exists for any
   * request the server may have seen.
   */
  | { type: 'sent'; records: SentRequestRecord[] }

/** Options of {@link Connection.connect}. */
export interface ConnectionOptions {
  readonly host: string
  readonly port: number
  readonly dcId: number
  /** Default 'intermediate'. */
  readonly transport?: TransportKind
  readonly obfuscated?: boolean
  readonly mtproxy?: MtProxyOptions
  readonly proxy?: SocketProxy
  readonly testMode?: boolean
  readonly media?: boolean
  /** A known auth key; without it `handshake` makes one. */
  readonly authKey?: Uint8Array
  readonly serverSalt?: bigint
  readonly timeOffset?: number
  /** The key exchange to run when there is no auth key; default {@link ClientHandshake} with `rsaKeys`. */
  readonly handshake?: HandshakeFactory
  /** Server RSA keys for the default key exchange (default: Telegram's built-in keys). */
  readonly rsaKeys?: RsaPublicKey[]
  /**
   * Perfect forward secrecy: the session runs on a temporary key (made with the key exchange, expiring after
   * `tempKeySeconds`) bound to the permanent key (`authKey`, or one made first) with auth.bindTempAuthKey before any
   * request; a new temp key is made and bound before the current one expires. After each binding the caller must
   * send initConnection again ('temp-key-bound' event).
   */
  readonly pfs?: { readonly tempKeySeconds: number }
  /**
   * PFS: a temp key another connection of the DC made and bound; this connection runs on it without a key exchange
   * or a bind of its own (until -404 or renewal).
   */
  readonly tempKey?: BoundTempKey
  readonly crypto?: CryptoProvider
  /**
   * The crypto pool (a `CryptoPool` on the main thread, a `RemotePoolProvider` in a DC worker): encrypted messages of
   * at least `poolThreshold` plaintext bytes have their AES-IGE done there, in both directions, while smaller ones
   * stay synchronous. Frames still leave in msg_id order and reach the session in arrival order.
   */
  readonly cryptoPool?: AsyncCryptoProvider
  /**
   * Plaintext bytes from which a message's AES-IGE goes to `cryptoPool`. Default: `defaultPoolThreshold(crypto)`
   * (src/protocol/crypto/async-provider.ts, measured by `npm run bench:pool`: 128 KiB with the AES-NI addon, 16 KiB
   * on the portable kernels).
   */
  readonly poolThreshold?: number
  readonly random?: RandomSource
  /** Socket connect (and proxy) deadline, and the key exchange deadline. Default 10 s. */
  readonly connectTimeoutMs?: number
  readonly reconnect?: ReconnectPolicy
  /** Session tuning (keepalive, acks, containers, gzip). */
  readonly session?: Omit<ClientSessionOptions, 'cipher' | 'random' | 'serverSalt' | 'timeOffset' | 'ignoreTrailingBytes' | 'sessionId' | 'resume' | 'recordSent'>
  /**
   * Without an auth key: 'run' (default) runs the key exchange; 'wait' waits for {@link Connection.setAuthKey} (or
   * {@link Connection.allowHandshake}) before connecting, and waits the same way after -404 dropped the key. Under PFS
   * 'wait' also covers the temp key: without one the connection waits for {@link Connection.setTempKey} or
   * {@link Connection.allowHandshake}, and at renewal time it reports 'temp-key-due' and renews only when allowed.
   */
  readonly keyExchange?: 'run' | 'wait'
  /** Continue this session (same id, counters, salt and offset) on the first key instead of starting a new one. */
  readonly resume?: SessionState
  /** Emit 'session' and 'sent' events (supervision mirrors them). Default false. */
  readonly trackSession?: boolean
  readonly onUpdate?: (body: Uint8Array) => void
  readonly onEvent?: (event: ConnectionEvent) => void
}

/** Per-call options. */
export interface InvokeOptions {
  readonly signal?: AbortSignal
  readonly timeoutMs?: number
  /** Run after this earlier call (its request id from {@link Connection.lastRequestId}); invokeAfterMsg. */
  readonly after?: number
  /** Already sent in this (resumed) session under this msg_id and seq_no: put it on the wire unchanged. */
  readonly resend?: { readonly msgId: bigint; readonly seqNo: number }
}

/** Defaults: first retry after 200 ms, doubling up to 10 s, each spread by +-20 %. */
/** Session timers a connection can be started with and retuned to (keepalive, ping timeout, resend). */
export interface SessionTuning {
  readonly pingIntervalMs?: number
  readonly pingTimeoutMs?: number
  readonly resendAfterMs?: number
}

/** What `Connection.configure` changes; absent fields keep their value. */
export interface ConnectionTuning {
  /** Applied to the live session at once and to every later one. */
  readonly session?: SessionTuning
  /** Used from the next reconnect on. */
  readonly reconnect?: ReconnectPolicy
}

/** The tuning in effect after `configure`. */
export interface AppliedTuning {
  readonly session: SessionTuning
  readonly reconnect: Required<ReconnectPolicy>
}

export const DEFAULT_RECONNECT: Required<ReconnectPolicy> = { minDelayMs: 200, maxDelayMs: 10_000, factor: 2, jitter: 0.2, maxAttempts: Number.POSITIVE_INFINITY }
/** Socket connect and key exchange deadline: long enough for a slow proxy, short enough to retry elsewhere. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
/** Transport error codes (https://core.telegram.org/mtproto/mtproto-transports#transport-errors). */
/** -404: the server does not know the auth key (or the message was malformed). */
export const TRANSPORT_AUTH_KEY_NOT_FOUND = -404
/** -429: too many connections or transport flood. */
export const TRANSPORT_FLOOD = -429
