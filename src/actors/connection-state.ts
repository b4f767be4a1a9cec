/**
 * The state of one DC connection (see connection.ts), shared by the modules that drive it: the keys, the socket and
 * its codec, the session, the calls in flight and the timers. Only the connection modules touch it; the public face
 * is {@link Connection}.
 *
 * Spec: https://core.telegram.org/mtproto (one connection, its session and auth key),
 * https://core.telegram.org/api/pfs (the permanent and temp keys under PFS).
 */
import { randomFillSync } from 'node:crypto'
import type { Socket } from 'node:net'
import type { MtError } from '../errors.js'
import type { AuthKeyResult } from '../protocol/auth/common.js'
import { createNodeCryptoProvider } from '../protocol/crypto/node-provider.js'
import type { CryptoProvider } from '../protocol/crypto/provider.js'
import type { DeferringCipher } from '../protocol/mtp/async-cipher.js'
import type { ClientSession, SendRequest } from '../protocol/mtp/client-session.js'
import { IdTable } from '../protocol/id-table.js'
import type { RandomSource } from '../protocol/random.js'
import { BackoffSleep } from './connection-backoff.js'
import type { HandshakeRun } from './connection-handshake.js'
import type { FramePipeline } from './connection-pool.js'
import type { ClientCodec } from './connection-transport.js'
import { type ConnectionEvent, type ConnectionOptions, DEFAULT_RECONNECT, type ReconnectPolicy, type SessionState } from './connection-types.js'

type ApiCodec = typeof import('../tl/index.js')

/**
 * The full API codec, loaded on first use: `invoke` moves raw bytes and needs none of it, so a DC worker that only
 * relays serialized requests never loads the API tables (typed `call` and the PFS bind request do).
 */
let apiCodec: Promise<ApiCodec> | undefined
/** The codec once loaded, so a typed call does not wait a turn for an import that already finished. */
let apiCodecLoaded: ApiCodec | undefined

/** Loads the API codec (once). */
export function loadApiCodec(): Promise<ApiCodec> {
  apiCodec ??= import('../tl/index.js').then((m) => (apiCodecLoaded = m))
  return apiCodec
}

/** The API codec if it is loaded already. */
export function loadedApiCodec(): ApiCodec | undefined {
  return apiCodecLoaded
}

/** `Pending.cleanup` of a call without a timeout or an AbortSignal. */
export const NOTHING_TO_CLEAN = (): void => undefined

/** A call accepted and not yet settled. */
export interface Pending {
  resolve(body: Uint8Array): void
  reject(e: MtError): void
  cleanup: () => void
}

/** One connection's state (plain fields: the connection modules are its only users). */
export class ConnState {
  readonly o: ConnectionOptions
  readonly crypto: CryptoProvider
  readonly random: RandomSource
  /** The reconnect policy (retuned by Connection.configure). */
  policy: Required<ReconnectPolicy>
  /** Session timers for the live session and every later one (retuned by Connection.configure). */
  tuning: NonNullable<ConnectionOptions['session']>
  /** Closes the connection that owns this state (the background connect gives up through it). */
  readonly close: () => Promise<void>
  /** The key the session runs on (the temp key under PFS). */
  authKey: Uint8Array | undefined
  /**
   * PFS: the permanent key, and the current temp key with its expiry and renewal time (server unix seconds); `bound`
   * once it is bound (by this connection, or by the one of the DC that made it).
   */
  permKey: Uint8Array | undefined
  /** `due`: the renewal timer fired for this temp key. */
  temp: { result: AuthKeyResult; expiresAt: number; renewAt: number; due: boolean } | undefined
  bound = false
  /** Whether calls may go to the session (false until a new session's temp key is bound). */
  ready = false
  renewTimer: NodeJS.Timeout | undefined
  /** A connection attempt is running (its own failure path handles a close). */
  connecting = false
  bindId: number | undefined
  salt = 0n
  offset = 0
  session: ClientSession | undefined
  sessionUsed = false
  socket: Socket | undefined
  codec: ClientCodec | undefined
  /** Calls accepted and not settled, by request id (ids count up: an IdTable, no hash table churn per call). */
  readonly pending = new IdTable<Pending>()
  waiting: SendRequest[] = []
  nextId = 1
  closed = false
  readonly abort = new AbortController()
  timer: NodeJS.Timeout | undefined
  /** When {@link timer} fires (ms since the epoch). */
  timerAt = 0
  readonly backoff = new BackoffSleep()
  /** keyExchange 'wait': a key exchange was allowed once ({@link allowHandshake}); consumed by the next one. */
  handshakeAllowed = false
  /** keyExchange 'wait': wakes the attempt waiting for a key. */
  keyArrived: (() => void) | undefined
  /** The session to continue on the first key (consumed when that session is made). */
  resume: SessionState | undefined
  /** The last session state reported ('session' events), to report only changes. */
  reported: SessionState | undefined
  flushQueued = false
  attempt = 0
  reconnecting: Promise<void> | undefined
  hs: HandshakeRun | undefined
  /** With `cryptoPool`: the session's cipher and the current socket's ordered frame pipeline. */
  pooledCipher: DeferringCipher | undefined
  pipe: FramePipeline | undefined

  constructor(o: ConnectionOptions, close: () => Promise<void>) {
    this.o = o
    this.close = close
    this.crypto = o.crypto ?? createNodeCryptoProvider()
    this.random = o.random ?? ((b) => void randomFillSync(b))
    this.policy = { ...DEFAULT_RECONNECT, ...o.reconnect }
    this.tuning = { ...o.session }
  }

  emit(e: ConnectionEvent): void {
    this.o.onEvent?.(e)
  }

  settle(requestId: number, fn: (p: Pending) => void): void {
    const p = this.take(requestId)
    if (p !== undefined) fn(p)
  }

  /** Removes a pending call (timer and abort listener cleared) for the caller to settle; no closure per answer. */
  take(requestId: number): Pending | undefined {
    const p = this.pending.get(requestId)
    if (p === undefined) return undefined
    this.pending.delete(requestId)
    p.cleanup()
    return p
  }

  giveUp(requestId: number, error: MtError): void {
    this.session?.cancel(requestId)
    this.waiting = this.waiting.filter((r) => r.requestId !== requestId)
    this.settle(requestId, (p) => p.reject(error))
  }
}

/** Whether two byte strings are equal. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
