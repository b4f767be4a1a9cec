/**
 * The contract between the main-thread coordinator and a DC actor: one connection (socket, transport, session,
 * timers) to one DC. Two implementations share it: the worker-thread actor (the design's default) and the in-process
 * actor (the connection driver on the calling thread; the baseline `bench:actors` compares against).
 *
 * The coordinator owns the truth (DC table, auth keys, session snapshots); an actor reports what changes, as events,
 * so a replacement actor can resume the same session after a crash and resend in-flight requests with their original
 * msg_ids (the server then answers from its cache instead of executing them again).
 *
 * Spec: https://core.telegram.org/mtproto/description#session (session id, msg_id, seq_no),
 * https://core.telegram.org/mtproto/service_messages (resending with the original msg_id).
 */
import type { MessagePort } from 'node:worker_threads'
import type { MtError } from '../errors.js'
import type { AuthKeyResult } from '../protocol/auth/index.js'
import type { RsaPublicKey } from '../protocol/crypto/rsa.js'
import type { MtProxyOptions, TransportKind } from './connection-transport.js'
import type { AppliedTuning, BoundTempKey, ConnectionTuning, ReconnectPolicy, SessionTuning } from './connection-types.js'
import type { SocketProxy } from './socket.js'

/** A DC endpoint. */
export interface DcEndpoint {
  readonly dcId: number
  readonly host: string
  readonly port: number
  /** A media-only address (help.getConfig `media_only`). */
  readonly media?: boolean
  readonly testMode?: boolean
}

/** What a request looked like on the wire, mirrored so a replacement actor can resend it unchanged. */
export interface SentRecord {
  readonly requestId: number
  readonly msgId: bigint
  readonly seqNo: number
}

/** The session state a replacement actor resumes from. */
export interface SessionSnapshot {
  readonly sessionId: bigint
  readonly serverSalt: bigint
  /** Seconds to add to local time to get server time. */
  readonly timeOffset: number
  /** The next seq_no counter value (content-related messages sent so far). */
  readonly seqNo: number
  /** The highest msg_id the session has used; new ids must be greater. */
  readonly lastMsgId: bigint
}

/** The tuning types live with the connection that applies them; actors take the same ones. */
export type { AppliedTuning, SessionTuning } from './connection-types.js'
/** What {@link DcActor.configure} changes on a running actor; absent fields keep their value. */
export type ActorTuning = ConnectionTuning

/** Everything needed to start an actor. Structured-cloneable (it crosses a thread boundary). */
export interface ActorConfig {
  readonly endpoint: DcEndpoint
  /** Default 'intermediate'. */
  readonly transport?: TransportKind
  readonly obfuscated?: boolean
  readonly mtproxy?: MtProxyOptions
  readonly proxy?: SocketProxy
  readonly rsaKeys?: readonly RsaPublicKey[]
  /**
   * The DC's permanent auth key when the coordinator has one. Without it the actor runs the key exchange only when
   * `handshake` is true; otherwise it waits for {@link DcActor.setAuthKey} (one handshake per DC at a time).
   */
  readonly authKey?: Uint8Array
  readonly serverSalt?: bigint
  readonly timeOffset?: number
  readonly handshake?: boolean
  /**
   * Perfect forward secrecy: the actor's session runs on a temp key bound to the permanent key. One temp key per DC:
   * without `tempKey` the actor waits for {@link DcActor.setTempKey}, or for {@link DcActor.allowHandshake} when it
   * is the one to make and bind it.
   */
  readonly pfs?: { readonly tempKeySeconds: number }
  /** PFS: the DC's current temp key, already bound (the actor uses it without a key exchange or bind of its own). */
  readonly tempKey?: BoundTempKey
  readonly reconnect?: ReconnectPolicy
  readonly connectTimeoutMs?: number
  /** Session tuning forwarded to the client session (keepalive, ack delay, resend, gzip thresholds). */
  readonly session?: SessionTuning
  /** Resume this session instead of starting a new one (supervision). */
  readonly resume?: SessionSnapshot
  /**
   * Bound on requests handed to the actor and not yet acknowledged by it (for the worker actor: posted to the thread
   * and not yet taken off its port); `invoke` waits (back-pressure) while it is full. Default 1024.
   */
  readonly maxQueued?: number
  /**
   * Bound on requests in flight on the actor (handed to it and not yet settled); `invoke` waits while it is full.
   * The worker actor keeps a shared-memory sent record per in-flight request, so this sizes that table. Default 16384.
   */
  readonly maxInFlight?: number
  /**
   * The coordinator's crypto pool, reached from the actor's thread (a MessagePort; transferred to the worker, so the
   * caller's end is unusable afterwards). Optional: without it the actor encrypts in its own thread.
   */
  readonly cryptoPort?: MessagePort
  /**
   * V8 heap limits of a worker actor's thread (`worker_threads` `resourceLimits`; the in-process actor ignores them).
   * Default `DEFAULT_WORKER_LIMITS` (worker-actor.ts: Node's own). A smaller young generation keeps an idle actor's
   * RSS down, at some cost in scavenges on a busy one (`bench:actor-thread` measures both).
   */
  readonly workerLimits?: WorkerLimits
}

/** The `resourceLimits` of a worker actor's thread (see Node's `worker_threads.ResourceLimits`), MiB each. */
export interface WorkerLimits {
  /** Young generation (both semi-spaces); V8's default grows up to 16 MiB per semi-space on 64-bit machines. */
  readonly maxYoungGenerationSizeMb?: number
  readonly maxOldGenerationSizeMb?: number
  /** Space reserved for generated code. */
  readonly codeRangeSizeMb?: number
  readonly stackSizeMb?: number
}

/** Per-request options. */
export interface ActorInvokeOptions {
  readonly signal?: AbortSignal
  readonly timeoutMs?: number
  /**
   * Resend with this msg_id and seq_no (supervision: the request was already sent on the resumed session).
   * The actor must put it on the wire unchanged.
   */
  readonly resend?: { readonly msgId: bigint; readonly seqNo: number }
}

/** What an actor reports besides results. All of it reaches the coordinator in the order the actor saw it. */
export type ActorEvent =
  | { readonly type: 'connected' }
  | { readonly type: 'disconnected'; readonly error?: MtError }
  /**
   * A key exchange finished: the coordinator stores the permanent key and hands it to the DC's other actors (a temp
   * key is handed out once 'temp-key-bound' follows).
   */
  | { readonly type: 'auth-key'; readonly result: AuthKeyResult; readonly temp: boolean }
  /**
   * -404: the server forgot the key (under PFS the temp key `authKeyId`); the actor dropped it and waits for
   * {@link DcActor.setAuthKey} (under PFS {@link DcActor.setTempKey}) or {@link DcActor.allowHandshake}.
   */
  | { readonly type: 'auth-key-dropped'; readonly error: MtError; readonly authKeyId?: bigint }
  /** The PFS temp key this actor made (its last 'auth-key' with temp) was bound: initConnection must go again on it. */
  | { readonly type: 'temp-key-bound'; readonly expiresAt: number }
  /**
   * PFS: the temp key `authKeyId` reached its renewal time. The actor goes on with it until it gets the next one
   * ({@link DcActor.setTempKey}) or is allowed to make it ({@link DcActor.allowHandshake}).
   */
  | { readonly type: 'temp-key-due'; readonly authKeyId: bigint }
  /** Session state changed (new session, salt, time offset, counters): mirrored for supervision. */
  | { readonly type: 'session'; readonly snapshot: SessionSnapshot }
  /** Requests were put on the wire with these msg_ids (batched per flush). */
  | { readonly type: 'sent'; readonly records: readonly SentRecord[] }
  /** A received payload failed a check and was dropped; the connection carries on. */
  | { readonly type: 'rejected'; readonly error: MtError }
  /** The actor died (worker crash or terminate); its pending invokes are rejected with `error`. */
  | { readonly type: 'exit'; readonly error?: MtError }

/** Live figures for status and tests. */
export interface ActorStatus {
  readonly dcId: number
  /** `worker_threads.threadId` of the thread that runs the actor (0 on the main thread). */
  readonly threadId: number
  readonly connected: boolean
  readonly pending: number
  readonly queued: number
  readonly hasAuthKey: boolean
}

/** Where {@link DcActor.submit} delivers a call's outcome: the raw result bytes, or a typed error. */
export interface InvokeSink {
  resolve(body: Uint8Array): void
  reject(e: MtError): void
}

/** One DC connection as the coordinator sees it. */
export interface DcActor {
  readonly dcId: number
  /**
   * Sends a serialized request; resolves with the raw result bytes, rejects with RpcError or another typed error.
   * `body` must be a buffer the caller owns outright: a worker actor transfers it (it is detached afterwards).
   * `requestId` is chosen by the coordinator, unique per actor lineage (a replacement keeps the ids).
   */
  invoke(requestId: number, body: Uint8Array, method: string, opts?: ActorInvokeOptions): Promise<Uint8Array>
  /**
   * The promise-free form of {@link invoke} for a call without options: the outcome settles `sink` (exactly once,
   * possibly before this returns). Optional; the coordinator uses it where an actor has it (no promise and no
   * reaction per call on the coordinator's thread).
   */
  submit?(requestId: number, body: Uint8Array, method: string, sink: InvokeSink): void
  /** Hands the actor the DC's permanent key (after another actor made it, or after -404 regeneration). */
  setAuthKey(key: AuthKeyResult): void
  /**
   * PFS: hands the actor the DC's temp key, made and bound by another actor of the DC; it switches to it without a
   * key exchange or a bind of its own.
   */
  setTempKey(key: BoundTempKey): void
  /**
   * Tells a waiting actor it may run the key exchange it needs itself (once): the permanent key if it has none and,
   * under PFS, the DC's next temp key, which it then binds and reports.
   */
  allowHandshake(): void
  /** Skips the reconnect backoff wait ("network restored"). */
  wake(): void
  /** Retunes timers and the reconnect policy of the running actor; resolves with what is now in effect. */
  configure(t: ActorTuning): Promise<AppliedTuning>
  status(): Promise<ActorStatus>
  /** Drains nothing: cancels pending invokes with CancelledError, closes the socket and ends the thread. */
  close(): Promise<void>
}

/** Callbacks the coordinator gives an actor at spawn. */
export interface ActorCallbacks {
  /** An update (raw TL bytes of an Updates object), in the order the DC sent them. */
  readonly onUpdate: (body: Uint8Array) => void
  readonly onEvent: (event: ActorEvent) => void
}

/** Starts an actor. */
export type ActorFactory = (config: ActorConfig, callbacks: ActorCallbacks) => Promise<DcActor>
